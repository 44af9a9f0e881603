//! Attacking the photo on the chosen model (or an ensemble), with every step reported live.

use std::rc::Rc;

use image::RgbImage;

use super::Cancel;
use super::scope::{self, post};
use super::state::Worker;
use crate::attacks::{
    self, AttackConfig, Ensemble, Flow, Method, Observer, Resolution, StepRecord, Truth,
};
use crate::backend::{Backend, read_values};
use crate::imaging::{self, Preprocess};
use crate::models;
use crate::worker::protocol::{Event, JobId, Part, Parts, Problem, Say, rgba};
use crate::zoo::ModelId;

/// The long side of the copies of a large result that the page shows.
const PREVIEW_SIDE: u32 = 1024;

/// The largest iterate the live view shows, in pixels.
const LIVE_PIXELS: usize = 1 << 20;

/// Attacks the photo (as prepared for `id`) on `id`, or on the ensemble of `id` and `also`.
pub async fn run(
    worker: &Worker,
    job: JobId,
    id: ModelId,
    also: Vec<ModelId>,
    truth: Truth,
    config: AttackConfig,
    cancel: Cancel,
) -> Result<bool, Problem> {
    config.validate().map_err(|e| Problem::of_attack(&e))?;
    let size = id.input_size() as u32;
    let mut note = None;
    let input = if config.method == Method::Fooling {
        // A fooling image starts from grey or noise: the photo, if any, plays no part.
        RgbImage::new(size, size)
    } else if config.resolution == Resolution::Full {
        let (input, why) = full_resolution_photo(&*worker.photo()?, worker.backend().as_ref());
        note = why;
        input
    } else {
        models::prepare(&*worker.photo()?, size, Preprocess::Crop)
    };
    let mut ids = vec![id];
    ids.extend(also);
    let members = worker.models(&ids).await?;
    let ensemble = Ensemble::new(members.iter().map(Rc::as_ref).collect())
        .map_err(|e| Problem::of_attack(&e))?;
    let mut observer = LiveSteps {
        job,
        cancel,
        last_pixels: scope::now_ms(),
    };
    let outcome = attacks::run_ensemble(&ensemble, &[input], &[truth], &config, &mut observer)
        .await
        .map_err(|e| Problem::of_attack(&e))?
        .pop()
        .ok_or_else(|| Problem::new(Say::NoResult))?;
    let png = imaging::encode_png(&outcome.adversarial)
        .map_err(|e| Problem::with_detail(Say::PngFailed, e.to_string()))?;
    let mut parts = Parts::new()
        .with(Part::Original, rgba(&outcome.original))
        .with(Part::Adversarial, rgba(&outcome.adversarial))
        .with(Part::Png, png);
    let cancelled = outcome.cancelled;
    let (width, height) = outcome.adversarial.dimensions();
    // The page shows a large result smaller: drawing it whole would freeze the page.
    let preview = (width as usize * height as usize > LIVE_PIXELS).then(|| {
        let original = imaging::shrink_to(&outcome.original, PREVIEW_SIDE);
        let adversarial = imaging::shrink_to(&outcome.adversarial, PREVIEW_SIDE);
        parts.insert(Part::ShownOriginal, rgba(&original));
        parts.insert(Part::ShownAdversarial, rgba(&adversarial));
        original.dimensions()
    });
    post(
        &Event::Attacked {
            job,
            model: id,
            outcome: Box::new(outcome),
            width,
            height,
            preview,
            note,
        },
        parts,
    );
    Ok(cancelled)
}

/// Reports every step (and the iterate's pixels at most every 150 ms), gives the worker's
/// event loop a turn so that a Cancel can arrive, and honours it.
struct LiveSteps {
    job: JobId,
    cancel: Cancel,
    last_pixels: f64,
}

impl Observer for LiveSteps {
    async fn on_step(
        &mut self,
        records: &[StepRecord],
        iterate: &burn::prelude::Tensor<4>,
    ) -> Flow {
        let mut parts = Parts::new();
        let now = scope::now_ms();
        let [_, _, h, w] = iterate.dims();
        // A large photo's iterate would cost more to read and send than the step itself.
        if now - self.last_pixels > 150.0 && w * h <= LIVE_PIXELS {
            if let Ok(values) = read_values(iterate.clone()).await {
                parts.insert(Part::Iterate, rgba(&imaging::from_chw(&values, w, h)));
            }
            self.last_pixels = now;
        }
        post(
            &Event::Step {
                job: self.job,
                record: records[0],
                width: w as u32,
                height: h as u32,
            },
            parts,
        );
        scope::yield_now().await;
        if self.cancel.get() {
            Flow::Cancel
        } else {
            Flow::Continue
        }
    }
}

/// The largest photo the page attacks at its own size, in pixels: the browser's memory holds
/// a 12-megapixel attack (about 1.3 GB natively), and on WebGPU one f32 copy of the photo
/// must fit one storage binding.
fn full_resolution_pixels(backend: Option<&Backend>) -> u64 {
    let memory = 12_000_000u64.min(attacks::MAX_FULL_PIXELS);
    match backend.and_then(|b| b.max_tensor_bytes) {
        Some(bytes) => memory.min(bytes / 12),
        None => memory,
    }
}

/// The photo an attack at full resolution works on: the photo itself, or, when this device
/// cannot hold it, a smaller copy, with a note that says so.
fn full_resolution_photo(photo: &RgbImage, backend: Option<&Backend>) -> (RgbImage, Option<Say>) {
    let (w, h) = photo.dimensions();
    let limit = full_resolution_pixels(backend) as f64;
    let pixels = w as f64 * h as f64;
    let long = w.max(h);
    let scale = (limit / pixels)
        .sqrt()
        .min(attacks::MAX_FULL_SIDE as f64 / long as f64);
    if scale >= 1.0 {
        return (photo.clone(), None);
    }
    let copy = imaging::shrink_to(photo, ((long as f64 * scale).floor() as u32).max(1));
    let note = Say::Downscaled {
        size: (w, h),
        megapixels: limit / 1e6,
        copy: copy.dimensions(),
    };
    (copy, Some(note))
}
