//! Does the adversarial image survive being shared? One click saves it as JPEG with the
//! browser's own encoder (quality 95, 75, 50), downscales it, squeezes its colours and
//! median-filters it; the model judges each, and a row of thumbnails shows the verdicts.

use std::sync::Arc;

use leptos::prelude::*;

use super::activity::Activity;
use super::attack_run::{AttackRun, SurvivalView};
use super::browser;
use super::i18n::texts;
use super::page::Page;

/// The button and the row of changed images, each with its verdict.
#[component]
pub fn SurvivalRow() -> impl IntoView {
    let page = expect_context::<Page>();
    let run = expect_context::<AttackRun>();
    let checking = move || matches!(page.activity.get(), Activity::Survival(_));
    let t = texts();
    let summary = move || {
        run.survival.with(|checks| {
            let counted = checks.iter().filter(|v| v.check.survival.verdict.counted);
            let survived = counted
                .clone()
                .filter(|v| v.check.survival.survived())
                .count();
            let counted = counted.count();
            (!checks.is_empty()).then(|| (t().survival_summary)(survived, counted))
        })
    };
    view! {
        <Show when=move || run.result.with(Option::is_some)>
            <section class="panel survival" data-testid="survival">
                <h2>{move || t().survival_title}</h2>
                <p class="note">{move || t().survival_note}</p>
                <button
                    data-testid="run-survival"
                    disabled=move || !page.activity.get().is_idle()
                    on:click=move |_| page.run_survival()
                >
                    {move || if checking() { t().survival_checking } else { t().survival_run }}
                </button>
                <p class="explain" data-testid="survival-summary" role="status">{summary}</p>
                <ul class="thumbnails" data-testid="survival-checks">
                    <For
                        each=move || run.survival.get()
                        key=|v| v.check.survival.transform.key()
                        children=|v| view! { <Thumbnail view=v/> }
                    />
                </ul>
            </section>
        </Show>
    }
}

/// One changed image, small, with what the model now sees.
#[component]
fn Thumbnail(view: Arc<SurvivalView>) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let s = view.check.survival;
    let image = view.clone();
    Effect::new(move |_| {
        if let Some(c) = canvas.get() {
            browser::draw(&c, &image.image);
        }
    });
    let survived = s.verdict.counted.then(|| s.survived());
    let class = match survived {
        None => "check uncounted",
        Some(true) => "check survives",
        Some(false) => "check destroyed",
    };
    let t = texts();
    let what = move || (t().transform)(s.transform);
    let word = move || (t().survival_word)(survived);
    let sees = format!(
        "{} ({:.0}%)",
        s.adversarial.name(),
        s.adversarial.prob * 100.0
    );
    let label = {
        let sees = sees.clone();
        move || (t().survival_alt)(&what(), word(), &sees)
    };
    view! {
        <li
            class=class
            data-transform=s.transform.key()
            data-survived=s.survived().to_string()
            data-counted=s.verdict.counted.to_string()
        >
            <canvas node_ref=canvas role="img" aria-label=label></canvas>
            <span class="what">{what}</span>
            <span class="word">{word}</span>
            <span class="sees">{sees}</span>
        </li>
    }
}
