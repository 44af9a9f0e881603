//! The patch the page keeps and the actions on it: made toward a class with progress and
//! Cancel, kept in this browser's localStorage with its step (so a reload or a new worker
//! resumes it), placed on the photo and judged, pasted on live frames, and made printable.

use std::rc::Rc;

use leptos::prelude::*;

use super::browser;
use super::engine::Message;
use super::note::Note;
use super::notices::Notice;
use super::pixels::Pixels;
use super::training::{Progress, TrainingSet};
use crate::attacks::{PRINT_DPI, Patch, PatchConfig};
use crate::prediction::Prediction;
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
    pub fn start(
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
    pub fn print(&self, job: JobId, cm: f32, print: bool) -> Option<Message> {
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
