//! The web app: drop a photo, watch a classifier be fooled, entirely in the browser.

use leptos::prelude::*;

/// Mounts the app on the page's body.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// The whole page.
#[component]
fn App() -> impl IntoView {
    view! { <main><h1>"Gibbon"</h1></main> }
}
