//! The transfer test: does the adversarial image made on one model fool the others?

use leptos::prelude::*;

use super::state::AppState;

/// One click judges the adversarial image with every other model; rows appear as they finish.
#[component]
pub fn TransferTable() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Show when=move || state.outcome.with(Option::is_some)>
            <section class="panel transfer" data-testid="transfer">
                <h2>"Transfer to other models"</h2>
                <p class="note">
                    "The seed article's change_model step: the same 8-bit adversarial image, resized to each model's input. Fooled means the model's answer changed."
                </p>
                <button
                    data-testid="run-transfer"
                    disabled=move || state.transfer_running.get() || state.running.get()
                    on:click=move |_| state.run_transfer()
                >
                    {move || if state.transfer_running.get() { "Testing…" } else { "Test on the other models" }}
                </button>
                <table>
                    <thead>
                        <tr>
                            <th>"Model"</th>
                            <th>"Original"</th>
                            <th>"Adversarial"</th>
                            <th>"Fooled"</th>
                        </tr>
                    </thead>
                    <tbody data-testid="transfer-rows">
                        {move || {
                            state
                                .transfer
                                .get()
                                .into_iter()
                                .map(|row| {
                                    view! {
                                        <tr data-model=row.model.as_str() data-fooled=row.fooled.to_string()>
                                            <td>{row.model.display_name()}</td>
                                            <td>{format!("{} ({:.1}%)", row.original.name(), row.original.prob * 100.0)}</td>
                                            <td>{format!("{} ({:.1}%)", row.adversarial.name(), row.adversarial.prob * 100.0)}</td>
                                            <td>
                                                {match (row.fooled, row.goal_reached) {
                                                    (_, true) => "yes, it sees the target",
                                                    (true, false) => "yes, its answer changed",
                                                    (false, _) => "no",
                                                }}
                                            </td>
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
/// the adversarial image was made on; each cell counts the photos (studied so far) that fooled
/// the judge.
#[component]
pub fn TransferMatrix() -> impl IntoView {
    let state = expect_context::<AppState>();
    let models = move || {
        let mut seen: Vec<crate::models::ModelId> = Vec::new();
        for c in state.matrix.get() {
            if !seen.contains(&c.source) {
                seen.push(c.source);
            }
        }
        seen
    };
    view! {
        <section class="panel transfer" data-testid="transfer-matrix">
            <h2>"Transfer matrix"</h2>
            <p class="note">
                "Attack the current photo on every model (with the last attack's settings) and let every model judge every result. "
                "Each photo you add is counted: a cell shows how often the row's model changed its answer on images made on the column's model."
            </p>
            <button
                data-testid="run-matrix"
                disabled=move || state.matrix_running.get() || state.running.get() || state.photo.with(Option::is_none)
                on:click=move |_| state.run_matrix()
            >
                {move || if state.matrix_running.get() { "Attacking on every model…" } else { "Add this photo to the matrix" }}
            </button>
            <Show when=move || !state.matrix.with(Vec::is_empty)>
                <table data-testid="matrix">
                    <thead>
                        <tr>
                            <th>"judge \\ made on"</th>
                            {move || models().into_iter().map(|m| view! { <th>{m.display_name()}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let cells = state.matrix.get();
                            let cols = models();
                            cols.iter()
                                .map(|&judge| {
                                    view! {
                                        <tr data-judge=judge.as_str()>
                                            <th>{judge.display_name()}</th>
                                            {cols
                                                .iter()
                                                .map(|&source| {
                                                    let cell = cells.iter().find(|c| c.source == source && c.judge == judge).cloned();
                                                    let text = cell.as_ref().map_or("–".to_string(), |c| {
                                                        format!("{}/{} ({:.0}%)", c.fooled, c.images, 100.0 * c.fooled as f64 / c.images.max(1) as f64)
                                                    });
                                                    view! {
                                                        <td data-source=source.as_str() data-fooled=cell.as_ref().map(|c| c.fooled) data-images=cell.as_ref().map(|c| c.images)>
                                                            {text}
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
