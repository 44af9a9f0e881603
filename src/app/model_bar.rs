//! The bar under the title: which model, its download progress, and which device computes.

use super::i18n::texts;
use leptos::prelude::*;

use super::device_choice::DeviceChoice;
use super::page::Page;
use super::session::Session;
use crate::worker::protocol::DeviceKind;
use crate::zoo::ModelId;

/// Model picker, download progress and device badge.
#[component]
pub fn ModelBar() -> impl IntoView {
    view! {
        <div class="model-bar">
            <ModelPicker/>
            <DownloadProgress/>
            <BackendBadge/>
            <DeviceTiming/>
        </div>
    }
}

/// Chooses the model to attack; the others load when first needed.
#[component]
fn ModelPicker() -> impl IntoView {
    let session = expect_context::<Session>();
    let page = expect_context::<Page>();
    let t = texts();
    view! {
        <label class="model-picker">
            {move || t().model}
            <select
                data-testid="model-select"
                on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse::<ModelId>() {
                        page.set_model(id);
                    }
                }
            >
                {move || session
                    .models()
                    .into_iter()
                    .map(|id| {
                        view! {
                            <option value=id.as_str() selected=move || session.model.get() == id>
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
    let session = expect_context::<Session>();
    let t = texts();
    move || {
        session.loading.get().map(|l| {
            let mb = |b: u64| b as f64 / 1e6;
            let name = l.model.display_name();
            let (width, text) = match l.total {
                Some(total) if total > 0 => (
                    format!("{:.0}%", 100.0 * l.received as f64 / total as f64),
                    (t().loading)(name, mb(l.received), Some(mb(total))),
                ),
                _ => (
                    "100%".to_string(),
                    (t().loading)(name, mb(l.received), None),
                ),
            };
            view! {
                <div class="download" data-testid="download-progress" role="status">
                    <div class="track">
                        <div class="fill" style:width=width></div>
                    </div>
                    <span>{text}</span>
                </div>
            }
        })
    }
}

/// Says whether WebGPU or the CPU computes (with the adapter's name) and lets the user switch.
#[component]
fn BackendBadge() -> impl IntoView {
    let session = expect_context::<Session>();
    let page = expect_context::<Page>();
    let t = texts();
    view! {
        <div class="backend" data-testid="backend">
            {move || match session.backend.get() {
                None => view! { <span class="badge">{t().starting}</span> }.into_any(),
                Some(info) => {
                    let (class, kind) = match info.kind {
                        DeviceKind::WebGpu => ("badge gpu", "WebGPU"),
                        _ => ("badge cpu", "CPU"),
                    };
                    view! {
                        <span class=class data-kind=kind title=info.description.clone()>
                            {kind}
                        </span>
                        <span class="adapter">{info.description.clone()}</span>
                        {info.fallback.map(|f| view! {
                            <details class="fallback">
                                <summary>{move || (t().say)(&f.summary)}</summary>
                                <code>{f.detail.unwrap_or_default()}</code>
                            </details>
                        })}
                    }
                        .into_any()
                }
            }}
            <button
                class="switch"
                data-testid="backend-switch"
                on:click=move |_| page.set_use_gpu(!session.use_gpu.get_untracked())
            >
                {move || if session.use_gpu.get() { t().use_cpu } else { t().try_webgpu }}
            </button>
        </div>
    }
}

/// What the page measured on each device, or that it is measuring (see `device_choice`).
#[component]
fn DeviceTiming() -> impl IntoView {
    let device = expect_context::<DeviceChoice>();
    let t = texts();
    move || {
        if device.measuring.get() {
            return Some(
                view! {
                    <p class="device-timing" data-testid="device-timing" data-state="measuring">
                        {move || t().measuring_devices}
                    </p>
                }
                .into_any(),
            );
        }
        let timing = device.timing.get()?;
        let ms = |m: &Option<crate::worker::protocol::Measured>| m.as_ref().map(|m| m.ms);
        let (cpu_ms, webgpu_ms) = (ms(&timing.cpu), ms(&timing.webgpu));
        let title = [&timing.cpu, &timing.webgpu]
            .into_iter()
            .flatten()
            .map(|m| m.backend.clone())
            .collect::<Vec<_>>()
            .join("; ");
        Some(
            view! {
                <p
                    class="device-timing"
                    data-testid="device-timing"
                    data-state="measured"
                    data-cpu-ms=cpu_ms
                    data-webgpu-ms=webgpu_ms
                    title=title
                >
                    {move || (t().device_timing)(&timing)}
                </p>
            }
            .into_any(),
        )
    }
}
