//! The live chart: probability of the true class and of the target class at every step.

use leptos::prelude::*;

use super::attack_run::AttackRun;

const WIDTH: f32 = 320.0;
const HEIGHT: f32 = 160.0;

/// An SVG line chart that grows as the attack runs.
#[component]
pub fn ProbabilityChart() -> impl IntoView {
    let state = expect_context::<AttackRun>();
    let t = super::i18n::texts();
    let steps = move || state.steps_planned.get().max(1) as f32;
    let points = move |pick: fn(&crate::attacks::StepRecord) -> Option<f32>| {
        let n = steps();
        state.history.with(|h| {
            h.iter()
                .filter_map(|r| pick(r).map(|p| (r.step, p)))
                .map(|(step, p)| {
                    format!("{:.1},{:.1}", step as f32 / n * WIDTH, (1.0 - p) * HEIGHT)
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    let has_target = move || {
        state
            .history
            .with(|h| h.first().is_some_and(|r| r.target_prob.is_some()))
    };
    view! {
        <div class="panel chart" data-testid="chart">
            <h2>{move || t().chart_title}</h2>
            <svg viewBox=format!("-30 -10 {} {}", WIDTH + 70.0, HEIGHT + 30.0) class="plot">
                <line x1="0" y1=HEIGHT x2=WIDTH y2=HEIGHT class="axis"></line>
                <line x1="0" y1="0" x2="0" y2=HEIGHT class="axis"></line>
                <text x="-26" y="4" class="tick">"1.0"</text>
                <text x="-26" y=HEIGHT / 2.0 + 4.0 class="tick">"0.5"</text>
                <text x="-26" y=HEIGHT + 4.0 class="tick">"0"</text>
                <text x=WIDTH - 30.0 y=HEIGHT + 16.0 class="tick">
                    {move || match state.steps_planned.get() {
                        0 => String::new(),
                        n => (t().chart_steps)(n),
                    }}
                </text>
                <polyline class="true-line" data-testid="true-line" points=move || points(|r| Some(r.true_prob))></polyline>
                <polyline class="target-line" points=move || points(|r| r.target_prob)></polyline>
            </svg>
            <p class="legend">
                <span class="true-key">{move || t().chart_true}</span>
                <Show when=has_target>
                    <span class="target-key">{move || t().chart_target}</span>
                </Show>
            </p>
        </div>
    }
}
