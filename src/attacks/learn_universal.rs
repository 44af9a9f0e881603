//! Learning a universal perturbation from a few photos: stochastic gradient ascent on the mean
//! loss over random views of them (Shafahi et al. 2020's SGD form of the universal attack,
//! with EOT's views), rather than the paper's aggregation of DeepFool steps. DeepFool's
//! aggregation needs thousands of photos (Moosavi-Dezfooli et al. used 10,000) because each
//! photo adds only its own minimal step; the gradient over random views of a few photos
//! (crops of 80-100%, a shift, a mirror) asks the noise to work on pictures it has not seen
//! exactly, which is what generalises from few photos.
//!
//! Each step takes a batch of views, adds the noise, and climbs the cross-entropy of each
//! view's right classes (its label, or the model's answer on the view) on the views the noise
//! does not fool yet; the noise moves by `alpha` along the sign of the summed gradient and is
//! clipped to eps. The noise is kept in whole levels at the end, so the PNG holds it exactly.

use burn::prelude::*;
use image::RgbImage;

use super::ensemble::Ensemble;
use super::gradient::{Objective, gradient_of_objective};
use super::random::SplitMix64;
use super::{AttackError, Truth, Universal, UniversalConfig};
use crate::backend::read_values;
use crate::models::to_tensor;

/// What a caller hears after each step: the step, the steps in all, and the share of the
/// step's views the noise fooled (before the step's move).
pub trait UniversalObserver {
    /// Returns false to stop (the noise so far is the result).
    fn on_step(&mut self, step: usize, steps: usize, fooled: f32) -> impl Future<Output = bool>;
}

/// Learns one noise for `ensemble`'s input size from `photos` (prepared to that size) and
/// what is known of each.
pub async fn learn_universal(
    ensemble: &Ensemble<'_>,
    photos: &[RgbImage],
    truths: &[Truth],
    config: &UniversalConfig,
    observer: &mut impl UniversalObserver,
) -> Result<Universal, AttackError> {
    let size = ensemble.input_size();
    if photos.is_empty() {
        return Err(AttackError::NoPhotos);
    }
    if !(config.eps.is_finite() && (0.0..=127.0).contains(&config.eps)) {
        return Err(AttackError::OutOfRange {
            param: super::Param::Eps,
            value: config.eps.to_string(),
        });
    }
    let device = ensemble.device().clone();
    let plane = 3 * size * size;
    let mut delta = vec![0f32; plane];
    let mut velocity = vec![0f32; plane];
    let mut rng = SplitMix64(config.seed ^ 0x756e_6976);
    let batch = config.batch.clamp(1, 64);
    for step in 0..config.steps {
        let chosen: Vec<usize> = (0..batch).map(|_| rng.below(photos.len())).collect();
        let views: Vec<RgbImage> = chosen
            .iter()
            .map(|&i| random_view(&photos[i], &mut rng))
            .collect();
        let clean = Tensor::cat(views.iter().map(|v| to_tensor(v, &device)).collect(), 0);
        let clean_probs = ensemble.probabilities(clean.clone()).await?;
        let noise = Tensor::<1>::from_floats(delta.as_slice(), &device).reshape([1, 3, size, size]);
        let x = (clean + noise).clamp(0.0, 255.0);
        // Each view's right classes: its photo's label, or the model's answer on the view.
        let right: Vec<Vec<usize>> = chosen
            .iter()
            .zip(&clean_probs)
            .map(|(&i, p)| truths[i].right_classes(p.top1().index))
            .collect();
        let (gradient, _, probs) =
            gradient_of_objective(ensemble, &x, &Objective::CrossEntropy(right.clone())).await?;
        let fooled: Vec<bool> = probs
            .iter()
            .zip(&right)
            .map(|(p, r)| !r.contains(&p.top1().index))
            .collect();
        let share = fooled.iter().filter(|&&f| f).count() as f32 / batch as f32;
        // The views still standing steer the noise.
        let weights: Vec<f32> = fooled.iter().map(|&f| if f { 0.0 } else { 1.0 }).collect();
        if weights.iter().any(|&w| w > 0.0) {
            let weights =
                Tensor::<1>::from_floats(weights.as_slice(), &device).reshape([batch, 1, 1, 1]);
            let summed = read_values((gradient * weights).sum_dim(0)).await?;
            // Momentum over steps (as MI-FGSM's, Dong et al. 2018): each batch's gradient, L1
            // normalised, adds to a direction the noise follows by its sign, so that what many
            // batches agree on wins over what one batch of views wants.
            let l1 = summed.iter().map(|g| g.abs()).sum::<f32>().max(1e-12);
            for (v, g) in velocity.iter_mut().zip(&summed) {
                *v = config.momentum * *v + g / l1;
            }
            for (d, v) in delta.iter_mut().zip(&velocity) {
                let sign = if *v == 0.0 { 0.0 } else { v.signum() };
                *d = (*d + config.alpha * sign).clamp(-config.eps, config.eps);
            }
        }
        if !observer.on_step(step, config.steps, share).await {
            break;
        }
    }
    let whole = config.eps.floor();
    Ok(Universal {
        eps: config.eps,
        model: Some(ensemble.primary().id()),
        size,
        delta: delta
            .iter()
            .map(|d| d.round().clamp(-whole, whole))
            .collect(),
    })
}

/// A random view of a photo: a crop of 80-100% of its side at a random place, back to its
/// size, mirrored half the time.
pub fn random_view(photo: &RgbImage, rng: &mut SplitMix64) -> RgbImage {
    let (w, h) = photo.dimensions();
    let scale = 0.8 + 0.2 * rng.unit();
    let (cw, ch) = (
        ((w as f64 * scale) as u32).max(1),
        ((h as f64 * scale) as u32).max(1),
    );
    let (x, y) = (
        rng.below((w - cw + 1) as usize) as u32,
        rng.below((h - ch + 1) as usize) as u32,
    );
    let crop = image::imageops::crop_imm(photo, x, y, cw, ch).to_image();
    let view = image::imageops::resize(&crop, w, h, image::imageops::FilterType::Triangle);
    if rng.unit() < 0.5 {
        image::imageops::flip_horizontal(&view)
    } else {
        view
    }
}
