//! The stage, first half: one noise for every photo. The user learns a universal noise from
//! photos (the gallery, their own, camera frames), watches its progress, and uses it: on the
//! photo, on the live camera (with and without it, side by side), or saved as the PNG that
//! `gibbon universal` writes and reads. The page keeps the noise, so a new worker loses
//! nothing: every request that uses it carries it.

use std::rc::Rc;

use leptos::prelude::*;

use super::attack_panel::Slider;
use super::browser;
use super::engine::Message;
use super::i18n::texts;
use super::note::Note;
use super::notices::Notice;
use super::page::Page;
use super::photo::PhotoState;
use super::photo_input::ProbabilityBars;
use super::pixels::Pixels;
use super::session::Session;
use super::training::{Progress, TrainingPhotos, TrainingSet, on_cpu, typed};
use crate::attacks::{Universal, UniversalConfig};
use crate::prediction::Prediction;
use crate::worker::protocol::{
    JobId, NoiseSpec, Part, PartError, Parts, Request, Say, noise_of, noise_part,
};
use crate::zoo::ModelId;

/// The steps the page learns a noise in on the CPU, unless the user types more: the
/// library's default takes minutes there.
pub const CPU_STEPS: usize = 40;

/// A noise the page keeps: the noise, as it travels, and its picture.
pub struct KeptNoise {
    pub noise: Universal,
    spec: NoiseSpec,
    bytes: Vec<u8>,
    /// The noise amplified to the full range, to be seen.
    pub picture: Pixels,
    pub amplify: f32,
}

impl KeptNoise {
    fn new(noise: Universal) -> Self {
        let (spec, bytes) = noise_part(&noise);
        let amplify = (127.0 / noise.eps.max(1.0)).floor().max(1.0);
        let plane = noise.size * noise.size;
        let mut rgba = Vec::with_capacity(4 * plane);
        for i in 0..plane {
            for c in 0..3 {
                let d = noise.delta[c * plane + i];
                rgba.push((128.0 + d * amplify).round().clamp(0.0, 255.0) as u8);
            }
            rgba.push(255);
        }
        let side = noise.size as u32;
        Self {
            noise,
            spec,
            bytes,
            picture: Pixels {
                width: side,
                height: side,
                rgba,
            },
            amplify,
        }
    }
}

/// What the last learning gave.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Learnt {
    pub eps: f32,
    pub steps: usize,
    pub fooled: usize,
    pub counted: usize,
    pub seconds: f64,
}

/// The photo without and with the noise.
#[derive(Clone)]
pub struct Applied {
    pub clean: Vec<Prediction>,
    pub noisy: Vec<Prediction>,
    pub picture: Rc<Pixels>,
}

/// The noise, its learning, and its uses.
#[derive(Clone, Copy)]
pub struct UniversalState {
    pub noise: RwSignal<Option<Rc<KeptNoise>>, LocalStorage>,
    pub learning: RwSignal<Option<JobId>>,
    pub progress: RwSignal<Option<Progress>>,
    pub learnt: RwSignal<Option<Learnt>>,
    /// Whether live frames are classified with the noise too.
    pub on_camera: RwSignal<bool>,
    pub applied: RwSignal<Option<Applied>, LocalStorage>,
    applying: StoredValue<Option<JobId>>,
}

impl UniversalState {
    pub fn new() -> Self {
        Self {
            noise: RwSignal::new_local(None),
            learning: RwSignal::new(None),
            progress: RwSignal::new(None),
            learnt: RwSignal::new(None),
            on_camera: RwSignal::new(false),
            applied: RwSignal::new_local(None),
            applying: StoredValue::new(None),
        }
    }

    /// Whether job `job` is this state's.
    pub fn owns(&self, job: JobId) -> bool {
        self.learning.get_untracked() == Some(job) || self.applying.get_value() == Some(job)
    }

    /// The request that learns a noise.
    fn start(
        &self,
        job: JobId,
        model: ModelId,
        config: UniversalConfig,
        set: TrainingSet,
    ) -> Message {
        let (photos, files) = set.photos();
        self.learning.set(Some(job));
        self.learnt.set(None);
        self.progress
            .set(Some(Progress::new(0, config.steps, browser::now_ms())));
        let request = Request::LearnUniversal {
            job,
            model,
            config,
            photos,
        };
        Message::from(request).with_files(files)
    }

    /// A step of learning.
    pub fn step(&self, job: JobId, step: usize, steps: usize, fooled: f32) {
        if self.learning.get_untracked() != Some(job) {
            return;
        }
        self.progress.update(|p| {
            if let Some(p) = p {
                p.advance(step, steps, fooled, browser::now_ms());
            }
        });
    }

    /// The noise learnt ([`Part::Noise`]), with what it did on its photos: kept. The notice
    /// to show, if some photos were left out.
    #[allow(clippy::too_many_arguments)]
    pub fn learnt(
        &self,
        job: JobId,
        spec: NoiseSpec,
        steps: usize,
        fooled: usize,
        counted: usize,
        skipped: Vec<String>,
        parts: &mut Parts,
    ) -> Result<Option<Notice>, PartError> {
        if self.learning.get_untracked() != Some(job) {
            return Ok(None);
        }
        let noise = noise_of(&spec, &parts.take(Part::Noise)?)?;
        let since = self
            .progress
            .get_untracked()
            .map_or(browser::now_ms(), |p| p.started);
        self.learnt.set(Some(Learnt {
            eps: noise.eps,
            steps,
            fooled,
            counted,
            seconds: (browser::now_ms() - since) / 1000.0,
        }));
        self.keep(noise);
        Ok((!skipped.is_empty()).then(|| Notice::info(Say::TrainingSkipped(skipped))))
    }

    /// Keeps a noise (learnt, or the user's PNG).
    pub fn keep(&self, noise: Universal) {
        self.applied.set(None);
        self.noise.set(Some(Rc::new(KeptNoise::new(noise))));
    }

    /// The end of job `job`, with its problem if it failed: the notice to show.
    pub fn end(
        &self,
        job: JobId,
        problem: Option<crate::worker::protocol::Problem>,
    ) -> Option<Notice> {
        if self.learning.get_untracked() == Some(job) {
            self.learning.set(None);
            self.progress.set(None);
        }
        if self.applying.get_value() == Some(job) {
            self.applying.set_value(None);
        }
        problem.map(Notice::from)
    }

    /// Learning stops (the model or device changed, or the worker is gone): the job to
    /// cancel, if one ran.
    pub fn stop(&self) -> Option<JobId> {
        self.applying.set_value(None);
        let job = self.learning.get_untracked()?;
        self.learning.set(None);
        self.progress.set(None);
        Some(job)
    }

    /// The noise for live frames, when the user applies it to the camera.
    pub fn live_noise(&self) -> Option<(NoiseSpec, Vec<u8>)> {
        if !self.on_camera.get_untracked() {
            return None;
        }
        self.noise
            .with_untracked(|n| n.as_ref().map(|n| (n.spec, n.bytes.clone())))
    }

    /// The request that classifies the photo with and without the noise.
    fn apply(&self, job: JobId, model: ModelId) -> Option<Message> {
        let (spec, bytes) = self
            .noise
            .with_untracked(|n| n.as_ref().map(|n| (n.spec, n.bytes.clone())))?;
        self.applying.set_value(Some(job));
        let request = Request::ApplyNoise {
            job,
            model,
            noise: spec,
        };
        Some(Message::from(request).with_parts(Parts::new().with(Part::Noise, bytes)))
    }

    /// The photo without and with the noise ([`Part::Input`]: with it, `size` x `size`).
    pub fn applied(
        &self,
        job: JobId,
        clean: Vec<Prediction>,
        noisy: Vec<Prediction>,
        size: u32,
        parts: &mut Parts,
    ) -> Result<(), PartError> {
        if self.applying.get_value() != Some(job) {
            return Ok(());
        }
        let picture = Pixels::take(parts, Part::Input, size, size)?;
        self.applied.set(Some(Applied {
            clean,
            noisy,
            picture: Rc::new(picture),
        }));
        Ok(())
    }
}

/// "Make a universal noise from these photos", and what to do with it.
#[component]
pub fn UniversalPanel() -> impl IntoView {
    let page = expect_context::<Page>();
    let state = expect_context::<UniversalState>();
    let set = expect_context::<TrainingSet>();
    let session = expect_context::<Session>();
    let photo = expect_context::<PhotoState>();
    let t = texts();
    let defaults = UniversalConfig::default();
    let eps = RwSignal::new(defaults.eps);
    let steps = RwSignal::new(String::new());
    let alpha = RwSignal::new(String::new());
    let default_steps = move || {
        if on_cpu(session) {
            CPU_STEPS.min(defaults.steps)
        } else {
            defaults.steps
        }
    };
    let make = move |_| {
        let (steps_typed, alpha_typed) = match (
            typed::<usize>(crate::attacks::Param::Steps, &steps.get_untracked()),
            typed::<f32>(crate::attacks::Param::Alpha, &alpha.get_untracked()),
        ) {
            (Ok(s), Ok(a)) => (s, a),
            (Err(bad), _) | (_, Err(bad)) => return page.notices.error(bad),
        };
        let config = UniversalConfig {
            eps: eps.get_untracked(),
            steps: steps_typed.unwrap_or_else(|| untrack(default_steps)),
            alpha: alpha_typed.unwrap_or(defaults.alpha),
            ..UniversalConfig::default()
        };
        let model = session.chosen();
        page.notices.clear();
        page.stage_job(|job| Some(state.start(job, model, config, set)));
    };
    let apply = move |_| {
        let model = session.chosen();
        page.stage_job(|job| state.apply(job, model));
    };
    let download = move |_| {
        let Some(png) = state
            .noise
            .with_untracked(|n| n.as_ref().map(|n| (n.noise.to_png(), n.noise.eps)))
        else {
            return;
        };
        let result = png.0.map_err(|e| e.to_string()).and_then(|bytes| {
            browser::download(
                &bytes,
                &format!("universal-noise-eps{}.png", png.1),
                "image/png",
            )
        });
        if let Err(e) = result {
            page.notices
                .show(Notice::error(Note::DownloadFailed).with_detail(e));
        }
    };
    let upload = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        let size = session.chosen().input_size();
        leptos::task::spawn_local(async move {
            let read = browser::file_bytes(&file).await;
            let noise =
                read.and_then(|bytes| Universal::from_png(&bytes).map_err(|e| e.to_string()));
            match noise {
                Ok(noise) if noise.size != size => {
                    page.notices.info(Note::NoiseResized {
                        from: noise.size,
                        to: size,
                    });
                    state.learnt.set(None);
                    state.keep(noise.resized(size));
                }
                Ok(noise) => {
                    page.notices.clear();
                    state.learnt.set(None);
                    state.keep(noise);
                }
                Err(why) => page
                    .notices
                    .show(Notice::error(Note::NotANoise).with_detail(why)),
            }
        });
    };
    let noise_canvas = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        if let (Some(noise), Some(canvas)) = (state.noise.get(), noise_canvas.get()) {
            browser::draw(&canvas, &noise.picture);
        }
    });
    let applied_canvas = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        if let (Some(applied), Some(canvas)) = (state.applied.get(), applied_canvas.get()) {
            browser::draw(&canvas, &applied.picture);
        }
    });
    let progress_line = move || {
        state
            .progress
            .get()
            .map(|p| (t().universal_progress)(p.step, p.steps, p.share, p.left(browser::now_ms())))
    };
    view! {
        <section class="panel stage" data-testid="universal" aria-labelledby="universal-title">
            <h2 id="universal-title">{move || t().universal_title}</h2>
            <p class="note">{move || t().universal_note}</p>
            <TrainingPhotos/>
            <label>
                {move || (t().eps)(eps.get())}
                <Slider value=eps min=1.0 max=32.0 step=1.0 testid="universal-eps" label=|t| t.eps_slider/>
            </label>
            <div class="row">
                <label>
                    {move || t().steps}
                    <input type="text" inputmode="numeric" size="5" data-testid="universal-steps"
                        placeholder=move || default_steps().to_string() bind:value=steps/>
                </label>
                <label>
                    {move || t().step_size}
                    <input type="text" inputmode="decimal" size="5" data-testid="universal-alpha"
                        placeholder=defaults.alpha.to_string() bind:value=alpha/>
                </label>
            </div>
            <Show when=move || on_cpu(session)>
                <p class="note" data-testid="universal-cpu-steps">{move || (t().cpu_steps)(CPU_STEPS, defaults.steps)}</p>
            </Show>
            <div class="buttons">
                <button class="run" data-testid="universal-make"
                    disabled=move || state.learning.get().is_some() || set.count() == 0
                    on:click=make>
                    {move || t().universal_make}
                </button>
                <button class="cancel" data-testid="universal-cancel"
                    disabled=move || state.learning.get().is_none()
                    on:click=move |_| {
                        if let Some(job) = state.learning.get_untracked() {
                            page.cancel_job(job);
                        }
                    }>
                    {move || t().cancel}
                </button>
            </div>
            <Show when=move || state.progress.with(Option::is_some)>
                <progress
                    data-testid="universal-bar"
                    max=move || state.progress.get().map_or(1, |p| p.steps.max(1))
                    value=move || state.progress.get().map_or(0, |p| p.step)
                    aria-label=progress_line
                ></progress>
                <p class="progress" data-testid="universal-progress"
                    data-step=move || state.progress.get().map_or(0, |p| p.step)>
                    {progress_line}
                </p>
            </Show>
            {move || state.learnt.get().map(|l| view! {
                <p data-testid="universal-done" data-seconds=l.seconds data-steps=l.steps
                    data-fooled=l.fooled data-counted=l.counted>
                    {move || (t().universal_done)(l.eps, l.steps, l.fooled, l.counted, l.seconds)}
                </p>
            })}
            <Show when=move || state.noise.with(Option::is_some)>
                <canvas class="noise" node_ref=noise_canvas data-testid="universal-noise" role="img"
                    aria-label=move || state.noise.with(|n| n.as_ref().map(|n| (t().noise_alt)(n.noise.eps, n.amplify)).unwrap_or_default())></canvas>
                <p class="caption">{move || state.noise.with(|n| n.as_ref().map(|n| (t().noise_alt)(n.noise.eps, n.amplify)).unwrap_or_default())}</p>
                <div class="buttons">
                    <button data-testid="noise-download" on:click=download>{move || t().noise_download}</button>
                    <button data-testid="noise-apply-photo"
                        disabled=move || photo.input.with(Option::is_none)
                        on:click=apply>
                        {move || t().noise_apply_photo}
                    </button>
                </div>
                <label class="check">
                    <input type="checkbox" data-testid="noise-on-camera" bind:checked=state.on_camera/>
                    {move || t().noise_apply_camera}
                </label>
            </Show>
            <label class="file-button">
                {move || t().noise_upload}
                <input type="file" accept="image/png" data-testid="noise-upload" on:change=upload/>
            </label>
            {move || state.applied.get().map(|a| {
                let clean = a.clean.first().map(|p| p.index);
                let noisy = a.noisy.first().map(|p| p.index);
                let name = |i: Option<usize>| i.map(crate::imagenet::name).unwrap_or_default();
                view! {
                    <div class="applied" data-testid="noise-verdict"
                        data-clean=clean.unwrap_or(0) data-noisy=noisy.unwrap_or(0)>
                        <canvas class="photo" node_ref=applied_canvas role="img" aria-label=move || t().noisy_photo_alt></canvas>
                        <p>{move || (t().noise_verdict)(name(clean), name(noisy), clean != noisy)}</p>
                        <ProbabilityBars predictions=Signal::derive(move || a.noisy.clone())/>
                    </div>
                }
            })}
        </section>
    }
}
