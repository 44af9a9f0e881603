//! An adversarial patch, learnt in the worker towards a target class, with every step
//! reported, Cancel honoured, and the patch so far sent back every few seconds so that the
//! page can keep it and resume after a reload; placing it on the photo; its PNG to print.
//!
//! The library's observer hears the step but not the patch, so the run goes in stretches
//! of at most [`STRETCH_MS`]: each is one call of `learn_patch` that starts from the patch
//! the one before gave (Adam's moments start afresh each stretch, and each stretch draws its
//! own placements).

use super::scope::{self, post, say};
use super::state::Worker;
use super::universal::{MAX_STEPS, read_photos};
use super::{Cancel, device_problem};
use crate::attacks::{
    Ensemble, Param, Patch, PatchConfig, PatchObserver, Placement, check_scale, learn_patch,
};
use crate::imaging::Preprocess;
use crate::models;
use crate::worker::protocol::{
    Event, JobId, MAX_PRINT_CM, Part, Parts, PatchSpec, PatchStart, Problem, Say, Training,
    patch_of, patch_part, rgba,
};
use crate::zoo::ModelId;

/// How long one stretch of learning runs before the patch so far goes to the page.
const STRETCH_MS: f64 = 8_000.0;

/// Learns the patch from `start` (or grey) to `config.steps` steps in all.
#[allow(clippy::too_many_arguments)]
pub async fn learn(
    worker: &Worker,
    job: JobId,
    id: ModelId,
    config: PatchConfig,
    photos: Vec<Training>,
    start: Option<PatchStart>,
    mut parts: Parts,
    files: Vec<web_sys::File>,
    cancel: Cancel,
) -> Result<bool, Problem> {
    check(&config)?;
    let (mut patch, mut done) = match start {
        Some(start) => {
            let patch = patch_of(&start.patch, &parts.take(Part::Patch)?)?;
            (Some(patch), start.done.min(config.steps))
        }
        None => (None, 0),
    };
    let model = worker.model(id).await?;
    let read = read_photos(photos, files, id.input_size() as u32).await?;
    let ensemble = Ensemble::single(&model);
    let mut skipped = Some(read.skipped);
    while done < config.steps && !cancel.get() {
        let stretch = PatchConfig {
            steps: config.steps - done,
            // Each stretch its own placements.
            seed: config.seed.wrapping_add(done as u64),
            ..config.clone()
        };
        let mut observer = Steps {
            job,
            cancel: cancel.clone(),
            before: done,
            done,
            all: config.steps,
            until: scope::now_ms() + STRETCH_MS,
        };
        let learnt = learn_patch(
            &ensemble,
            &read.images,
            &stretch,
            patch.take(),
            &mut observer,
        )
        .await
        .map_err(|e| Problem::of_attack(&e))?;
        done = observer.done;
        let (spec, bytes) = patch_part(&learnt);
        post(
            &Event::PatchLearnt {
                job,
                patch: spec,
                done,
                steps: config.steps,
                skipped: skipped.take().unwrap_or_default(),
            },
            Parts::new().with(Part::Patch, bytes),
        );
        patch = Some(learnt);
    }
    Ok(cancel.get())
}

/// Refuses settings the library would not learn well from.
fn check(config: &PatchConfig) -> Result<(), Problem> {
    let bad = |param, value: String| Err(Problem::new(Say::BadSetting { param, value }));
    if config.steps == 0 || config.steps > MAX_STEPS {
        return bad(Param::Steps, config.steps.to_string());
    }
    if config.target >= crate::imagenet::NUM_CLASSES {
        return bad(Param::Target, config.target.to_string());
    }
    if !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
        return bad(Param::LearningRate, config.learning_rate.to_string());
    }
    for scale in [config.min_scale, config.max_scale] {
        check_scale(scale).map_err(|_| Problem::new(Say::PatchScale(scale)))?;
    }
    if config.min_scale > config.max_scale {
        return Err(Problem::new(Say::PatchScale(config.min_scale)));
    }
    Ok(())
}

/// Places the patch on the photo as prepared for `id` and classifies the result.
#[allow(clippy::too_many_arguments)]
pub async fn place(
    worker: &Worker,
    job: JobId,
    id: ModelId,
    spec: PatchSpec,
    (x, y, scale): (f32, f32, f32),
    mut parts: Parts,
) -> Result<bool, Problem> {
    let scale = check_scale(scale).map_err(|_| Problem::new(Say::PatchScale(scale)))?;
    let patch = patch_of(&spec, &parts.take(Part::Patch)?)?;
    let model = worker.model(id).await?;
    let size = id.input_size() as u32;
    let input = models::prepare(&*worker.photo()?, size, Preprocess::Crop);
    let at = |v: f32| {
        if v.is_finite() {
            v.clamp(0.0, 1.0) * size as f32
        } else {
            size as f32 / 2.0
        }
    };
    let placement = Placement::covering(scale, size, size, at(x), at(y), 0.0);
    let placed = patch.place(&input, &placement);
    let probs = model.classify(&placed).await.map_err(device_problem)?;
    post(
        &Event::PatchPlaced {
            job,
            top: probs.top(5),
            size,
        },
        Parts::new().with(Part::Input, rgba(&placed)),
    );
    Ok(false)
}

/// A frame with the patch pasted at its centre, covering `scale` of its area (a scale
/// outside (0, 0.5] leaves the frame as it is).
pub fn paste(patch: &Patch, frame: &image::RgbImage, scale: f32) -> image::RgbImage {
    let (w, h) = frame.dimensions();
    if check_scale(scale).is_err() || w == 0 || h == 0 {
        return frame.clone();
    }
    let placement = Placement::covering(scale, w, h, w as f32 / 2.0, h as f32 / 2.0, 0.0);
    patch.place(frame, &placement)
}

/// The patch's PNG to print at `diameter_cm`.
pub fn print(
    job: JobId,
    spec: PatchSpec,
    diameter_cm: f32,
    mut parts: Parts,
) -> Result<bool, Problem> {
    if !(diameter_cm.is_finite() && (1.0..=MAX_PRINT_CM).contains(&diameter_cm)) {
        return Err(Problem::new(Say::PrintSize(diameter_cm)));
    }
    let patch = patch_of(&spec, &parts.take(Part::Patch)?)?;
    let png = patch
        .print_png(diameter_cm)
        .map_err(|e| Problem::with_detail(Say::PngFailed, e.to_string()))?;
    let width = png_width(&png);
    post(
        &Event::PatchPrinted { job, width },
        Parts::new().with(Part::Png, png),
    );
    Ok(false)
}

/// The width in a PNG's header (0 when it has none).
fn png_width(png: &[u8]) -> u32 {
    png.get(16..20)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0)
}

/// Reports each step (counted over the whole run), gives the worker's event loop a turn,
/// and ends the stretch when asked to stop or when its time is up.
struct Steps {
    job: JobId,
    cancel: Cancel,
    before: usize,
    done: usize,
    all: usize,
    until: f64,
}

impl PatchObserver for Steps {
    async fn on_step(&mut self, step: usize, _: usize, hits: f32) -> bool {
        self.done = self.before + step + 1;
        say(&Event::PatchStep {
            job: self.job,
            step: self.done,
            steps: self.all,
            hits,
        });
        scope::yield_now().await;
        !self.cancel.get() && scope::now_ms() < self.until
    }
}
