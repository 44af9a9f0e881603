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
