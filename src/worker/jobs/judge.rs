//! Judging an attack's images, which the request carries: by other models one at a time (the
//! transfer test), and after JPEG, downscaling and filters (the survival checks).

use std::rc::Rc;

use image::RgbImage;

use super::scope::{self, post, say};
use super::state::Worker;
use super::{Cancel, device_problem};
use crate::attacks::{self, Ensemble, Transform, survival};
use crate::imaging;
use crate::worker::protocol::{Event, Judge, Part, Parts, Problem, Say, SurvivalCheck, rgba};

/// The long side of a survival check's thumbnail, at most.
const THUMBNAIL_SIDE: u32 = 448;

/// The request's original and adversarial image.
fn images(request: &Judge, parts: &mut Parts) -> Result<(RgbImage, RgbImage), Problem> {
    let (w, h) = (request.images.width, request.images.height);
    Ok((
        parts.take_image(Part::Original, w, h)?,
        parts.take_image(Part::Adversarial, w, h)?,
    ))
}

/// Each model's verdict on the images, reported as it comes.
pub async fn transfer(
    worker: &Worker,
    request: Judge,
    mut parts: Parts,
    cancel: Cancel,
) -> Result<bool, Problem> {
    let (original, adversarial) = images(&request, &mut parts)?;
    for &id in &request.models {
        if cancel.get() {
            return Ok(true);
        }
        let model = worker.model(id).await?;
        let judgement = attacks::judge(&model, &original, &adversarial, request.images.resolution)
            .await
            .map_err(device_problem)?;
        say(&Event::Judged {
            job: request.job,
            judgement,
            verdict: judgement.verdict(&request.truth, request.target),
        });
        scope::yield_now().await;
    }
    Ok(false)
}

/// The survival checks, judged by the models together, with a thumbnail of each changed
/// adversarial image.
pub async fn survival(
    worker: &Worker,
    request: Judge,
    mut parts: Parts,
    cancel: Cancel,
) -> Result<bool, Problem> {
    let (original, adversarial) = images(&request, &mut parts)?;
    let mut changed = Vec::new();
    for t in Transform::CHECKS {
        if cancel.get() {
            return Ok(true);
        }
        let apply = async |image: &RgbImage| match t {
            // The browser's own JPEG encoder: what a user's "save as JPEG" gives.
            Transform::Jpeg { quality } => {
                let bytes = scope::encode_jpeg(image, quality).await?;
                survival::decode_jpeg(&bytes)
            }
            _ => t.apply(image),
        };
        let problem = |why: String| Problem::with_detail(Say::CheckFailed(t), why);
        let o = apply(&original).await.map_err(problem)?;
        let a = apply(&adversarial).await.map_err(problem)?;
        changed.push((t, o, a));
        scope::yield_now().await;
    }
    let members = worker.models(&request.models).await?;
    let ensemble = Ensemble::new(members.iter().map(Rc::as_ref).collect())
        .map_err(|e| Problem::of_attack(&e))?;
    let (truth, target) = (&request.truth, request.target);
    let judged = attacks::judge_changed(
        &ensemble,
        request.images.resolution,
        truth,
        target,
        &changed,
    )
    .await
    .map_err(|e| Problem::of_attack(&e))?;
    // Thumbnails: a full-resolution photo's changed images are shown smaller.
    let mut thumbnails = Parts::new();
    let mut checks = Vec::new();
    for (i, (survival, (_, _, a))) in judged.into_iter().zip(&changed).enumerate() {
        let thumbnail = imaging::shrink_to(a, THUMBNAIL_SIDE);
        checks.push(SurvivalCheck {
            survival,
            width: thumbnail.width(),
            height: thumbnail.height(),
        });
        thumbnails.insert(Part::Check(i), rgba(&thumbnail));
    }
    post(
        &Event::Survived {
            job: request.job,
            checks,
        },
        thumbnails,
    );
    Ok(false)
}
