//! The result: original | perturbation | adversarial, the verdict, the predictions for the
//! ROUNDED adversarial image, the distances, and downloads of exactly those pixels.

use leptos::prelude::*;

use super::attack_panel::Slider;
use super::browser::{self, Pixels};
use super::page::{AttackRun, MatrixState, Page, PhotoState};
use super::photo_input::ProbabilityBars;
use crate::attacks::Method;
use crate::imagenet;
use crate::worker::protocol::Problem;

/// Shown once an attack has started.
#[component]
pub fn Results() -> impl IntoView {
    let run = expect_context::<AttackRun>();
    let visible = move || run.live.with(Option::is_some) || run.result.with(Option::is_some);
    let top = Signal::derive(move || {
        run.result
            .with(|r| r.as_ref().map(|r| r.outcome.adversarial_top.clone()))
            .unwrap_or_default()
    });
    view! {
        <Show when=visible>
            <section class="results" data-testid="results">
                <CanvasTriptych/>
                <div class="result-details">
                    <Verdict/>
                    <div class="predictions">
                        <h2>"What the model sees now"</h2>
                        <ProbabilityBars predictions=top/>
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
    let run = expect_context::<AttackRun>();
    let photo = expect_context::<PhotoState>();
    let matrix = expect_context::<MatrixState>();
    let amplify = RwSignal::new(10.0f32);
    let (original, perturbation, adversarial) = (
        NodeRef::<leptos::html::Canvas>::new(),
        NodeRef::<leptos::html::Canvas>::new(),
        NodeRef::<leptos::html::Canvas>::new(),
    );
    Effect::new(move |_| {
        // The attacked original: the result's own, or the photo's input while it runs (not
        // for a fooling image, which does not start from the photo).
        let fooling = matrix
            .last_config
            .with(|c| c.as_ref().is_some_and(|c| c.method == Method::Fooling));
        let input = run
            .result
            .with(|r| r.as_ref().map(|r| (*r.shown_original).clone()))
            .or_else(|| {
                (!fooling)
                    .then(|| photo.input.get().map(|p| (*p).clone()))
                    .flatten()
            });
        let Some(live) = run.live.get() else {
            return;
        };
        // Without the attacked original at hand (a fooling image, or a photo attacked at its
        // own size while the page holds only the model's crop), the iterate alone.
        let Some(input) = input.filter(|i| (i.width, i.height) == (live.width, live.height)) else {
            if let Some(c) = adversarial.get() {
                browser::draw(&c, &live);
            }
            return;
        };
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
    let verdict_text = move || {
        run.result
            .with(|r| r.as_ref().map(|r| verdict_sentence(&r.outcome)))
            .unwrap_or_else(|| "The attack is running.".into())
    };
    view! {
        <div class="triptych">
            <figure>
                <canvas node_ref=original data-testid="result-original" role="img" aria-label="The original photo, as the model sees it"></canvas>
                <figcaption>"Original"</figcaption>
            </figure>
            <figure>
                <canvas node_ref=perturbation data-testid="perturbation-canvas" role="img"
                    aria-label=move || format!("The perturbation, amplified {} times around grey", amplify.get())></canvas>
                <figcaption>
                    {move || format!("Perturbation × {}", amplify.get())}
                    <Slider value=amplify min=1.0 max=50.0 step=1.0 testid="amplify" label="Amplification of the perturbation"/>
                </figcaption>
            </figure>
            <figure>
                <canvas node_ref=adversarial data-testid="adversarial-canvas" role="img" aria-label=verdict_text></canvas>
                <figcaption>"Adversarial"</figcaption>
            </figure>
        </div>
    }
}

/// The perturbation, grey at zero, scaled by `amplify`.
pub fn perturbation_view(original: &Pixels, adversarial: &Pixels, amplify: f32) -> Pixels {
    let rgba = original
        .rgba
        .iter()
        .zip(&adversarial.rgba)
        .enumerate()
        .map(|(i, (&a, &b))| {
            if i % 4 == 3 {
                255
            } else {
                (128.0 + (b as f32 - a as f32) * amplify)
                    .round()
                    .clamp(0.0, 255.0) as u8
            }
        })
        .collect();
    Pixels {
        width: original.width,
        height: original.height,
        rgba,
    }
}

/// The verdict in one sentence, decided by the library's one rule.
pub(super) fn verdict_sentence(outcome: &crate::attacks::AttackOutcome) -> String {
    let verdict = outcome.verdict();
    let label = outcome.goal.label();
    let adv = outcome.adversarial_prediction;
    let target = outcome.goal.target().map(|t| {
        if verdict.target_hit == Some(true) {
            format!(" It now sees the target, {}.", imagenet::name(t))
        } else {
            format!(" The target was {}.", imagenet::name(t))
        }
    });
    if outcome.config.method == Method::Fooling {
        let start = match outcome.config.start {
            crate::attacks::Start::Grey => "grey",
            crate::attacks::Start::Noise => "noise",
        };
        return format!(
            "Made from {start}: the model sees {} ({:.1}%) in it.{}",
            adv.name(),
            adv.prob * 100.0,
            if verdict.target_hit == Some(true) {
                String::new()
            } else {
                target.unwrap_or_default()
            }
        );
    }
    if !verdict.counted {
        format!(
            "The model was wrong before the attack already: it saw {}, not {}.",
            outcome.original_prediction.name(),
            imagenet::name(label)
        )
    } else if verdict.fooled {
        format!(
            "Fooled: {} became {} ({:.1}%) with changes of at most {} / 255 per pixel.{}",
            outcome.original_prediction.name(),
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
    }
}

/// Fooled or not, in words.
#[component]
fn Verdict() -> impl IntoView {
    let run = expect_context::<AttackRun>();
    move || {
        let Some(result) = run.result.get() else {
            return view! { <p class="verdict running" data-testid="verdict" role="status">"Attacking…"</p> }
                .into_any();
        };
        let fooled = result.outcome.verdict().fooled;
        let members = run.attacked_on.get();
        let o = &result.outcome;
        let lattice = (o.lattice_steps > 0).then(|| {
            let text = if o.rescued() {
                format!("Rounding to 8 bits undid the attack; {} whole-level step(s) on the 8-bit image rescued it.", o.lattice_steps)
            } else {
                format!("Rounding to 8 bits undid the attack, and {} whole-level step(s) did not rescue it.", o.lattice_steps)
            };
            view! { <p class="explain" data-testid="lattice" data-rescued=o.rescued().to_string()>{text}</p> }
        });
        let ensemble = (members.len() > 1).then(|| {
            let names: Vec<&str> = members.iter().map(|m| m.display_name()).collect();
            view! {
                <p class="explain" data-testid="attacked-on">
                    {format!(
                        "Attacked on the ensemble {}: the predictions are their average.",
                        names.join(" + ")
                    )}
                </p>
            }
        });
        view! {
            <p
                class=if fooled { "verdict fooled" } else { "verdict held" }
                data-testid="verdict"
                data-fooled=fooled.to_string()
                role="status"
            >
                {verdict_sentence(&result.outcome)}
            </p>
            {ensemble}
            {lattice}
        }
        .into_any()
    }
}

/// Distances between original and rounded adversarial image.
#[component]
fn Distances() -> impl IntoView {
    let run = expect_context::<AttackRun>();
    move || {
        run.result.get().map(|r| {
            let d = r.outcome.distance;
            let psnr = if d.psnr.is_finite() {
                format!("{:.1} dB", d.psnr)
            } else {
                "∞".into()
            };
            view! {
                <dl class="distances" data-testid="distances" data-linf=d.linf data-l2=d.l2>
                    <dt>"L∞"</dt>
                    <dd>{format!("{}", d.linf)}</dd>
                    <dt>"L2"</dt>
                    <dd>{format!("{:.1}", d.l2)}</dd>
                    <dt>"PSNR"</dt>
                    <dd>{psnr}</dd>
                    <dt>"SSIM"</dt>
                    <dd>{format!("{:.4}", d.ssim)}</dd>
                    <dt>"Steps"</dt>
                    <dd>{r.outcome.steps_run}</dd>
                </dl>
            }
        })
    }
}

/// Download buttons: the adversarial PNG (the worker's encoding of exactly the pixels it
/// classified) and the perturbation as shown.
#[component]
fn Downloads() -> impl IntoView {
    let run = expect_context::<AttackRun>();
    let photo = expect_context::<PhotoState>();
    let page = expect_context::<Page>();
    let stem = move || {
        photo.photo.with_untracked(|p| {
            p.as_ref()
                .map(|p| p.name.replace(|c: char| !c.is_alphanumeric(), "_"))
                .unwrap_or_default()
        })
    };
    let save_adversarial = move |_| {
        let Some(r) = run.result.get_untracked() else {
            return;
        };
        let name = format!("{}-adversarial.png", stem());
        if let Err(e) = browser::download(&r.png, &name, "image/png") {
            page.notices
                .error(Problem::with_detail("The download could not start.", e));
        }
    };
    let save_perturbation = move |_| {
        let Some(r) = run.result.get_untracked() else {
            return;
        };
        let view = perturbation_view(&r.original, &r.adversarial, 10.0);
        let Some(rgb) = crate::worker::protocol::rgb(&view.rgba, view.width, view.height) else {
            return;
        };
        let result = crate::imaging::encode_png(&rgb)
            .map_err(|e| e.to_string())
            .and_then(|png| {
                browser::download(
                    &png,
                    &format!("{}-perturbation-x10.png", stem()),
                    "image/png",
                )
            });
        if let Err(e) = result {
            page.notices
                .error(Problem::with_detail("The download could not start.", e));
        }
    };
    let save_card = move |_| {
        let Some(r) = run.result.get_untracked() else {
            return;
        };
        let model = run
            .attacked_on
            .get_untracked()
            .iter()
            .map(|m| m.display_name())
            .collect::<Vec<_>>()
            .join(" + ");
        let result = super::share_card::render(&r, &model).and_then(|png| {
            browser::download(&png, &format!("{}-share-card.png", stem()), "image/png")
        });
        if let Err(e) = result {
            page.notices
                .error(Problem::with_detail("The share card could not be made.", e));
        }
    };
    view! {
        <div class="downloads">
            <button data-testid="download-adversarial" disabled=move || run.result.with(Option::is_none) on:click=save_adversarial>
                "Download adversarial PNG"
            </button>
            <button data-testid="download-perturbation" disabled=move || run.result.with(Option::is_none) on:click=save_perturbation>
                "Download perturbation (×10)"
            </button>
            <button data-testid="download-share-card" disabled=move || run.result.with(Option::is_none) on:click=save_card>
                "Share card (PNG)"
            </button>
        </div>
    }
}
