//! The attack panel: method, budget (eps in pixel units), step size and count with their
//! defaults shown, early stop, target class, Run and Cancel.

use leptos::prelude::*;

use super::activity::Activity;
use super::attack_run::AttackRun;
use super::i18n::{Texts, texts};
use super::method_options::{Extras, MethodOptions};
use super::page::Page;
use super::photo::PhotoState;
use super::session::Session;
use crate::attacks::{AttackConfig, Method, Param, Resolution};
use crate::imagenet;
use crate::worker::protocol::Say;
use crate::zoo::ModelId;

/// Settings and the Run / Cancel buttons.
#[component]
pub fn AttackPanel() -> impl IntoView {
    let page = expect_context::<Page>();
    let photo = expect_context::<PhotoState>();
    let run_state = expect_context::<AttackRun>();
    let method = RwSignal::new(Method::LeastLikely);
    let eps = RwSignal::new(8.0f32);
    let alpha = RwSignal::new(String::new());
    let steps = RwSignal::new(String::new());
    let early_stop = RwSignal::new(false);
    // The photo at its own size, unless the attack works on the model's crop only.
    let full = RwSignal::new(true);
    let target = RwSignal::new(None::<usize>);
    let extras = Extras::new();
    let ensemble = RwSignal::new(Vec::<ModelId>::new());
    let t = texts();
    let defaults = move || AttackConfig::new(method.get(), eps.get());
    let default_alpha = move || defaults().alpha();
    let default_step_count = move || defaults().steps();

    let run = move |_| {
        let (alpha, steps) = match (
            parse(Param::Alpha, &alpha.get_untracked()),
            parse(Param::Steps, &steps.get_untracked()),
        ) {
            (Ok(alpha), Ok(steps)) => (alpha, steps),
            (Err(bad), _) | (_, Err(bad)) => return page.notices.error(bad),
        };
        let m = method.get_untracked();
        let mut config = AttackConfig {
            alpha,
            steps,
            target: if m.accepts_target() {
                target.get_untracked()
            } else {
                None
            },
            early_stop: early_stop.get_untracked(),
            ..extras.apply(AttackConfig::new(m, eps.get_untracked()))
        };
        config.resolution = if full.get_untracked() && config.model_resolution_only().is_none() {
            Resolution::Full
        } else {
            Resolution::Model
        };
        page.run_attack(config, ensemble.get_untracked());
    };

    view! {
        <div class="panel attack-panel" data-testid="attack-panel">
            <h2>{move || t().attack}</h2>
            <label>
                {move || t().method}
                <select
                    data-testid="method"
                    on:change=move |ev| {
                        if let Ok(m) = event_target_value(&ev).parse::<Method>() {
                            method.set(m);
                        }
                    }
                >
                    {Method::ALL
                        .iter()
                        .map(|m| {
                            let m = *m;
                            view! {
                                <option value=m.as_str() selected=move || method.get() == m>
                                    {move || (t().method_title)(m)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <Show
                when=move || method.get().uses_eps()
                fallback=move || view! {
                    <p class="explain" data-testid="no-eps">
                        {move || if method.get() == Method::Fooling {
                            t().no_eps_fooling
                        } else {
                            t().no_eps_l2
                        }}
                    </p>
                }
            >
                <label>
                    {move || (t().eps)(eps.get())}
                    <Slider value=eps min=0.0 max=32.0 step=0.5 testid="eps" label=|t| t.eps_slider/>
                </label>
            </Show>
            <div class="row">
                <label>
                    {move || t().step_size}
                    <input
                        type="text"
                        inputmode="decimal"
                        size="5"
                        data-testid="alpha"
                        placeholder=move || default_alpha().to_string()
                        bind:value=alpha
                    />
                </label>
                <label>
                    {move || t().steps}
                    <input
                        type="text"
                        inputmode="numeric"
                        size="5"
                        data-testid="steps"
                        placeholder=move || default_step_count().to_string()
                        bind:value=steps
                    />
                </label>
            </div>
            <label class="check">
                <input type="checkbox" data-testid="early-stop" bind:checked=early_stop/>
                {move || t().early_stop}
            </label>
            <label class="check">
                <input type="checkbox" data-testid="full-resolution" bind:checked=full/>
                {move || (t().full_size)(photo.size.get())}
            </label>
            {move || {
                let config = AttackConfig {
                    eot: extras.eot.get().round() as usize,
                    ..AttackConfig::new(method.get(), 8.0)
                };
                config.model_resolution_only().filter(|_| full.get())?;
                Some(view! {
                    <p class="explain" data-testid="model-size-only">
                        {(t().crop_only)(config.method)}
                    </p>
                })
            }}
            <MethodOptions method=method extras=extras/>
            <EnsemblePicker ensemble=ensemble/>
            <Show when=move || method.get().accepts_target()>
                <ClassPicker target=target required=Signal::derive(move || method.get().needs_target()) testid=""/>
            </Show>
            <p class="explain">{move || (t().explain)(method.get())}</p>
            <div class="buttons">
                <button
                    class="run"
                    data-testid="run"
                    disabled=move || {
                        !page.activity.get().is_idle()
                            || (photo.input.with(Option::is_none) && method.get() != Method::Fooling)
                    }
                    on:click=run
                >
                    {move || t().run}
                </button>
                <button
                    class="cancel"
                    data-testid="cancel"
                    disabled=move || page.activity.get().cancellable().is_none()
                    on:click=move |_| page.cancel()
                >
                    {move || t().cancel}
                </button>
                <span class="progress" data-testid="step-progress">
                    {move || {
                        let t = t();
                        match page.activity.get() {
                            // A score-based attack's steps are its questions to the model.
                            Activity::Attacking(_) if method.get().is_score_based() => {
                                (t.progress_queries)(
                                    run_state.history.with(|h| h.last().map_or(0, |r| r.step)),
                                    run_state.steps_planned.get(),
                                )
                            }
                            Activity::Attacking(_) => (t.progress_steps)(
                                run_state.history.with(Vec::len),
                                run_state.steps_planned.get(),
                            ),
                            Activity::Matrix(_) => t.progress_matrix.to_string(),
                            Activity::Sweep(_) => t.progress_sweep.to_string(),
                            Activity::Transfer(_) => t.progress_transfer.to_string(),
                            Activity::Survival(_) => t.progress_survival.to_string(),
                            Activity::Loading(_) | Activity::Preparing(_) => {
                                t.progress_preparing.to_string()
                            }
                            Activity::Idle => String::new(),
                        }
                    }}
                </span>
            </div>
        </div>
    }
}

/// A number the user typed for `param`: None when the field is empty (the default).
fn parse<T: std::str::FromStr>(param: Param, typed: &str) -> Result<Option<T>, Say> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    typed.parse().map(Some).map_err(|_| Say::BadSetting {
        param,
        value: typed.to_string(),
    })
}

/// Other models to attack together with the chosen one (an ensemble: their losses averaged),
/// which makes images that fool models outside the ensemble more often.
#[component]
fn EnsemblePicker(ensemble: RwSignal<Vec<ModelId>>) -> impl IntoView {
    let session = expect_context::<Session>();
    let t = texts();
    let others = move || {
        let chosen = session.model.get();
        session
            .models()
            .into_iter()
            .filter(move |&m| m != chosen)
            .collect::<Vec<_>>()
    };
    view! {
        <fieldset class="ensemble" data-testid="ensemble">
            <legend>{move || t().ensemble_legend}</legend>
            {move || {
                others()
                    .into_iter()
                    .map(|m| {
                        view! {
                            <label class="check">
                                <input
                                    type="checkbox"
                                    data-testid=format!("ensemble-{}", m.as_str())
                                    prop:checked=move || ensemble.with(|e| e.contains(&m))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        ensemble.update(|e| {
                                            e.retain(|&x| x != m);
                                            if on {
                                                e.push(m);
                                            }
                                        });
                                    }
                                />
                                {format!(" {}", m.display_name())}
                            </label>
                        }
                    })
                    .collect_view()
            }}
        </fieldset>
    }
}

/// A searchable class list: type "gibbon", pick it. Its test ids start with `testid` (the
/// attack panel's with none).
#[component]
pub fn ClassPicker(
    target: RwSignal<Option<usize>>,
    required: Signal<bool>,
    testid: &'static str,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let matches = move || imagenet::search(&query.get()).take(8).collect::<Vec<_>>();
    let t = texts();
    view! {
        <div class="class-picker">
            <label>
                {move || (t().target_class)(required.get())}
                <input
                    type="search"
                    placeholder=move || t().target_placeholder
                    data-testid=format!("{testid}target-search")
                    bind:value=query
                />
            </label>
            <ul class="matches" data-testid=format!("{testid}target-matches")>
                {move || {
                    matches()
                        .into_iter()
                        .map(|c| {
                            let index = c.index;
                            view! {
                                <li>
                                    <button
                                        class:chosen=move || target.get() == Some(index)
                                        data-index=index
                                        on:click=move |_| {
                                            target.set(Some(index));
                                            query.set(String::new());
                                        }
                                    >
                                        {format!("{} ({})", c.name(), index)}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <p class="chosen" data-testid=format!("{testid}target-chosen")>
                {move || match target.get() {
                    Some(index) => (t().target_chosen)(imagenet::name(index), index),
                    None => t().no_target.to_string(),
                }}
            </p>
        </div>
    }
}

/// A range input bound to a number.
#[component]
pub fn Slider(
    value: RwSignal<f32>,
    min: f32,
    max: f32,
    step: f32,
    testid: &'static str,
    /// What the slider sets, for screen readers, in the page's language.
    label: fn(&Texts) -> &'static str,
) -> impl IntoView {
    let t = texts();
    view! {
        <input
            type="range"
            aria-label=move || label(t())
            min=min
            max=max
            step=step
            data-testid=testid
            prop:value=move || value.get().to_string()
            on:input=move |ev| {
                if let Ok(v) = event_target_value(&ev).parse::<f32>() {
                    value.set(v);
                }
            }
        />
    }
}
