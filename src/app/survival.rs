//! Does the adversarial image survive being shared? One click saves it as JPEG with the
//! browser's own encoder (quality 95, 75, 50), downscales it, squeezes its colours and
//! median-filters it; the model judges each, and a row of thumbnails shows the verdicts.

use std::sync::Arc;

use leptos::prelude::*;

use super::activity::Activity;
use super::browser;
use super::page::{AttackRun, Page, SurvivalView};

/// The button and the row of changed images, each with its verdict.
#[component]
pub fn SurvivalRow() -> impl IntoView {
    let page = expect_context::<Page>();
    let run = expect_context::<AttackRun>();
    let checking = move || matches!(page.activity.get(), Activity::Survival(_));
    let summary = move || {
        run.survival.with(|checks| {
            let counted = checks.iter().filter(|v| v.check.survival.verdict.counted);
            let survived = counted
                .clone()
                .filter(|v| v.check.survival.survived())
                .count();
            let counted = counted.count();
            (!checks.is_empty()).then(|| {
                format!("It survives {survived} of the {counted} changes the original survives.")
            })
        })
    };
    view! {
        <Show when=move || run.result.with(Option::is_some)>
            <section class="panel survival" data-testid="survival">
                <h2>"Does it survive being shared?"</h2>
                <p class="note">
                    "The adversarial image saved as JPEG by this browser, shrunk as chat apps do, with fewer colours, and median-filtered. "
                    "Each is judged by the model it was made on; a change counts only where the changed original is still recognised."
                </p>
                <button
                    data-testid="run-survival"
                    disabled=move || !page.activity.get().is_idle()
                    on:click=move |_| page.run_survival()
                >
                    {move || if checking() { "Checking…" } else { "Check JPEG, resizing and filters" }}
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
    let (class, word) = match (s.verdict.counted, s.survived()) {
        (false, _) => ("check uncounted", "original not recognised either"),
        (true, true) => ("check survives", "still fooled"),
        (true, false) => ("check destroyed", "attack undone"),
    };
    let what = s.transform.describe();
    let label = format!(
        "{what}: {word}; the model sees {} ({:.0}%)",
        s.adversarial.name(),
        s.adversarial.prob * 100.0
    );
    view! {
        <li
            class=class
            data-transform=s.transform.key()
            data-survived=s.survived().to_string()
            data-counted=s.verdict.counted.to_string()
        >
            <canvas node_ref=canvas role="img" aria-label=label.clone()></canvas>
            <span class="what">{what}</span>
            <span class="word">{word}</span>
            <span class="sees">{format!("{} ({:.0}%)", s.adversarial.name(), s.adversarial.prob * 100.0)}</span>
        </li>
    }
}
