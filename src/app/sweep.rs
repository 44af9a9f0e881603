//! The eps sweep of the current photo: the last attack's method at eps 1 to 16, and a chart of
//! success and the true class's probability against eps (drawn by the same SVG code as
//! `gibbon sweep`'s plot).

use leptos::prelude::*;

use super::activity::Activity;
use super::attack_run::{AttackRun, SWEEP_EPS};
use super::i18n::texts;
use super::page::Page;
use super::photo::PhotoState;
use crate::study::{Point, Series, plot_svg};

/// The button and the chart.
#[component]
pub fn EpsSweep() -> impl IntoView {
    let page = expect_context::<Page>();
    let photo = expect_context::<PhotoState>();
    let run = expect_context::<AttackRun>();
    let running = move || matches!(page.activity.get(), Activity::Sweep(_));
    let t = texts();
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
                        line(t().sweep_fooled, &|p| p.success as u8 as f64),
                        line(t().sweep_true_class, &|p| p.true_prob as f64),
                    ];
                    plot_svg(&(t().sweep_chart)((t().method_title)(*method)), &series)
                })
        })
    };
    let summary = move || {
        run.sweep.with(|s| {
            s.as_ref()
                .map(|(_, points)| {
                    points
                        .iter()
                        .map(|p| (t().sweep_point)(p.eps, p.success, p.true_prob))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default()
        })
    };
    view! {
        <section class="panel sweep" data-testid="eps-sweep">
            <h2>{move || t().sweep_title}</h2>
            <p class="note">
                {move || (t().sweep_note)(&SWEEP_EPS.map(|e| e.to_string()).join(", "))}
            </p>
            <button
                data-testid="run-sweep"
                disabled=move || !page.activity.get().is_idle() || photo.photo.with(Option::is_none)
                on:click=move |_| page.run_sweep()
            >
                {move || if running() { t().sweeping } else { t().sweep_run }}
            </button>
            <div
                class="chart"
                role="img"
                aria-label=move || {
                    let text = summary();
                    if text.is_empty() {
                        t().sweep_empty.to_string()
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
