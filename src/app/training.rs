//! What the stage learns from, and how learning is shown: the training photos (the gallery,
//! the user's own, camera frames) and their picker, a learning's progress with its pace and
//! time left, and the small helpers both the noise and the patch panels use.

use leptos::prelude::*;

use super::i18n::texts;
use super::notices::Notice;
use super::page::Page;
use super::photo::PhotoState;
use super::session::Session;
use crate::samples::SAMPLES;
use crate::worker::protocol::{DeviceKind, PhotoSource, Say, Training};

/// A photo the user added to learn from (their own, or a camera frame).
#[derive(Clone)]
pub struct OwnPhoto {
    pub training: Training,
    pub file: Option<web_sys::File>,
}

/// The photos noises and patches are learnt from: the gallery's, and the user's own.
#[derive(Clone, Copy)]
pub struct TrainingSet {
    pub gallery: RwSignal<bool>,
    pub own: RwSignal<Vec<OwnPhoto>, LocalStorage>,
    frames: StoredValue<usize>,
}

impl TrainingSet {
    pub fn new() -> Self {
        Self {
            gallery: RwSignal::new(true),
            own: RwSignal::new_local(Vec::new()),
            frames: StoredValue::new(0),
        }
    }

    /// How many photos (tracked).
    pub fn count(&self) -> usize {
        let gallery = if self.gallery.get() { SAMPLES.len() } else { 0 };
        gallery + self.own.with(Vec::len)
    }

    /// The photos, as a request names them, and the files that travel beside it.
    pub fn photos(&self) -> (Vec<Training>, Vec<web_sys::File>) {
        let mut photos = Vec::new();
        if self.gallery.get_untracked() {
            photos.extend(SAMPLES.iter().map(|s| Training {
                name: s.title.to_string(),
                source: PhotoSource::Url(format!("samples/{}", s.file)),
                truth: crate::attacks::Truth::of_sample(s),
            }));
        }
        let mut files = Vec::new();
        self.own.with_untracked(|own| {
            for o in own {
                photos.push(o.training.clone());
                files.extend(o.file.clone());
            }
        });
        (photos, files)
    }

    /// Adds a photo (once; a gallery photo while the gallery is in is in already).
    pub fn add(&self, photo: OwnPhoto) {
        let from_gallery = matches!(photo.training.source, PhotoSource::Url(_));
        if from_gallery && self.gallery.get_untracked() {
            return;
        }
        self.own.update(|own| {
            if !own.iter().any(|o| o.training == photo.training) {
                own.push(photo);
            }
        });
    }

    /// Adds a camera frame (a PNG file).
    pub fn add_frame(&self, file: web_sys::File) {
        self.frames.update_value(|n| *n += 1);
        let name = format!("camera frame {}", self.frames.get_value());
        self.own.update(|own| {
            own.push(OwnPhoto {
                training: Training {
                    name,
                    source: PhotoSource::File,
                    truth: crate::attacks::Truth::Unknown,
                },
                file: Some(file),
            })
        });
    }
}

/// Learning's progress: the step, of steps, the step's share (fooled, or hit), when the
/// request went, and from when and which step the pace counts (the first step reported:
/// reading the photos and loading the model before it are not a step's time).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    pub step: usize,
    pub steps: usize,
    pub share: f32,
    pub started: f64,
    since: Option<(f64, usize)>,
}

impl Progress {
    /// Learning from step `first` of `steps`, asked for at `now`.
    pub fn new(first: usize, steps: usize, now: f64) -> Self {
        Self {
            step: first,
            steps,
            share: 0.0,
            started: now,
            since: None,
        }
    }

    /// Step `step` of `steps` is done at `now`, with its share.
    pub fn advance(&mut self, step: usize, steps: usize, share: f32, now: f64) {
        if self.since.is_none() {
            self.since = Some((now, step));
        }
        self.step = step;
        self.steps = steps;
        self.share = share;
    }

    /// Seconds left, at the pace of the steps so far.
    pub fn left(&self, now: f64) -> Option<f64> {
        Some(self.per_step(now)? * self.steps.saturating_sub(self.step) as f64)
    }

    /// Seconds a step, once one is done.
    pub fn per_step(&self, now: f64) -> Option<f64> {
        let (since, first) = self.since?;
        let done = self.step.checked_sub(first).filter(|&d| d > 0)?;
        Some((now - since) / 1000.0 / done as f64)
    }
}

/// The photos to learn from: the gallery, the current photo, camera frames.
#[component]
pub fn TrainingPhotos() -> impl IntoView {
    let page = expect_context::<Page>();
    let set = expect_context::<TrainingSet>();
    let photo = expect_context::<PhotoState>();
    let t = texts();
    let add_photo = move |_| {
        if let Some(p) = photo.photo.get_untracked() {
            let (training, file) = p.training();
            set.add(OwnPhoto { training, file });
        }
    };
    let add_frame = move |_| match super::camera::frame_as_file(page.camera.video()) {
        Ok(file) => set.add_frame(file),
        Err(why) => page
            .notices
            .show(Notice::error(super::note::CameraProblem::NoPicture).with_detail(why)),
    };
    view! {
        <fieldset class="training" data-testid="training">
            <label class="check">
                <input type="checkbox" data-testid="training-gallery" bind:checked=set.gallery/>
                {move || (t().training_gallery)(SAMPLES.len())}
            </label>
            <p data-testid="training-own" data-count=move || set.own.with(Vec::len)>
                {move || (t().training_added)(set.own.with(Vec::len))}
            </p>
            <div class="buttons">
                <button data-testid="training-add-photo" disabled=move || photo.photo.with(Option::is_none) on:click=add_photo>
                    {move || t().training_add_photo}
                </button>
                <button data-testid="training-add-frame" disabled=move || !page.camera.ready.get() on:click=add_frame>
                    {move || t().training_add_frame}
                </button>
                <button data-testid="training-clear" disabled=move || set.own.with(Vec::is_empty) on:click=move |_| set.own.set(Vec::new())>
                    {move || t().training_clear}
                </button>
            </div>
        </fieldset>
    }
}

/// A number typed in a field: None when it is empty, an error notice when it is no number.
pub fn typed<T: std::str::FromStr>(
    param: crate::attacks::Param,
    text: &str,
) -> Result<Option<T>, Say> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| Say::BadSetting {
        param,
        value: text.to_string(),
    })
}

/// Whether the worker computes on the CPU (tracked).
pub fn on_cpu(session: Session) -> bool {
    session
        .backend
        .with(|b| b.as_ref().is_none_or(|b| b.kind == DeviceKind::Cpu))
}
