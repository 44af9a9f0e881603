//! The options only some attack methods have (restarts, diversity, C&W's margin, DeepFool's
//! overshoot, a fooling image's threshold, APGD-T's targets, Square's query budget), with
//! their defaults from the library's configuration.

use leptos::prelude::*;

use super::attack_panel::Slider;
use super::i18n::texts;
use crate::attacks::{AttackConfig, Method, Start};

/// The parameters only some methods have, with their defaults.
#[derive(Clone, Copy)]
pub struct Extras {
    restarts: RwSignal<f32>,
    diversity: RwSignal<f32>,
    confidence: RwSignal<f32>,
    search_steps: RwSignal<f32>,
    overshoot: RwSignal<f32>,
    threshold: RwSignal<f32>,
    tv: RwSignal<f32>,
    noise: RwSignal<bool>,
    refine: RwSignal<bool>,
    pub eot: RwSignal<f32>,
    targets: RwSignal<f32>,
    queries: RwSignal<f32>,
}

impl Extras {
    pub fn new() -> Self {
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
            targets: RwSignal::new(d.targets as f32),
            queries: RwSignal::new(PAGE_QUERIES as f32),
        }
    }

    /// `config` with these values.
    pub fn apply(&self, config: AttackConfig) -> AttackConfig {
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
            targets: self.targets.get_untracked().round().max(1.0) as usize,
            queries: self.queries.get_untracked().round().max(1.0) as usize,
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

/// The page's Square budget to start with: a black box that gives up after a thousand
/// questions is patient enough for a class to watch (the CLI's default is the benchmark's).
const PAGE_QUERIES: usize = 1000;

/// The chosen method's own parameters.
#[component]
pub fn MethodOptions(method: RwSignal<Method>, extras: Extras) -> impl IntoView {
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
        targets,
        queries,
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
        Method::ApgdCe => view! {
            <label>
                {move || (t().restarts)(restarts.get())}
                <Slider value=restarts min=1.0 max=10.0 step=1.0 testid="restarts" label=|t| t.restarts_slider/>
            </label>
        }
        .into_any(),
        Method::ApgdT => view! {
            <label>
                {move || (t().targets)(targets.get())}
                <Slider value=targets min=1.0 max=9.0 step=1.0 testid="targets" label=|t| t.targets_slider/>
            </label>
        }
        .into_any(),
        Method::Square => view! {
            <p class="note" data-testid="black-box">{move || t().black_box}</p>
            <label>
                {move || (t().queries)(queries.get())}
                <Slider value=queries min=100.0 max=5000.0 step=100.0 testid="queries" label=|t| t.queries_slider/>
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
