//! Where the photo comes from: drag and drop, the file picker, the clipboard, or the gallery of
//! sample photos; and what the model says about it. Files go to the worker as they are: it
//! decodes them, so a huge or broken file cannot freeze the page.

use super::i18n::texts;
use leptos::ev;
use leptos::prelude::*;

use super::browser;
use super::page::Page;
use super::photo::PhotoState;
use crate::prediction::Prediction;
use crate::samples::{SAMPLES, Sample};

/// Drop zone, file picker, paste, gallery, and the photo as the model sees it.
#[component]
pub fn PhotoInput() -> impl IntoView {
    let page = expect_context::<Page>();
    let t = texts();
    let dragging = RwSignal::new(false);
    let on_drop = move |ev: ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|files| files.get(0))
        {
            page.choose_file(file);
        }
    };
    let on_pick = move |ev: ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            page.choose_file(file);
        }
        input.set_value("");
    };
    // Paste works anywhere on the page.
    let paste = window_event_listener(ev::paste, move |ev: ev::ClipboardEvent| {
        let Some(data) = ev.clipboard_data() else {
            return;
        };
        let items = data.items();
        for i in 0..items.length() {
            let Some(item) = items.get(i) else { continue };
            if item.kind() == "file"
                && item.type_().starts_with("image/")
                && let Ok(Some(file)) = item.get_as_file()
            {
                ev.prevent_default();
                page.choose_file(file);
                return;
            }
        }
    });
    on_cleanup(move || paste.remove());

    view! {
        <div
            class="drop-zone"
            class:dragging=move || dragging.get()
            data-testid="drop-zone"
            on:dragover=move |ev: ev::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <OriginalView/>
            <p class="hint">
                {move || t().drop_hint}
                <label class="file-button">
                    {move || t().choose_file}
                    <input type="file" accept="image/*" data-testid="file-input" on:change=on_pick/>
                </label>
            </p>
        </div>
        <super::camera::Camera/>
        <Gallery/>
    }
}

/// The chosen photo at the model's input size (what is attacked).
#[component]
fn OriginalView() -> impl IntoView {
    let photo = expect_context::<PhotoState>();
    let t = texts();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        if let (Some(pixels), Some(canvas)) = (photo.input.get(), canvas.get()) {
            browser::draw(&canvas, &pixels);
        }
    });
    let name = move || {
        photo
            .photo
            .with(|p| p.as_ref().map(|p| p.name.clone()).unwrap_or_default())
    };
    view! {
        <Show
            when=move || photo.input.with(Option::is_some)
            fallback=move || view! { <div class="placeholder">{move || t().no_photo}</div> }
        >
            <canvas
                class="photo"
                node_ref=canvas
                data-testid="original-canvas"
                role="img"
                aria-label=move || format!("{}{}", t().photo_as_seen, name())
            ></canvas>
            <p class="caption">{name}</p>
        </Show>
    }
}

/// Sample photos with known labels (from scikit-image, installed by the build).
#[component]
fn Gallery() -> impl IntoView {
    let page = expect_context::<Page>();
    view! {
        <div class="gallery" data-testid="gallery">
            {SAMPLES
                .iter()
                .map(|sample: &'static Sample| {
                    view! {
                        <button
                            class="sample"
                            title=format!("{} (ImageNet: {})", sample.title, crate::imagenet::name(sample.label))
                            data-testid=format!("sample-{}", sample.stem())
                            on:click=move |_| page.choose_sample(sample)
                        >
                            // A thumbnail made by the build: the photo loads when chosen.
                            <img
                                src=format!("samples/{}", sample.thumbnail_file())
                                alt=sample.title
                                width=crate::samples::THUMBNAIL_SIDE
                                height=crate::samples::THUMBNAIL_SIDE
                            />
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// The model's top-5 for the original, as probability bars.
#[component]
pub fn Predictions() -> impl IntoView {
    let photo = expect_context::<PhotoState>();
    let t = texts();
    view! {
        <div class="predictions" data-testid="original-predictions">
            <h2>{move || t().what_model_sees}</h2>
            <ProbabilityBars predictions=Signal::derive(move || photo.top.get())/>
        </div>
    }
}

/// A list of classes with probability bars.
#[component]
pub fn ProbabilityBars(predictions: Signal<Vec<Prediction>>) -> impl IntoView {
    view! {
        <ol class="bars">
            {move || {
                predictions
                    .get()
                    .into_iter()
                    .map(|p| {
                        view! {
                            <li data-index=p.index data-prob=p.prob>
                                <span class="bar" style:width=format!("{:.1}%", p.prob * 100.0)></span>
                                <span class="label">{format!("{} ({})", p.name(), p.index)}</span>
                                <span class="prob">{format!("{:.1}%", p.prob * 100.0)}</span>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ol>
    }
}
