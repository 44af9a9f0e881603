//! The bar under the title: which model, its download progress, and which backend computes.

use leptos::prelude::*;

use super::state::AppState;
use crate::backend::BackendKind;
use crate::models::ModelId;

/// Model picker, download progress and backend badge.
#[component]
pub fn ModelBar() -> impl IntoView {
    view! {
        <div class="model-bar">
            <ModelPicker/>
            <DownloadProgress/>
            <BackendBadge/>
        </div>
    }
}

/// Chooses the model to attack; the others load when first needed.
#[component]
fn ModelPicker() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <label class="model-picker">
            "Model "
            <select
                data-testid="model-select"
                on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse::<ModelId>() {
                        state.set_model(id);
                    }
                }
            >
                {move || state
                    .available_models()
                    .into_iter()
                    .map(|id| {
                        view! {
                            <option value=id.as_str() selected=move || state.model_id.get() == id>
                                {format!("{} ({}px)", id.display_name(), id.input_size())}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// A progress bar while a model file downloads.
#[component]
fn DownloadProgress() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.loading.get().map(|l| {
            let mb = |b: u64| b as f64 / 1e6;
            let (width, text) = match l.total {
                Some(t) if t > 0 => (
                    format!("{:.0}%", 100.0 * l.received as f64 / t as f64),
                    format!(
                        "Loading {}: {:.1} / {:.1} MB",
                        l.model.display_name(),
                        mb(l.received),
                        mb(t)
                    ),
                ),
                _ => (
                    "100%".to_string(),
                    format!(
                        "Loading {}: {:.1} MB",
                        l.model.display_name(),
                        mb(l.received)
                    ),
                ),
            };
            view! {
                <div class="download" data-testid="download-progress">
                    <div class="track">
                        <div class="fill" style:width=width></div>
                    </div>
                    <span>{text}</span>
                </div>
            }
        })
    }
}

/// Says whether WebGPU or the CPU runs (with the adapter's name) and lets the user switch.
#[component]
fn BackendBadge() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="backend" data-testid="backend">
            {move || match state.backend.get() {
                None => view! { <span class="badge">"Starting…"</span> }.into_any(),
                Some(info) => {
                    let (class, kind) = match info.kind {
                        BackendKind::Wgpu => ("badge gpu", "WebGPU"),
                        _ => ("badge cpu", "CPU"),
                    };
                    view! {
                        <span class=class data-kind=kind title=info.description.clone()>
                            {kind}
                        </span>
                        <span class="adapter">{info.description.clone()}</span>
                        {info.fallback_reason.map(|r| view! { <span class="fallback">{r}</span> })}
                    }
                        .into_any()
                }
            }}
            <button
                class="switch"
                data-testid="backend-switch"
                on:click=move |_| state.set_use_gpu(!state.use_gpu.get_untracked())
            >
                {move || if state.use_gpu.get() { "Use CPU" } else { "Try WebGPU" }}
            </button>
        </div>
    }
}
