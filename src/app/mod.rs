//! The web app: drop a photo, watch an ImageNet classifier be fooled, entirely in the browser.
//!
//! The page is a tree of components named after what the user sees. They share one
//! [`AppState`] through Leptos context; its actions run the library's model and attack code
//! (the very code the CLI runs) on WebGPU, or on burn's CPU backend when there is no WebGPU.

mod attack_panel;
mod bench;
mod browser;
mod live_chart;
mod model_bar;
mod photo_input;
mod results;
mod state;
mod transfer;
mod weights_loader;

use leptos::prelude::*;

use state::{AppState, Notice};

/// Mounts the app on the page's body.
pub fn mount() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("gibbon panicked: {info}").into());
    }));
    if browser::query_param("bench").is_some() {
        leptos::mount::mount_to_body(bench::BenchPage);
    } else {
        leptos::mount::mount_to_body(App);
    }
}

/// The whole page.
#[component]
fn App() -> impl IntoView {
    let use_gpu = browser::query_param("backend").as_deref() != Some("cpu");
    let state = AppState::new(use_gpu);
    provide_context(state);
    state.start();
    view! {
        <header class="masthead">
            <h1>"Gibbon"</h1>
            <p class="tagline">
                "Drop a photo and watch an ImageNet classifier be fooled by noise too faint to see. "
                "Everything runs on your machine: your photo never leaves it."
            </p>
            <model_bar::ModelBar/>
        </header>
        <NoticeBar/>
        <main class="layout">
            <section class="column">
                <photo_input::PhotoInput/>
                <photo_input::Predictions/>
                <weights_loader::WeightsLoader/>
            </section>
            <section class="column">
                <attack_panel::AttackPanel/>
                <live_chart::ProbabilityChart/>
            </section>
        </main>
        <results::Results/>
        <transfer::TransferTable/>
        <transfer::TransferMatrix/>
        <footer class="footer">
            <a href="?bench">"Benchmark"</a>
            " · EfficientNet-Lite weights: Apache-2.0 · sample photos: scikit-image (CC0 / public domain)"
        </footer>
    }
}

/// Errors and notes for the user, above everything else.
#[component]
fn NoticeBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.notice.get().map(|notice| {
            let (class, text) = match notice {
                Notice::Error(t) => ("notice error", t),
                Notice::Info(t) => ("notice info", t),
            };
            view! {
                <div class=class role="alert" data-testid="notice">
                    <span>{text}</span>
                    <button class="close" on:click=move |_| state.notice.set(None)>"×"</button>
                </div>
            }
        })
    }
}
