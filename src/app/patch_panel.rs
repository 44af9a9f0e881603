//! The stage, second half: a printable patch. The user makes a patch towards a target class
//! (toaster unless they choose another), with progress and Cancel; the patch so far is kept in
//! this browser (localStorage) with its step, so that a reload, or a new worker, resumes where
//! it stopped. It is dragged onto the photo (or moved with the arrow keys, + and − to
//! resize), and the model's verdict on the composite shown; pasted on the live camera's
//! frames; printed at a stated diameter, or downloaded as the PNG `gibbon patch` writes.

use std::rc::Rc;

use leptos::ev;
use leptos::prelude::*;

use super::attack_panel::ClassPicker;
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
use super::universal::{Progress, TrainingPhotos, TrainingSet, on_cpu, typed};
use crate::attacks::{Param, Patch, PatchConfig};
use crate::prediction::Prediction;
use crate::worker::protocol::MAX_PRINT_CM;
use crate::worker::protocol::{
    JobId, LivePatch, Part, PartError, Parts, PatchSpec, PatchStart, Request, Say, patch_of,
    patch_part,
};
use crate::zoo::ModelId;

/// The steps the page learns a patch in on the CPU, unless the user types more: the
/// library's default takes many minutes there. A patch can be resumed for more.
pub const CPU_STEPS: usize = 50;

/// Where the patch so far is kept.
const KEY: &str = "gibbon-patch";

/// The resolution `Patch::print_png` makes the PNG for (the library's `PRINT_DPI`).
const PRINT_DPI: f32 = 300.0;

/// The smallest share of the photo the patch is resized to with the keyboard.
const MIN_SCALE: f32 = 0.01;

/// The patch as localStorage keeps it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    patch: PatchSpec,
    done: usize,
    steps: usize,
    pixels: Vec<u8>,
}

/// The patch the page keeps: the patch, as it travels, its steps, and its picture.
pub struct KeptPatch {
    pub patch: Patch,
    spec: PatchSpec,
    bytes: Vec<u8>,
    pub done: usize,
    pub steps: usize,
    /// The disc, transparent outside its circle.
    pub disc: Pixels,
}

impl KeptPatch {
    fn new(patch: Patch, done: usize, steps: usize) -> Self {
        let (spec, bytes) = patch_part(&patch);
        let side = patch.side;
        let plane = side * side;
        let r = side as f32 / 2.0;
        let mut rgba = Vec::with_capacity(4 * plane);
        for i in 0..plane {
            let (x, y) = ((i % side) as f32 + 0.5 - r, (i / side) as f32 + 0.5 - r);
            let alpha = ((r - (x * x + y * y).sqrt() + 0.5).clamp(0.0, 1.0) * 255.0) as u8;
            rgba.extend([bytes[i], bytes[plane + i], bytes[2 * plane + i], alpha]);
        }
        Self {
            patch,
            spec,
            bytes,
            done,
            steps,
            disc: Pixels {
                width: side as u32,
                height: side as u32,
                rgba,
            },
        }
    }

    /// The patch this browser kept, if any.
    fn stored() -> Option<Self> {
        let saved: Saved = serde_json::from_str(&browser::stored(KEY)?).ok()?;
        let patch = patch_of(&saved.patch, &saved.pixels).ok()?;
        Some(Self::new(patch, saved.done, saved.steps))
    }

    fn save(&self) {
        let saved = Saved {
            patch: self.spec,
            done: self.done,
            steps: self.steps,
            pixels: self.bytes.clone(),
        };
        if let Ok(text) = serde_json::to_string(&saved) {
            browser::store(KEY, &text);
        }
    }

    /// Whether learning stopped before its steps.
    pub fn unfinished(&self) -> bool {
        self.done < self.steps
    }
}

/// The patch's PNG to print, as a blob URL, and its width in cm.
#[derive(Clone, Debug, PartialEq)]
pub struct Printed {
    pub url: String,
    pub cm: f32,
}

/// The patch, its learning, its place on the photo and its print.
#[derive(Clone, Copy)]
pub struct PatchState {
    pub kept: RwSignal<Option<Rc<KeptPatch>>, LocalStorage>,
    pub target: RwSignal<Option<usize>>,
    pub learning: RwSignal<Option<JobId>>,
    pub progress: RwSignal<Option<Progress>>,
    /// Seconds a step in the last run.
    pub per_step: RwSignal<Option<f64>>,
    /// The patch's centre on the photo (shares of its side) and its share of its area.
    pub x: RwSignal<f32>,
    pub y: RwSignal<f32>,
    pub scale: RwSignal<f32>,
    /// The model's top-5 for the photo with the patch.
    pub verdict: RwSignal<Option<Vec<Prediction>>>,
    placing: StoredValue<Option<JobId>>,
    again: StoredValue<bool>,
    /// Whether the patch is pasted on live frames.
    pub on_camera: RwSignal<bool>,
    pub printed: RwSignal<Option<Printed>>,
    /// The print under way, and whether to open the print dialog (else download) with it.
    printing: StoredValue<Option<(JobId, bool, f32)>>,
}

impl PatchState {
    pub fn new() -> Self {
        let kept = KeptPatch::stored();
        let target = kept
            .as_ref()
            .map_or(PatchConfig::default().target, |k| k.patch.target);
        Self {
            kept: RwSignal::new_local(kept.map(Rc::new)),
            target: RwSignal::new(Some(target)),
            learning: RwSignal::new(None),
            progress: RwSignal::new(None),
            per_step: RwSignal::new(None),
            x: RwSignal::new(0.7),
            y: RwSignal::new(0.7),
            scale: RwSignal::new(0.1),
            verdict: RwSignal::new(None),
            placing: StoredValue::new(None),
            again: StoredValue::new(false),
            on_camera: RwSignal::new(false),
            printed: RwSignal::new(None),
            printing: StoredValue::new(None),
        }
    }

    /// Whether job `job` is this state's.
    pub fn owns(&self, job: JobId) -> bool {
        self.learning.get_untracked() == Some(job)
            || self.placing.get_value() == Some(job)
            || self.printing.get_value().is_some_and(|(j, _, _)| j == job)
    }

    /// The request that learns a patch: afresh, or from the patch kept (`resume`).
    fn start(
        &self,
        job: JobId,
        model: ModelId,
        config: PatchConfig,
        resume: bool,
        set: TrainingSet,
    ) -> Message {
        let (photos, files) = set.photos();
        let kept = self.kept.get_untracked().filter(|_| resume);
        let (config, start, parts, first) = match &kept {
            Some(k) => (
                PatchConfig {
                    target: k.patch.target,
                    steps: k.steps,
                    side: k.patch.side,
                    ..config
                },
                Some(PatchStart {
                    patch: k.spec,
                    done: k.done,
                }),
                Parts::new().with(Part::Patch, k.bytes.clone()),
                k.done,
            ),
            None => (config, None, Parts::new(), 0),
        };
        self.learning.set(Some(job));
        self.progress
            .set(Some(Progress::new(first, config.steps, browser::now_ms())));
        let request = Request::LearnPatch {
            job,
            model,
            config,
            photos,
            start,
        };
        Message::from(request).with_parts(parts).with_files(files)
    }

    /// A step of learning.
    pub fn step(&self, job: JobId, step: usize, steps: usize, hits: f32) {
        if self.learning.get_untracked() != Some(job) {
            return;
        }
        self.progress.update(|p| {
            if let Some(p) = p {
                p.advance(step, steps, hits, browser::now_ms());
            }
        });
        let per_step = self
            .progress
            .with_untracked(|p| p.and_then(|p| p.per_step(browser::now_ms())));
        self.per_step.set(per_step);
    }

    /// The patch so far ([`Part::Patch`]): kept, here and in localStorage. The notice to
    /// show, if some photos were left out.
    pub fn learnt(
        &self,
        job: JobId,
        spec: PatchSpec,
        done: usize,
        steps: usize,
        skipped: Vec<String>,
        parts: &mut Parts,
    ) -> Result<Option<Notice>, PartError> {
        if self.learning.get_untracked() != Some(job) {
            return Ok(None);
        }
        let patch = patch_of(&spec, &parts.take(Part::Patch)?)?;
        let kept = KeptPatch::new(patch, done, steps);
        kept.save();
        self.kept.set(Some(Rc::new(kept)));
        Ok((!skipped.is_empty()).then(|| Notice::info(Say::TrainingSkipped(skipped))))
    }

    /// The end of job `job`, with its problem if it failed: whether to place the patch
    /// again (the user moved it meanwhile), and the notice to show.
    pub fn end(
        &self,
        job: JobId,
        problem: Option<crate::worker::protocol::Problem>,
    ) -> (bool, Option<Notice>) {
        if self.learning.get_untracked() == Some(job) {
            self.learning.set(None);
            self.progress.set(None);
        }
        if self.printing.get_value().is_some_and(|(j, _, _)| j == job) {
            self.printing.set_value(None);
        }
        let mut again = false;
        if self.placing.get_value() == Some(job) {
            self.placing.set_value(None);
            again = self.again.get_value();
            self.again.set_value(false);
        }
        (again && problem.is_none(), problem.map(Notice::from))
    }

    /// Learning stops (the model or device changed, or the worker is gone): the job to
    /// cancel, if one ran.
    pub fn stop(&self) -> Option<JobId> {
        self.placing.set_value(None);
        self.printing.set_value(None);
        let job = self.learning.get_untracked()?;
        self.learning.set(None);
        self.progress.set(None);
        Some(job)
    }

    /// The request that places the patch on the photo and classifies it; None without a
    /// patch, or while a placement is classified (then it is sent again once that is done).
    pub fn place(&self, job: JobId, model: ModelId) -> Option<Message> {
        if self.placing.get_value().is_some() {
            self.again.set_value(true);
            return None;
        }
        let (spec, bytes) = self
            .kept
            .with_untracked(|k| k.as_ref().map(|k| (k.spec, k.bytes.clone())))?;
        self.placing.set_value(Some(job));
        let request = Request::PlacePatch {
            job,
            model,
            patch: spec,
            x: self.x.get_untracked(),
            y: self.y.get_untracked(),
            scale: self.scale.get_untracked(),
        };
        Some(Message::from(request).with_parts(Parts::new().with(Part::Patch, bytes)))
    }

    /// The photo with the patch, classified.
    pub fn placed(&self, job: JobId, top: Vec<Prediction>) {
        if self.placing.get_value() == Some(job) {
            self.verdict.set(Some(top));
        }
    }

    /// The patch for live frames, when the user pastes it on the camera's.
    pub fn live_patch(&self) -> Option<(LivePatch, Vec<u8>)> {
        if !self.on_camera.get_untracked() {
            return None;
        }
        let scale = self.scale.get_untracked();
        self.kept.with_untracked(|k| {
            k.as_ref().map(|k| {
                (
                    LivePatch {
                        patch: k.spec,
                        scale,
                    },
                    k.bytes.clone(),
                )
            })
        })
    }

    /// The request for the PNG to print at `cm`, then to print it (`print`) or download it.
    fn print(&self, job: JobId, cm: f32, print: bool) -> Option<Message> {
        let (spec, bytes) = self
            .kept
            .with_untracked(|k| k.as_ref().map(|k| (k.spec, k.bytes.clone())))?;
        self.printing.set_value(Some((job, print, cm)));
        let request = Request::PrintPatch {
            job,
            patch: spec,
            diameter_cm: cm,
        };
        Some(Message::from(request).with_parts(Parts::new().with(Part::Patch, bytes)))
    }

    /// The PNG to print ([`Part::Png`], `width` pixels at 300 dpi): downloaded, or shown at
    /// its size in cm and printed. A notice if that failed.
    pub fn printed(&self, job: JobId, width: u32, parts: &mut Parts) -> Option<Notice> {
        let (_, print, cm) = self.printing.get_value().filter(|(j, _, _)| *j == job)?;
        let png = match parts.take(Part::Png) {
            Ok(png) => png,
            Err(e) => return Some(e.into()),
        };
        let target = self.target.get_untracked().unwrap_or(0);
        if !print {
            let name = format!(
                "patch-{}-{cm}cm.png",
                crate::imagenet::name(target).replace([' ', ','], "-")
            );
            return browser::download(&png, &name, "image/png")
                .err()
                .map(|e| Notice::error(Note::DownloadFailed).with_detail(e));
        }
        match browser::object_url(&png, "image/png") {
            Ok(url) => {
                if let Some(old) = self.printed.get_untracked() {
                    let _ = web_sys::Url::revoke_object_url(&old.url);
                }
                // The whole image, cut line and margin included, at 300 dpi.
                let cm = width as f32 / PRINT_DPI * 2.54;
                self.printed.set(Some(Printed { url, cm }));
                set_timeout(browser::print, std::time::Duration::from_millis(300));
                None
            }
            Err(e) => Some(Notice::error(Note::DownloadFailed).with_detail(e)),
        }
    }
}

/// "Make a printable patch", and what to do with it.
#[component]
pub fn PatchPanel() -> impl IntoView {
    let page = expect_context::<Page>();
    let state = expect_context::<PatchState>();
    let set = expect_context::<TrainingSet>();
    let session = expect_context::<Session>();
    let t = texts();
    let defaults = PatchConfig::default();
    let steps = RwSignal::new(String::new());
    let batch = RwSignal::new(String::new());
    let diameter = RwSignal::new(String::from("5"));
    let default_steps = move || {
        if on_cpu(session) {
            CPU_STEPS.min(defaults.steps)
        } else {
            defaults.steps
        }
    };
    let make = move |resume: bool| {
        let (steps_typed, batch_typed) = match (
            typed::<usize>(Param::Steps, &steps.get_untracked()),
            typed::<usize>(Param::Steps, &batch.get_untracked()),
        ) {
            (Ok(s), Ok(b)) => (s, b),
            (Err(bad), _) | (_, Err(bad)) => return page.notices.error(bad),
        };
        let Some(target) = state.target.get_untracked() else {
            return page.notices.error(Say::BadSetting {
                param: Param::Target,
                value: String::new(),
            });
        };
        let config = PatchConfig {
            target,
            steps: steps_typed.unwrap_or_else(|| untrack(default_steps)),
            batch: batch_typed.unwrap_or(defaults.batch),
            ..PatchConfig::default()
        };
        let model = session.chosen();
        page.notices.clear();
        page.stage_job(|job| Some(state.start(job, model, config, resume, set)));
    };
    let print = move |to_printer: bool| {
        let cm = diameter.get_untracked().trim().parse::<f32>();
        match cm {
            Ok(cm) if cm.is_finite() && (1.0..=MAX_PRINT_CM).contains(&cm) => {
                page.stage_job(|job| state.print(job, cm, to_printer));
            }
            _ => page.notices.error(Say::PrintSize(cm.unwrap_or(f32::NAN))),
        }
    };
    let target_name = move || {
        state
            .target
            .get()
            .map(crate::imagenet::name)
            .unwrap_or_default()
    };
    let progress_line = move || {
        state
            .progress
            .get()
            .map(|p| (t().patch_progress)(p.step, p.steps, p.share, p.left(browser::now_ms())))
    };
    view! {
        <section class="panel stage" data-testid="patch" aria-labelledby="patch-title">
            <h2 id="patch-title">{move || t().patch_title}</h2>
            <p class="note">{move || t().patch_note}</p>
            <ClassPicker target=state.target required=Signal::derive(|| true) testid="patch-"/>
            <div class="row">
                <label>
                    {move || t().steps}
                    <input type="text" inputmode="numeric" size="5" data-testid="patch-steps"
                        placeholder=move || default_steps().to_string() bind:value=steps/>
                </label>
                <label>
                    {move || t().patch_batch}
                    <input type="text" inputmode="numeric" size="5" data-testid="patch-batch"
                        placeholder=defaults.batch.to_string() bind:value=batch/>
                </label>
            </div>
            <Show when=move || on_cpu(session)>
                <p class="note">{move || (t().cpu_steps)(CPU_STEPS, defaults.steps)}</p>
            </Show>
            <Show when=move || set.count() == 0>
                <TrainingPhotos/>
            </Show>
            <div class="buttons">
                <button class="run" data-testid="patch-make"
                    disabled=move || state.learning.get().is_some() || set.count() == 0
                    on:click=move |_| make(false)>
                    {move || t().patch_make}
                </button>
                <Show when=move || state.kept.with(|k| k.as_ref().is_some_and(|k| k.unfinished()))>
                    <button data-testid="patch-resume"
                        disabled=move || state.learning.get().is_some() || set.count() == 0
                        on:click=move |_| make(true)>
                        {move || state.kept.with(|k| k.as_ref().map(|k| (t().patch_resume)(k.done, k.steps)).unwrap_or_default())}
                    </button>
                </Show>
                <button class="cancel" data-testid="patch-cancel"
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
                    data-testid="patch-bar"
                    max=move || state.progress.get().map_or(1, |p| p.steps.max(1))
                    value=move || state.progress.get().map_or(0, |p| p.step)
                    aria-label=progress_line
                ></progress>
                <p class="progress" data-testid="patch-progress"
                    data-step=move || state.progress.get().map_or(0, |p| p.step)>
                    {progress_line}
                </p>
            </Show>
            <Show when=move || state.kept.with(Option::is_some)>
                <p data-testid="patch-kept"
                    data-done=move || state.kept.with(|k| k.as_ref().map_or(0, |k| k.done))
                    data-seconds-per-step=move || state.per_step.get().unwrap_or(0.0)>
                    {move || state.kept.with(|k| k.as_ref().map(|k| {
                        (t().patch_kept)(crate::imagenet::name(k.patch.target), k.done, k.steps, state.per_step.get())
                    }).unwrap_or_default())}
                </p>
                <PatchStage/>
                <label class="check">
                    <input type="checkbox" data-testid="patch-on-camera" bind:checked=state.on_camera/>
                    {move || t().patch_live}
                </label>
                <div class="row">
                    <label>
                        {move || t().patch_diameter}
                        <input type="text" inputmode="decimal" size="4" data-testid="patch-diameter" bind:value=diameter/>
                    </label>
                    <button data-testid="patch-print" on:click=move |_| print(true)>{move || t().patch_print}</button>
                    <button data-testid="patch-download" on:click=move |_| print(false)>{move || t().patch_download}</button>
                </div>
                {move || state.printed.get().map(|p| view! {
                    <div class="print-sheet" data-testid="patch-print-sheet">
                        <img src=p.url.clone() style:width=format!("{:.2}cm", p.cm) alt=move || (t().patch_print_alt)(p.cm)/>
                    </div>
                })}
            </Show>
            <span hidden data-testid="patch-target" data-index=move || state.target.get().unwrap_or(0)>{target_name}</span>
        </section>
    }
}

/// The photo with the patch on it: dragged with a pointer, or moved with the arrow keys and
/// resized with + and −; each move asks the model what it sees.
#[component]
fn PatchStage() -> impl IntoView {
    let page = expect_context::<Page>();
    let state = expect_context::<PatchState>();
    let photo = expect_context::<PhotoState>();
    let t = texts();
    let photo_canvas = NodeRef::<leptos::html::Canvas>::new();
    let disc_canvas = NodeRef::<leptos::html::Canvas>::new();
    let stage = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let (Some(pixels), Some(canvas)) = (photo.input.get(), photo_canvas.get()) {
            browser::draw(&canvas, &pixels);
        }
    });
    Effect::new(move |_| {
        if let (Some(kept), Some(canvas)) = (state.kept.get(), disc_canvas.get()) {
            browser::draw(&canvas, &kept.disc);
        }
    });
    // A new patch, or a patch on a new photo: ask again.
    Effect::new(move |_| {
        state.kept.track();
        if photo.input.with(Option::is_some) && state.kept.with(Option::is_some) {
            page.place_patch();
        }
    });
    let dragging = RwSignal::new(false);
    let move_to = move |ev: &ev::PointerEvent| {
        // The canvases inside take no pointer events (style.css): the offset is the stage's.
        let Some(div) = stage.get_untracked() else {
            return;
        };
        let (w, h) = (div.client_width() as f64, div.client_height() as f64);
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let x = (ev.offset_x() as f64 / w).clamp(0.0, 1.0);
        let y = (ev.offset_y() as f64 / h).clamp(0.0, 1.0);
        state.x.set(x as f32);
        state.y.set(y as f32);
    };
    let on_down = move |ev: ev::PointerEvent| {
        ev.prevent_default();
        if let Some(div) = stage.get_untracked() {
            let _ = div.set_pointer_capture(ev.pointer_id());
            let _ = div.focus();
        }
        dragging.set(true);
        move_to(&ev);
    };
    let on_move = move |ev: ev::PointerEvent| {
        if dragging.get_untracked() {
            move_to(&ev);
        }
    };
    let on_up = move |ev: ev::PointerEvent| {
        if dragging.get_untracked() {
            dragging.set(false);
            move_to(&ev);
            page.place_patch();
        }
    };
    let on_key = move |ev: ev::KeyboardEvent| {
        let step = if ev.shift_key() { 0.1 } else { 0.02 };
        let nudge =
            |signal: RwSignal<f32>, by: f32| signal.update(|v| *v = (*v + by).clamp(0.0, 1.0));
        match ev.key().as_str() {
            "ArrowLeft" => nudge(state.x, -step),
            "ArrowRight" => nudge(state.x, step),
            "ArrowUp" => nudge(state.y, -step),
            "ArrowDown" => nudge(state.y, step),
            "+" | "=" => state
                .scale
                .update(|s| *s = (*s + 0.01).clamp(MIN_SCALE, 0.5)),
            "-" | "_" => state
                .scale
                .update(|s| *s = (*s - 0.01).clamp(MIN_SCALE, 0.5)),
            _ => return,
        }
        ev.prevent_default();
        page.place_patch();
    };
    // The disc's diameter as a share of the photo's side: its area is `scale` of the photo's.
    let diameter = move || 2.0 * (state.scale.get() / std::f32::consts::PI).sqrt();
    let corner = move |at: f32| format!("{:.2}%", (at - diameter() / 2.0) * 100.0);
    let side = move || format!("{:.2}%", diameter() * 100.0);
    let verdict = move || {
        let top = state.verdict.get()?;
        let first = top.first().copied()?;
        let target = state.kept.with(|k| k.as_ref().map(|k| k.patch.target))?;
        Some((top, first, target))
    };
    let scale_percent = RwSignal::new(0.0f32);
    Effect::new(move |_| scale_percent.set(state.scale.get() * 100.0));
    view! {
        <Show
            when=move || photo.input.with(Option::is_some)
            fallback=move || view! { <p class="note">{move || t().lesson_no_photo}</p> }
        >
            <div
                class="patch-stage"
                node_ref=stage
                tabindex="0"
                role="group"
                aria-label=move || t().patch_place
                aria-describedby="patch-hint"
                data-testid="patch-stage"
                data-x=move || state.x.get()
                data-y=move || state.y.get()
                data-scale=move || state.scale.get()
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=on_up
                on:pointercancel=move |_| dragging.set(false)
                on:keydown=on_key
            >
                <canvas class="photo" node_ref=photo_canvas aria-hidden="true"></canvas>
                <canvas
                    class="disc"
                    node_ref=disc_canvas
                    data-testid="patch-disc"
                    style:left=move || corner(state.x.get())
                    style:top=move || corner(state.y.get())
                    style:width=side
                    style:height=side
                    aria-hidden="true"
                ></canvas>
            </div>
            <p class="note" id="patch-hint">{move || t().patch_place_hint}</p>
            <label>
                {move || (t().patch_scale)(state.scale.get())}
                <input
                    type="range"
                    aria-label=move || t().patch_scale_slider
                    min="1"
                    max="50"
                    step="1"
                    data-testid="patch-scale"
                    prop:value=move || scale_percent.get().round().to_string()
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f32>() {
                            state.scale.set((v / 100.0).clamp(MIN_SCALE, 0.5));
                            page.place_patch();
                        }
                    }
                />
            </label>
            {move || verdict().map(|(top, first, target)| view! {
                <div class="patch-verdict" data-testid="patch-verdict" data-index=first.index data-target=target>
                    <p>{move || (t().patch_verdict)(first.name(), first.prob, crate::imagenet::name(target), first.index == target)}</p>
                    <ProbabilityBars predictions=Signal::derive(move || top.clone())/>
                </div>
            })}
        </Show>
    }
}
