//! Running a robustness evaluation: the clean pass, then each attack of the [`Suite`] on the
//! images still standing (AutoAttack's protocol). An image counts as robust only if the model
//! gets it right unattacked and every attack fails.

use image::RgbImage;

use super::ensemble::Ensemble;
use super::observer::Observer;
use super::run::run_ensemble;
use super::{AttackConfig, AttackError, Method, Suite, Truth};
use crate::models::to_tensor;
use crate::prediction::Prediction;

/// How one image fared.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// The model's top-1 on the photo.
    pub clean: Prediction,
    /// Whether it is a right class.
    pub correct: bool,
    /// The first attack whose image fooled the model.
    pub broken_by: Option<Method>,
    /// The top-1 on that image.
    pub adversarial: Option<Prediction>,
    /// Square's queries on the image, when Square ran on it.
    pub queries: Option<usize>,
    /// L-inf distance of the breaking image, in pixel units.
    pub linf: Option<f32>,
}

/// Evaluates `ensemble` on labelled `images` (its input size) at `eps`: each attack of `suite`
/// runs on the images no earlier one broke, judged unrounded (as the benchmarks do) or, with
/// `eight_bit`, as the 8-bit images a user saves. At eps 0 nothing can change an image:
/// robust accuracy is clean accuracy, and no attack runs.
pub async fn evaluate(
    ensemble: &Ensemble<'_>,
    images: &[RgbImage],
    truths: &[Truth],
    eps: f32,
    suite: &Suite,
    eight_bit: bool,
    observer: &mut impl Observer,
) -> Result<Vec<Standing>, AttackError> {
    if truths.iter().any(|t| t.known_label().is_none()) {
        return Err(AttackError::Unlabelled);
    }
    let mut standings = Vec::with_capacity(images.len());
    for (image, truth) in images.iter().zip(truths) {
        let pixels = to_tensor(image, ensemble.device());
        let clean = ensemble.probabilities(pixels).await?.remove(0).top1();
        standings.push(Standing {
            clean,
            correct: truth.accepts(clean.index) == Some(true),
            broken_by: None,
            adversarial: None,
            queries: None,
            linf: None,
        });
    }
    if eps == 0.0 {
        return Ok(standings);
    }
    for &method in &suite.attacks {
        let standing: Vec<usize> = (0..images.len())
            .filter(|&i| standings[i].correct && standings[i].broken_by.is_none())
            .collect();
        if standing.is_empty() {
            break;
        }
        let config = AttackConfig {
            eight_bit,
            ..suite.config(method, eps)
        };
        let some_images: Vec<RgbImage> = standing.iter().map(|&i| images[i].clone()).collect();
        let some_truths: Vec<Truth> = standing.iter().map(|&i| truths[i].clone()).collect();
        let outcomes =
            run_ensemble(ensemble, &some_images, &some_truths, &config, observer).await?;
        for (&i, outcome) in standing.iter().zip(&outcomes) {
            let s = &mut standings[i];
            if outcome.queries.is_some() {
                s.queries = outcome.queries;
            }
            if outcome.success() {
                s.broken_by = Some(method);
                s.adversarial = Some(outcome.adversarial_prediction);
                s.linf = Some(outcome.distance.linf);
            }
        }
        if outcomes.iter().any(|o| o.cancelled) {
            break;
        }
    }
    Ok(standings)
}
