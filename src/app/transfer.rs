//! The transfer test: does the adversarial image made on one model fool the others? And the
//! matrix that tallies it over photos, with 95% intervals.

use leptos::prelude::*;

use super::activity::Activity;
use super::attack_run::AttackRun;
use super::i18n::texts;
use super::matrix::MatrixState;
use super::page::Page;
use super::photo::PhotoState;
use crate::zoo::ModelId;

/// One click judges the adversarial image with every other model; rows appear as they finish.
#[component]
pub fn TransferTable() -> impl IntoView {
    let page = expect_context::<Page>();
    let run = expect_context::<AttackRun>();
    let testing = move || matches!(page.activity.get(), Activity::Transfer(_));
    let t = texts();
    view! {
        <Show when=move || run.result.with(Option::is_some)>
            <section class="panel transfer" data-testid="transfer">
                <h2>{move || t().transfer_title}</h2>
                <p class="note">{move || t().transfer_note}</p>
                <button
                    data-testid="run-transfer"
                    disabled=move || !page.activity.get().is_idle()
                    on:click=move |_| page.run_transfer()
                >
                    {move || if testing() { t().transfer_testing } else { t().transfer_run }}
                </button>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{move || t().column_model}</th>
                            <th scope="col">{move || t().original}</th>
                            <th scope="col">{move || t().adversarial}</th>
                            <th scope="col">{move || t().column_verdict}</th>
                        </tr>
                    </thead>
                    <tbody data-testid="transfer-rows">
                        {move || {
                            run.transfer
                                .get()
                                .into_iter()
                                .map(|row| {
                                    let j = row.judgement;
                                    let v = row.verdict;
                                    let words = (t().transfer_word)(v.word());
                                    view! {
                                        <tr data-model=j.model.as_str() data-fooled=v.fooled.to_string() data-counted=v.counted.to_string()>
                                            <th scope="row">{j.model.display_name()}</th>
                                            <td>{format!("{} ({:.1}%)", j.original.name(), j.original.prob * 100.0)}</td>
                                            <td>{format!("{} ({:.1}%)", j.adversarial.name(), j.adversarial.prob * 100.0)}</td>
                                            <td>{words}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()
                        }}
                    </tbody>
                </table>
            </section>
        </Show>
    }
}

/// The 2018 article's whole experiment as a matrix: rows are the models that judge, columns the
/// models the adversarial image was made on; each cell counts the photos (added so far) that fooled
/// the judge, with the 95% Wilson interval.
#[component]
pub fn TransferMatrix() -> impl IntoView {
    let page = expect_context::<Page>();
    let photo = expect_context::<PhotoState>();
    let state = expect_context::<MatrixState>();
    let models = move || state.matrix.with(|m| m.models().to_vec());
    let running = move || matches!(page.activity.get(), Activity::Matrix(_));
    let t = texts();
    view! {
        <section class="panel transfer" data-testid="transfer-matrix">
            <h2>{move || t().matrix_title}</h2>
            <p class="note">{move || t().matrix_note}</p>
            <button
                data-testid="run-matrix"
                disabled=move || !page.activity.get().is_idle() || photo.photo.with(Option::is_none)
                on:click=move |_| page.run_matrix()
            >
                {move || if running() { t().matrix_running } else { t().matrix_run }}
            </button>
            <Show when=move || !state.matrix.with(|m| m.is_empty())>
                <table data-testid="matrix">
                    <thead>
                        <tr>
                            <th scope="col">{move || t().matrix_corner}</th>
                            {move || models().into_iter().map(|m| view! { <th scope="col">{m.display_name()}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let cols: Vec<ModelId> = models();
                            cols.iter()
                                .map(|&judge| {
                                    view! {
                                        <tr data-judge=judge.as_str()>
                                            <th scope="row">{judge.display_name()}</th>
                                            {cols
                                                .iter()
                                                .map(|&source| {
                                                    let tally = state.matrix.with(|m| m.cell(judge, source));
                                                    let rate = tally.fooled_rate();
                                                    view! {
                                                        <td
                                                            data-source=source.as_str()
                                                            data-fooled=tally.fooled
                                                            data-counted=tally.counted
                                                            data-images=tally.images
                                                        >
                                                            {rate.describe()}
                                                        </td>
                                                    }
                                                })
                                                .collect_view()}
                                        </tr>
                                    }
                                })
                                .collect_view()
                        }}
                    </tbody>
                </table>
            </Show>
        </section>
    }
}
