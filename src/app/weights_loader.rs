//! "Your own model": drop a weights file (or name one on the same host), pick its
//! architecture, and the model joins the list for attacks and transfer tests.

use leptos::prelude::*;

use super::page::Page;
use crate::models::ModelId;
use crate::worker::protocol::{ModelSource, Problem};

/// Architecture picker, file drop / picker, URL field.
#[component]
pub fn WeightsLoader() -> impl IntoView {
    let page = expect_context::<Page>();
    let arch = RwSignal::new(ModelId::ResNet152);
    let url = RwSignal::new(String::new());
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
            page.notices.error(Problem::new(
                "Give a path on this site, such as models/resnet152.f16.safetensors (no other site is contacted).",
            ));
            return;
        }
        page.load_user_model(arch.get_untracked(), ModelSource::Url(u), None);
    };
    view! {
        <details class="panel weights-loader" data-testid="weights-loader">
            <summary>"Your own model: VGG16, ResNet, GoogLeNet…"</summary>
            <p class="note">
                "Weights people have: torchvision's .pth (vgg16-397923af.pth, resnet152-394f9c45.pth, googlenet-1378be20.pth), "
                "safetensors with the same names (f16 or f32; "<code>"gibbon convert"</code>" writes compact ones), "
                "or Chainer's .npz (VGG_ILSVRC_16_layers.npz, ResNet-152-model.npz, bvlc_googlenet.npz). "
                "The file is read here, in your browser."
            </p>
            <label>
                "Architecture "
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
                "Choose a weights file"
                <input type="file" accept=".pth,.pt,.safetensors,.npz" data-testid="weights-file" on:change=on_file/>
            </label>
            <div class="row">
                <input type="text" placeholder="or a path on this site: models/vgg16.f16.safetensors" data-testid="weights-url" bind:value=url/>
                <button data-testid="weights-url-load" on:click=on_url>"Load"</button>
            </div>
        </details>
    }
}
