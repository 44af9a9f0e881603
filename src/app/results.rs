//! The result: original | perturbation | adversarial, the verdict, the predictions for the
//! ROUNDED adversarial image, the distances, and downloads of exactly those pixels.

use std::rc::Rc;

use image::RgbImage;
use leptos::prelude::*;

use super::attack_panel::Slider;
use super::browser;
use super::photo_input::ProbabilityBars;
use super::state::{AppState, Notice};
use crate::imagenet;
use crate::imaging;

/// Shown once an attack has started.
#[component]
pub fn Results() -> impl IntoView {
    let state = expect_context::<AppState>();
    let visible = move || state.live.with(Option::is_some) || state.outcome.with(Option::is_some);
    view! {
        <Show when=visible>
            <section class="results" data-testid="results">
                <CanvasTriptych/>
                <div class="result-details">
                    <Verdict/>
                    <div class="predictions">
                        <h2>"What the model sees now"</h2>
                        <ProbabilityBars predictions=Signal::derive(move || state.adversarial_top.get())/>
                        <p class="note">"Predictions of the adversarial image after rounding to 8 bits: the PNG you download."</p>
                    </div>
                    <Distances/>
                    <Downloads/>
                </div>
            </section>
        </Show>
    }
}

/// Original, amplified perturbation and adversarial image side by side.
#[component]
fn CanvasTriptych() -> impl IntoView {
    let state = expect_context::<AppState>();
    let amplify = RwSignal::new(10.0f32);
    let (original, perturbation, adversarial) = (
        NodeRef::<leptos::html::Canvas>::new(),
        NodeRef::<leptos::html::Canvas>::new(),
        NodeRef::<leptos::html::Canvas>::new(),
    );
    let shown = move || -> Option<(Rc<RgbImage>, Rc<RgbImage>)> {
        Some((state.input.get()?, state.live.get()?))
    };
    Effect::new(move |_| {
        let Some((input, live)) = shown() else { return };
        if input.dimensions() != live.dimensions() {
            return;
        }
        if let Some(c) = original.get() {
            browser::draw(&c, &input);
        }
        if let Some(c) = adversarial.get() {
            browser::draw(&c, &live);
        }
        if let Some(c) = perturbation.get() {
            browser::draw(&c, &perturbation_view(&input, &live, amplify.get()));
        }
    });
    view! {
        <div class="triptych">
            <figure>
                <canvas node_ref=original data-testid="result-original"></canvas>
                <figcaption>"Original"</figcaption>
            </figure>
            <figure>
                <canvas node_ref=perturbation data-testid="perturbation-canvas"></canvas>
                <figcaption>
                    {move || format!("Perturbation × {}", amplify.get())}
                    <Slider value=amplify min=1.0 max=50.0 step=1.0 testid="amplify"/>
                </figcaption>
            </figure>
            <figure>
                <canvas node_ref=adversarial data-testid="adversarial-canvas"></canvas>
                <figcaption>"Adversarial"</figcaption>
            </figure>
        </div>
    }
}

/// The perturbation, grey at zero, scaled by `amplify`.
fn perturbation_view(original: &RgbImage, adversarial: &RgbImage, amplify: f32) -> RgbImage {
    let (w, h) = original.dimensions();
    let a = imaging::to_chw(original);
    let b = imaging::to_chw(adversarial);
    let delta: Vec<f32> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
    imaging::perturbation_image(&delta, w as usize, h as usize, amplify)
}

/// Fooled or not, in words.
#[component]
fn Verdict() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let Some(outcome) = state.outcome.get() else {
            return view! { <p class="verdict running" data-testid="verdict">"Attacking…"</p> }
                .into_any();
        };
        let label = outcome.goal.label();
        let adv = outcome.adversarial_prediction;
        let fooled = adv.index != label;
        let target = outcome.goal.target().map(|t| {
            if adv.index == t {
                format!(" It now sees the target, {}.", imagenet::name(t))
            } else {
                format!(" The target was {}.", imagenet::name(t))
            }
        });
        let text = if fooled {
            format!(
                "Fooled: {} became {} ({:.1}%) with changes of at most {} / 255 per pixel.{}",
                imagenet::name(label),
                adv.name(),
                adv.prob * 100.0,
                outcome.distance.linf,
                target.unwrap_or_default()
            )
        } else {
            format!(
                "Not fooled: still {} ({:.1}%).{}",
                adv.name(),
                adv.prob * 100.0,
                target.unwrap_or_default()
            )
        };
        view! {
            <p class=if fooled { "verdict fooled" } else { "verdict held" } data-testid="verdict" data-fooled=fooled.to_string()>
                {text}
            </p>
        }
        .into_any()
    }
}

/// Distances between original and rounded adversarial image.
#[component]
fn Distances() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.outcome.get().map(|o| {
            let d = o.distance;
            let psnr = if d.psnr.is_finite() {
                format!("{:.1} dB", d.psnr)
            } else {
                "∞".into()
            };
            view! {
                <dl class="distances" data-testid="distances" data-linf=d.linf>
                    <dt>"L∞"</dt>
                    <dd>{format!("{}", d.linf)}</dd>
                    <dt>"L2"</dt>
                    <dd>{format!("{:.1}", d.l2)}</dd>
                    <dt>"PSNR"</dt>
                    <dd>{psnr}</dd>
                    <dt>"SSIM"</dt>
                    <dd>{format!("{:.4}", d.ssim)}</dd>
                    <dt>"Steps"</dt>
                    <dd>{o.steps_run}</dd>
                </dl>
            }
        })
    }
}

/// Download buttons: the adversarial PNG and the perturbation as shown.
#[component]
fn Downloads() -> impl IntoView {
    let state = expect_context::<AppState>();
    let stem = move || {
        state.photo.with_untracked(|p| {
            p.as_ref()
                .map(|p| p.name.replace(|c: char| !c.is_alphanumeric(), "_"))
                .unwrap_or_default()
        })
    };
    let save_adversarial = move |_| {
        let Some(o) = state.outcome.get_untracked() else {
            return;
        };
        let result = imaging::encode_png(&o.adversarial)
            .map_err(|e| e.to_string())
            .and_then(|png| {
                browser::download(&png, &format!("{}-adversarial.png", stem()), "image/png")
            });
        if let Err(e) = result {
            state.notice.set(Some(Notice::Error(e)));
        }
    };
    let save_perturbation = move |_| {
        let Some(o) = state.outcome.get_untracked() else {
            return;
        };
        let view = perturbation_view(&o.original, &o.adversarial, 10.0);
        let result = imaging::encode_png(&view)
            .map_err(|e| e.to_string())
            .and_then(|png| {
                browser::download(
                    &png,
                    &format!("{}-perturbation-x10.png", stem()),
                    "image/png",
                )
            });
        if let Err(e) = result {
            state.notice.set(Some(Notice::Error(e)));
        }
    };
    view! {
        <div class="downloads">
            <button data-testid="download-adversarial" disabled=move || state.outcome.with(Option::is_none) on:click=save_adversarial>
                "Download adversarial PNG"
            </button>
            <button data-testid="download-perturbation" disabled=move || state.outcome.with(Option::is_none) on:click=save_perturbation>
                "Download perturbation (×10)"
            </button>
        </div>
    }
}
