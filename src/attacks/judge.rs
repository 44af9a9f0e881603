//! Judging an attack's images with models: how another model classifies them (the transfer
//! test) and whether they survive JPEG, downscaling and filters, always under the one rule.

use image::RgbImage;

use super::ensemble::Ensemble;
use super::{
    AttackError, AttackOutcome, Judgement, Resolution, Survival, Transform, Truth, Verdict,
};
use crate::models::{Classifier, to_tensor};
use crate::prediction::DeviceError;

/// How `judge` classifies an attack's images: the saved 8-bit original and adversarial image,
/// reaching its input as images of the attack's `resolution` do (a model-sized image is
/// stretched to another size; a full-resolution photo is cropped as `classify` does).
pub async fn judge(
    judge: &Classifier,
    original: &image::RgbImage,
    adversarial: &image::RgbImage,
    resolution: Resolution,
) -> Result<Judgement, DeviceError> {
    let preprocess = resolution.preprocess();
    Ok(Judgement {
        model: judge.id(),
        original: judge.classify_with(original, preprocess).await?.top1(),
        adversarial: judge.classify_with(adversarial, preprocess).await?.top1(),
    })
}

/// Applies each transform to the attack's original and adversarial image and lets the
/// attacked models (an ensemble's average) judge them, in one batch.
pub async fn check_survival(
    ensemble: &Ensemble<'_>,
    outcome: &AttackOutcome,
    transforms: &[Transform],
) -> Result<Vec<Survival>, AttackError> {
    let mut changed = Vec::new();
    for &t in transforms {
        let apply = |image| t.apply(image).map_err(AttackError::Transform);
        changed.push((t, apply(&outcome.original)?, apply(&outcome.adversarial)?));
    }
    let resolution = outcome.config.resolution;
    judge_changed(
        ensemble,
        resolution,
        &outcome.truth,
        outcome.goal.target(),
        &changed,
    )
    .await
}

/// Judges images already changed, each `(transform, original, adversarial)`, under the one
/// rule (the page changes them itself: JPEG with the browser's own encoder). A changed image
/// reaches the models as an image of the attack's `resolution` does.
pub async fn judge_changed(
    ensemble: &Ensemble<'_>,
    resolution: Resolution,
    truth: &Truth,
    target: Option<usize>,
    changed: &[(Transform, RgbImage, RgbImage)],
) -> Result<Vec<Survival>, AttackError> {
    let ensemble = ensemble.clone().with_preprocess(resolution.preprocess());
    let mut probs = Vec::with_capacity(2 * changed.len());
    // One image at a time: a rescaled image has its own size.
    for image in changed.iter().flat_map(|(_, o, a)| [o, a]) {
        let pixels = to_tensor(image, ensemble.device());
        probs.extend(ensemble.probabilities(pixels).await?);
    }
    Ok(changed
        .iter()
        .zip(probs.chunks_exact(2))
        .map(|((transform, _, _), pair)| {
            let (original, adversarial) = (pair[0].top1(), pair[1].top1());
            Survival {
                transform: *transform,
                original,
                adversarial,
                verdict: Verdict::decide(truth, target, original.index, adversarial.index),
            }
        })
        .collect())
}
