//! "Your own model": drop a weights file (or name one on the same host), pick its
//! architecture, and the model joins the list for attacks and transfer tests.

use leptos::prelude::*;

use super::i18n::texts;
use super::note::Note;
use super::page::Page;
use crate::worker::protocol::ModelSource;
use crate::zoo::ModelId;

/// Architecture picker, file drop / picker, URL field.
#[component]
pub fn WeightsLoader() -> impl IntoView {
    let page = expect_context::<Page>();
    let arch = RwSignal::new(ModelId::ResNet152);
    let url = RwSignal::new(String::new());
    let t = texts();
    let architectures: Vec<ModelId> = ModelId::ALL
        .into_iter()
        .filter(|m| !m.is_built_in())
        .collect();
    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            let source = ModelSource::File { name: file.name() };
            page.load_user_model(arch.get_untracked(), source, Some(file));
        }
        input.set_value("");
    };
    let on_url = move |_| {
        let u = url.get_untracked().trim().to_string();
        // Same-origin only (the page's Content-Security-Policy says so too).
        if u.is_empty() || u.contains("://") || u.starts_with("//") {
            page.notices.error(Note::SameSiteOnly);
            return;
        }
        page.load_user_model(arch.get_untracked(), ModelSource::Url(u), None);
    };
    view! {
        <details class="panel weights-loader" data-testid="weights-loader">
            <summary>{move || t().own_model}</summary>
            <p class="note">
                {move || t().own_model_note}<code>"gibbon convert"</code>{move || t().own_model_convert}
                {move || t().own_model_read_here}
            </p>
            <label>
                {move || t().architecture}
                <select
                    data-testid="arch-select"
                    on:change=move |ev| {
                        if let Ok(id) = event_target_value(&ev).parse::<ModelId>() {
                            arch.set(id);
                        }
                    }
                >
                    {architectures
                        .into_iter()
                        .map(|id| {
                            view! {
                                <option value=id.as_str() selected=move || arch.get() == id>
                                    {id.display_name()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label class="file-button">
                {move || t().weights_file}
                <input type="file" accept=".pth,.pt,.safetensors,.npz" data-testid="weights-file" on:change=on_file/>
            </label>
            <div class="row">
                <input type="text" placeholder=move || t().weights_url data-testid="weights-url" bind:value=url/>
                <button data-testid="weights-url-load" on:click=on_url>{move || t().weights_load}</button>
            </div>
        </details>
    }
}
