//! The result: original | perturbation | adversarial, the verdict, the predictions for the
//! ROUNDED adversarial image, the distances, and downloads of exactly those pixels.

use leptos::prelude::*;

use super::attack_panel::Slider;
use super::attack_run::AttackRun;
use super::browser;
use super::i18n::{Texts, texts, texts_now};
use super::note::Note;
use super::notices::{Notice, Notices};
use super::photo::PhotoState;
use super::photo_input::ProbabilityBars;
use super::pixels::Pixels;
use crate::attacks::Method;
use crate::imagenet;

/// Shown once an attack has started.
#[component]
pub fn Results() -> impl IntoView {
    let run = expect_context::<AttackRun>();
    let t = texts();
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
                        <h2>{move || t().sees_now}</h2>
                        <ProbabilityBars predictions=top/>
                        <p class="note">{move || t().rounded_note}</p>
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
    let amplify = RwSignal::new(10.0f32);
    let t = texts();
    let (original, perturbation, adversarial) = (
        NodeRef::<leptos::html::Canvas>::new(),
        NodeRef::<leptos::html::Canvas>::new(),
        NodeRef::<leptos::html::Canvas>::new(),
    );
    // The attacked original: the result's own, or the photo's input while it runs (not for a
    // fooling image, which does not start from the photo), with the iterate it goes with.
    // Without the attacked original at hand (a fooling image, or a photo attacked at its own
    // size while the page holds only the model's crop), the iterate alone.
    let shown = move || {
        let fooling = run
            .last_config
            .with(|c| c.as_ref().is_some_and(|c| c.method == Method::Fooling));
        let input = run
            .result
            .with(|r| r.as_ref().map(|r| r.shown_original.clone()))
            .or_else(|| (!fooling).then(|| photo.input.get()).flatten());
        let live = run.live.get()?;
        let input = input.filter(|i| (i.width, i.height) == (live.width, live.height));
        Some((input, live))
    };
    Effect::new(move |_| {
        let Some((input, live)) = shown() else {
            return;
        };
        if let (Some(c), Some(input)) = (original.get(), &input) {
            browser::draw(&c, input);
        }
        if let Some(c) = adversarial.get() {
            browser::draw(&c, &live);
        }
    });
    // Apart, so that moving the amplify slider redraws this canvas only.
    Effect::new(move |_| {
        if let (Some((Some(input), live)), Some(c)) = (shown(), perturbation.get()) {
            browser::draw(&c, &Pixels::perturbation(&input, &live, amplify.get()));
        }
    });
    let verdict_text = move || {
        run.result
            .with(|r| r.as_ref().map(|r| verdict_sentence(&r.outcome, t())))
            .unwrap_or_else(|| t().attack_running.into())
    };
    view! {
        <div class="triptych">
            <figure>
                <canvas node_ref=original data-testid="result-original" role="img" aria-label=move || t().original_alt></canvas>
                <figcaption>{move || t().original}</figcaption>
            </figure>
            <figure>
                <canvas node_ref=perturbation data-testid="perturbation-canvas" role="img"
                    aria-label=move || (t().perturbation_alt)(amplify.get())></canvas>
                <figcaption>
                    {move || (t().perturbation)(amplify.get())}
                    <Slider value=amplify min=1.0 max=50.0 step=1.0 testid="amplify" label=|t| t.amplify/>
                </figcaption>
            </figure>
            <figure>
                <canvas node_ref=adversarial data-testid="adversarial-canvas" role="img" aria-label=verdict_text></canvas>
                <figcaption>{move || t().adversarial}</figcaption>
            </figure>
        </div>
    }
}

/// The verdict in one sentence, decided by the library's one rule, in the page's language.
pub(super) fn verdict_sentence(outcome: &crate::attacks::AttackOutcome, t: &Texts) -> String {
    let verdict = outcome.verdict();
    let adv = outcome.adversarial_prediction;
    let hit = verdict.target_hit == Some(true);
    let target = outcome
        .goal
        .target()
        .map(|target| (t.target)(imagenet::name(target), hit))
        .unwrap_or_default();
    if outcome.config.method == Method::Fooling {
        let made = (t.made_from)(outcome.config.start, adv.name(), adv.prob);
        return if hit { made } else { made + &target };
    }
    if !verdict.counted {
        return (t.wrong_before)(
            outcome.original_prediction.name(),
            imagenet::name(outcome.goal.label()),
        );
    }
    let sentence = if verdict.fooled {
        (t.fooled)(
            outcome.original_prediction.name(),
            adv.name(),
            adv.prob,
            outcome.distance.linf,
        )
    } else {
        (t.not_fooled)(adv.name(), adv.prob)
    };
    sentence + &target
}

/// Fooled or not, in words.
#[component]
fn Verdict() -> impl IntoView {
    let run = expect_context::<AttackRun>();
    let t = texts();
    move || {
        let t = t();
        let Some(result) = run.result.get() else {
            return view! { <p class="verdict running" data-testid="verdict" role="status">{t.attacking}</p> }
                .into_any();
        };
        let fooled = result.outcome.verdict().fooled;
        let members = run.attacked_on.get();
        let o = &result.outcome;
        let lattice = (o.lattice_steps > 0).then(|| {
            let text = (t.lattice)(o.lattice_steps, o.rescued());
            view! { <p class="explain" data-testid="lattice" data-rescued=o.rescued().to_string()>{text}</p> }
        });
        let ensemble = (members.len() > 1).then(|| {
            let names: Vec<&str> = members.iter().map(|m| m.display_name()).collect();
            view! {
                <p class="explain" data-testid="attacked-on">
                    {(t.attacked_on)(&names.join(" + "))}
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
                {verdict_sentence(&result.outcome, t)}
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
    let t = texts();
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
                    <dt>{t().steps_run}</dt>
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
    let notices = expect_context::<Notices>();
    let t = texts();
    let t_now = texts_now();
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
        if let Err(e) = browser::download_bytes(&r.png, &name, "image/png") {
            notices.show(Notice::error(Note::DownloadFailed).with_detail(e));
        }
    };
    let save_perturbation = move |_| {
        let Some(r) = run.result.get_untracked() else {
            return;
        };
        let view = Pixels::perturbation(&r.original.pixels(), &r.adversarial.pixels(), 10.0);
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
            notices.show(Notice::error(Note::DownloadFailed).with_detail(e));
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
        let result = super::share_card::render(&r, &model, t_now()).and_then(|png| {
            browser::download(&png, &format!("{}-share-card.png", stem()), "image/png")
        });
        if let Err(e) = result {
            notices.show(Notice::error(Note::CardFailed).with_detail(e));
        }
    };
    view! {
        <div class="downloads">
            <button data-testid="download-adversarial" disabled=move || run.result.with(Option::is_none) on:click=save_adversarial>
                {move || t().download_adversarial}
            </button>
            <button data-testid="download-perturbation" disabled=move || run.result.with(Option::is_none) on:click=save_perturbation>
                {move || t().download_perturbation}
            </button>
            <button data-testid="download-share-card" disabled=move || run.result.with(Option::is_none) on:click=save_card>
                {move || t().share_card}
            </button>
        </div>
    }
}
