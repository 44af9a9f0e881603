//! The eps sweep of the current photo: the last attack's method at eps 1 to 16, and a chart of
//! success and the true class's probability against eps (drawn by the same SVG code as
//! `gibbon sweep`'s plot).

use leptos::prelude::*;

use super::activity::Activity;
use super::page::{AttackRun, Page, PhotoState, SWEEP_EPS};
use crate::study::{Point, Series, plot_svg};

/// The button and the chart.
#[component]
pub fn EpsSweep() -> impl IntoView {
    let page = expect_context::<Page>();
    let photo = expect_context::<PhotoState>();
    let run = expect_context::<AttackRun>();
    let running = move || matches!(page.activity.get(), Activity::Sweep(_));
    let chart = move || {
        run.sweep.with(|s| {
            s.as_ref()
                .filter(|(_, p)| !p.is_empty())
                .map(|(method, points)| {
                    let line =
                        |name: &str, y: &dyn Fn(&crate::worker::protocol::SweepPoint) -> f64| {
                            Series {
                                name: name.to_string(),
                                points: points
                                    .iter()
                                    .map(|p| Point {
                                        x: p.eps,
                                        y: y(p),
                                        low: y(p),
                                        high: y(p),
                                    })
                                    .collect(),
                            }
                        };
                    let series = [
                        line("fooled (1 = yes)", &|p| p.success as u8 as f64),
                        line("p(true class)", &|p| p.true_prob as f64),
                    ];
                    plot_svg(&format!("{} on this photo, by ε", method.title()), &series)
                })
        })
    };
    let summary = move || {
        run.sweep.with(|s| {
            s.as_ref()
                .map(|(_, points)| {
                    points
                        .iter()
                        .map(|p| {
                            format!(
                                "ε {}: {} (p(true class) {:.2})",
                                p.eps,
                                if p.success { "fooled" } else { "held" },
                                p.true_prob
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default()
        })
    };
    view! {
        <section class="panel sweep" data-testid="eps-sweep">
            <h2>"ε sweep"</h2>
            <p class="note">
                {format!(
                    "Attack this photo at ε = {} with the last attack's method (I-FGSM before any), each with the seed's default steps: how small can the noise be?",
                    SWEEP_EPS.map(|e| e.to_string()).join(", ")
                )}
            </p>
            <button
                data-testid="run-sweep"
                disabled=move || !page.activity.get().is_idle() || photo.photo.with(Option::is_none)
                on:click=move |_| page.run_sweep()
            >
                {move || if running() { "Sweeping…" } else { "Sweep ε" }}
            </button>
            <div
                class="chart"
                role="img"
                aria-label=move || {
                    let text = summary();
                    if text.is_empty() {
                        "The success and the true class's probability against ε: no sweep yet.".to_string()
                    } else {
                        text
                    }
                }
                data-testid="sweep-chart"
                data-points=move || run.sweep.with(|s| s.as_ref().map_or(0, |(_, p)| p.len()))
                inner_html=move || chart().unwrap_or_default()
            ></div>
            <p class="sr-summary" data-testid="sweep-summary">{summary}</p>
        </section>
    }
}
