//! The one entry to every attack: check the inputs, set the goals up, run the method's steps,
//! refine on the 8-bit lattice when asked, and end with the rounded image classified again.
//!
//! The steps are the method's: the L-inf family (FGSM, I-FGSM, ILLC, targeted, PGD, MI-FGSM,
//! DI-FGSM and fooling images) steps along the gradient's sign ([`super::sign`]); C&W
//! ([`super::cw`]) and DeepFool ([`super::deepfool`]) bring their own update. All share the
//! goals and the ending ([`Setup`]) and the per-step records with early stop and cancel
//! ([`Tracker`]).

use image::RgbImage;

use super::ensemble::Ensemble;
use super::observer::Observer;
use super::setup::Setup;
use super::tracker::Tracker;
use super::{
    AttackConfig, AttackError, AttackOutcome, Method, Param, Resolution, Truth, apgd, cw, deepfool,
    lattice, sign, square,
};
use crate::models::Classifier;

/// Runs an attack on `image` (the model's input size). The attack moves away from the class
/// [`Truth::attack_label`] names: the model's own answer when it is right or nothing is known,
/// else the label.
pub async fn run(
    model: &Classifier,
    image: &RgbImage,
    truth: &Truth,
    config: &AttackConfig,
    observer: &mut impl Observer,
) -> Result<AttackOutcome, AttackError> {
    let mut outcomes = run_batch(
        model,
        std::slice::from_ref(image),
        std::slice::from_ref(truth),
        config,
        observer,
    )
    .await?;
    Ok(outcomes.remove(0))
}

/// Runs one attack on several images at once: each step is one forward and backward pass over
/// the batch. Each image keeps its own goal, record and early stop (a finished image is no
/// longer moved), so the results are those of attacking each image alone.
pub async fn run_batch(
    model: &Classifier,
    images: &[RgbImage],
    truths: &[Truth],
    config: &AttackConfig,
    observer: &mut impl Observer,
) -> Result<Vec<AttackOutcome>, AttackError> {
    run_ensemble(&Ensemble::single(model), images, truths, config, observer).await
}

/// [`run_batch`] against an ensemble: the images have its first member's input size, each
/// step follows the members' average loss, and the outcome's predictions are the ensemble's
/// (average probabilities).
pub async fn run_ensemble(
    ensemble: &Ensemble<'_>,
    images: &[RgbImage],
    truths: &[Truth],
    config: &AttackConfig,
    observer: &mut impl Observer,
) -> Result<Vec<AttackOutcome>, AttackError> {
    config.validate()?;
    assert_eq!(images.len(), truths.len(), "one truth per image");
    if images.is_empty() {
        return Ok(Vec::new());
    }
    check_sizes(ensemble, images, config)?;
    for truth in truths {
        if let Some(l) = truth
            .known_label()
            .filter(|&l| l >= crate::imagenet::NUM_CLASSES)
        {
            return Err(AttackError::OutOfRange {
                param: Param::Label,
                value: l.to_string(),
            });
        }
    }
    // A fooling image is not the photo: what was right for the photo says nothing about it.
    let unknown;
    let truths = if config.method == Method::Fooling {
        unknown = vec![Truth::Unknown; truths.len()];
        &unknown[..]
    } else {
        truths
    };
    if config.method.takes_restarts() && config.restarts > 1 {
        return with_restarts(ensemble, images, truths, config, observer).await;
    }
    run_once(ensemble, images, truths, config, observer).await
}

/// Full-resolution attacks: the largest photo, long side and pixels. A 24-megapixel photo
/// takes about 290 MB per f32 copy, and an attack holds a handful.
pub const MAX_FULL_SIDE: u32 = 6000;
pub const MAX_FULL_PIXELS: u64 = 24_000_000;

/// The images of a batch share one size: the model's input, or for a full-resolution attack
/// any size within [`MAX_FULL_SIDE`] and [`MAX_FULL_PIXELS`].
fn check_sizes(
    ensemble: &Ensemble<'_>,
    images: &[RgbImage],
    config: &AttackConfig,
) -> Result<(), AttackError> {
    let size = ensemble.input_size();
    let (w, h) = images[0].dimensions();
    for image in images {
        if config.resolution == Resolution::Model
            && image.dimensions() != (size as u32, size as u32)
        {
            return Err(AttackError::Size {
                got: image.width(),
                got2: image.height(),
                need: size,
                model: ensemble.primary().id().display_name(),
            });
        }
        if image.dimensions() != (w, h) {
            return Err(AttackError::MixedSizes(
                format!("{w}x{h}"),
                format!("{}x{}", image.width(), image.height()),
            ));
        }
    }
    if config.resolution == Resolution::Full
        && (w.max(h) > MAX_FULL_SIDE || w as u64 * h as u64 > MAX_FULL_PIXELS)
    {
        return Err(AttackError::TooLargeForFull {
            width: w,
            height: h,
            max_side: MAX_FULL_SIDE,
            max_pixels: MAX_FULL_PIXELS,
        });
    }
    Ok(())
}

async fn run_once(
    ensemble: &Ensemble<'_>,
    images: &[RgbImage],
    truths: &[Truth],
    config: &AttackConfig,
    observer: &mut impl Observer,
) -> Result<Vec<AttackOutcome>, AttackError> {
    let setup = Setup::new(ensemble, images, truths, config).await?;
    let mut tracker = Tracker::new(setup.n, observer);
    let result = match config.method {
        Method::CwL2 => cw::attack(&setup, &mut tracker).await?,
        Method::DeepFool => deepfool::attack(&setup, &mut tracker).await?,
        Method::ApgdCe | Method::ApgdT => apgd::attack(&setup, &mut tracker).await?,
        Method::Square => square::attack(&setup, &mut tracker).await?,
        _ => sign::attack(&setup, &mut tracker).await?,
    };
    let (result, lattice_steps) = if config.refine > 0 && config.method.uses_eps() {
        lattice::refine(&setup, result).await?
    } else {
        (result, vec![0; setup.n])
    };
    let mut outcomes = setup.finish(result, tracker.progress).await?;
    for (outcome, steps) in outcomes.iter_mut().zip(lattice_steps) {
        outcome.lattice_steps = steps;
    }
    Ok(outcomes)
}

/// Restarts (PGD, APGD, Square): each restart (seed, seed + 1, ...) attacks the images no
/// earlier restart fooled; each image keeps its first success, or else its strongest try.
async fn with_restarts(
    ensemble: &Ensemble<'_>,
    images: &[RgbImage],
    truths: &[Truth],
    config: &AttackConfig,
    observer: &mut impl Observer,
) -> Result<Vec<AttackOutcome>, AttackError> {
    let n = images.len();
    let mut best: Vec<Option<AttackOutcome>> = vec![None; n];
    for restart in 0..config.restarts {
        let pending: Vec<usize> = (0..n)
            .filter(|&i| !best[i].as_ref().is_some_and(AttackOutcome::success))
            .collect();
        if pending.is_empty() {
            break;
        }
        let once = AttackConfig {
            seed: config.seed.wrapping_add(restart as u64),
            restarts: 1,
            ..config.clone()
        };
        let some_images: Vec<RgbImage> = pending.iter().map(|&i| images[i].clone()).collect();
        let some_truths: Vec<Truth> = pending.iter().map(|&i| truths[i].clone()).collect();
        let outcomes = run_once(ensemble, &some_images, &some_truths, &once, observer).await?;
        let cancelled = outcomes.iter().any(|o| o.cancelled);
        for (i, mut outcome) in pending.into_iter().zip(outcomes) {
            outcome.config = config.clone();
            let keep = match &best[i] {
                None => true,
                Some(old) => strength(&outcome) > strength(old),
            };
            if keep {
                best[i] = Some(outcome);
            }
        }
        if cancelled {
            break;
        }
    }
    Ok(best
        .into_iter()
        .map(|o| o.expect("every image ran once"))
        .collect())
}

/// How far an outcome got: success first, then the goal's probability.
fn strength(outcome: &AttackOutcome) -> (bool, f32) {
    let progress = match outcome.adversarial_target_prob {
        Some(p) => p,
        None => 1.0 - outcome.adversarial_true_prob,
    };
    (outcome.success(), progress)
}
