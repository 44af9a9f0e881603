//! The transfer test: does the adversarial image made on one model fool the others? And the
//! matrix that tallies it over photos, with 95% intervals.

use leptos::prelude::*;

use super::activity::Activity;
use super::page::{AttackRun, MatrixState, Page, PhotoState};
use crate::models::ModelId;

/// One click judges the adversarial image with every other model; rows appear as they finish.
#[component]
pub fn TransferTable() -> impl IntoView {
    let page = expect_context::<Page>();
    let run = expect_context::<AttackRun>();
    let testing = move || matches!(page.activity.get(), Activity::Transfer(_));
    view! {
        <Show when=move || run.result.with(Option::is_some)>
            <section class="panel transfer" data-testid="transfer">
                <h2>"Transfer to other models"</h2>
                <p class="note">
                    "The seed article's change_model step: the same 8-bit adversarial image, resized to each model's input. "
                    "Fooled means the model's answer is now wrong (or, for a photo of your own, changed)."
                </p>
                <button
                    data-testid="run-transfer"
                    disabled=move || !page.activity.get().is_idle()
                    on:click=move |_| page.run_transfer()
                >
                    {move || if testing() { "Testing…" } else { "Test on the other models" }}
                </button>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">"Model"</th>
                            <th scope="col">"Original"</th>
                            <th scope="col">"Adversarial"</th>
                            <th scope="col">"Verdict"</th>
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
                                    let words = match v.word() {
                                        "target" => "fooled: it sees the target",
                                        "fooled" => "fooled",
                                        "held" => "not fooled",
                                        _ => "wrong already on the original",
                                    };
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

/// The seed's whole experiment as a matrix: rows are the models that judge, columns the models
/// the adversarial image was made on; each cell counts the photos (added so far) that fooled
/// the judge, with the 95% Wilson interval.
#[component]
pub fn TransferMatrix() -> impl IntoView {
    let page = expect_context::<Page>();
    let photo = expect_context::<PhotoState>();
    let state = expect_context::<MatrixState>();
    let models = move || state.matrix.with(|m| m.models().to_vec());
    let running = move || matches!(page.activity.get(), Activity::Matrix(_));
    view! {
        <section class="panel transfer" data-testid="transfer-matrix">
            <h2>"Transfer matrix"</h2>
            <p class="note">
                "Attack the current photo on every model (with the last attack's settings) and let every model judge every result. "
                "Each photo you add is counted once it is complete: a cell shows how often the row's model was fooled by images made on the column's model, "
                "leaving out photos it got wrong before the attack, with a 95% interval."
            </p>
            <button
                data-testid="run-matrix"
                disabled=move || !page.activity.get().is_idle() || photo.photo.with(Option::is_none)
                on:click=move |_| page.run_matrix()
            >
                {move || if running() { "Attacking on every model…" } else { "Add this photo to the matrix" }}
            </button>
            <Show when=move || !state.matrix.with(|m| m.is_empty())>
                <table data-testid="matrix">
                    <thead>
                        <tr>
                            <th scope="col">"judge \\ made on"</th>
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
