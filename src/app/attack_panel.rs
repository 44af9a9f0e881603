//! The attack panel: method, budget (eps in pixel units), step size and count with their
//! defaults shown, early stop, target class, Run and Cancel.

use leptos::prelude::*;

use super::activity::Activity;
use super::attack_run::AttackRun;
use super::i18n::{Texts, texts};
use super::page::Page;
use super::photo::PhotoState;
use super::session::Session;
use crate::attacks::{AttackConfig, Method, Param, Resolution, Start};
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
                <ClassPicker target=target required=Signal::derive(move || method.get().needs_target())/>
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
                        match page.activity.get() {
                            Activity::Attacking(_) => format!(
                                "step {} / {}",
                                run_state.history.with(Vec::len),
                                run_state.steps_planned.get()
                            ),
                            Activity::Matrix(_) => "attacking every model…".to_string(),
                            Activity::Sweep(_) => "sweeping ε…".to_string(),
                            Activity::Transfer(_) => "testing the other models…".to_string(),
                            Activity::Survival(_) => "checking JPEG and resizing…".to_string(),
                            Activity::Loading(_) | Activity::Preparing(_) => "preparing…".to_string(),
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

/// The parameters only some methods have, with their defaults.
#[derive(Clone, Copy)]
struct Extras {
    restarts: RwSignal<f32>,
    diversity: RwSignal<f32>,
    confidence: RwSignal<f32>,
    search_steps: RwSignal<f32>,
    overshoot: RwSignal<f32>,
    threshold: RwSignal<f32>,
    tv: RwSignal<f32>,
    noise: RwSignal<bool>,
    refine: RwSignal<bool>,
    eot: RwSignal<f32>,
}

impl Extras {
    fn new() -> Self {
        let d = AttackConfig::new(Method::Ifgsm, 8.0);
        Self {
            restarts: RwSignal::new(d.restarts as f32),
            diversity: RwSignal::new(d.diversity),
            confidence: RwSignal::new(d.confidence),
            search_steps: RwSignal::new(d.search_steps as f32),
            overshoot: RwSignal::new(d.overshoot),
            threshold: RwSignal::new(d.threshold),
            tv: RwSignal::new(d.tv),
            noise: RwSignal::new(d.start == Start::Noise),
            refine: RwSignal::new(false),
            eot: RwSignal::new(0.0),
        }
    }

    /// `config` with these values.
    fn apply(&self, config: AttackConfig) -> AttackConfig {
        AttackConfig {
            restarts: self.restarts.get_untracked().round().max(1.0) as usize,
            diversity: self.diversity.get_untracked(),
            confidence: self.confidence.get_untracked(),
            search_steps: self.search_steps.get_untracked().round().max(1.0) as usize,
            overshoot: self.overshoot.get_untracked(),
            threshold: self.threshold.get_untracked(),
            tv: self.tv.get_untracked(),
            start: if self.noise.get_untracked() {
                Start::Noise
            } else {
                Start::Grey
            },
            eot: self.eot.get_untracked().round() as usize,
            refine: if self.refine.get_untracked() {
                LATTICE_STEPS
            } else {
                0
            },
            ..config
        }
    }
}

/// Whole-level steps the lattice refinement may take in the page.
const LATTICE_STEPS: usize = 10;

/// The chosen method's own parameters.
#[component]
fn MethodOptions(method: RwSignal<Method>, extras: Extras) -> impl IntoView {
    let Extras {
        restarts,
        diversity,
        confidence,
        search_steps,
        overshoot,
        threshold,
        tv,
        noise,
        refine,
        eot,
    } = extras;
    let t = texts();
    let lattice = move || {
        method.get().uses_eps().then(|| {
            view! {
                <label class="check">
                    <input type="checkbox" data-testid="refine" bind:checked=refine/>
                    {move || (t().refine)(LATTICE_STEPS)}
                </label>
                <label>
                    {move || (t().eot)(eot.get().round() as usize)}
                    <Slider value=eot min=0.0 max=8.0 step=1.0 testid="eot" label=|t| t.eot_slider/>
                </label>
            }
        })
    };
    let options = move || {
        match method.get() {
        Method::Pgd => view! {
            <label>
                {move || (t().restarts)(restarts.get())}
                <Slider value=restarts min=1.0 max=10.0 step=1.0 testid="restarts" label=|t| t.restarts_slider/>
            </label>
        }
        .into_any(),
        Method::DiFgsm => view! {
            <label>
                {move || (t().diversity)(diversity.get())}
                <Slider value=diversity min=0.0 max=1.0 step=0.05 testid="diversity" label=|t| t.diversity_slider/>
            </label>
        }
        .into_any(),
        Method::CwL2 => view! {
            <label>
                {move || (t().kappa)(confidence.get())}
                <Slider value=confidence min=0.0 max=20.0 step=0.5 testid="confidence" label=|t| t.kappa_slider/>
            </label>
            <label>
                {move || (t().search_rounds)(search_steps.get())}
                <Slider value=search_steps min=1.0 max=9.0 step=1.0 testid="search-steps" label=|t| t.search_slider/>
            </label>
        }
        .into_any(),
        Method::DeepFool => view! {
            <label>
                {move || (t().overshoot)(overshoot.get())}
                <Slider value=overshoot min=0.0 max=0.2 step=0.01 testid="overshoot" label=|t| t.overshoot_slider/>
            </label>
        }
        .into_any(),
        Method::Fooling => view! {
            <label>
                {move || (t().threshold)(threshold.get())}
                <Slider value=threshold min=0.5 max=0.99 step=0.01 testid="threshold" label=|t| t.threshold_slider/>
            </label>
            <label>
                {move || (t().tv)(tv.get())}
                <Slider value=tv min=0.0 max=1.0 step=0.05 testid="tv" label=|t| t.tv_slider/>
            </label>
            <label class="check">
                <input type="checkbox" data-testid="start-noise" bind:checked=noise/>
                {move || t().start_noise}
            </label>
        }
        .into_any(),
        _ => ().into_any(),
    }
    };
    view! { {options} {lattice} }
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

/// A searchable class list: type "gibbon", pick it.
#[component]
fn ClassPicker(target: RwSignal<Option<usize>>, required: Signal<bool>) -> impl IntoView {
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
                    data-testid="target-search"
                    bind:value=query
                />
            </label>
            <ul class="matches" data-testid="target-matches">
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
            <p class="chosen" data-testid="target-chosen">
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
