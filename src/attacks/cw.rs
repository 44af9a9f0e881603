//! Carlini-Wagner L2 (Carlini & Wagner 2017, "Towards evaluating the robustness of neural
//! networks"): minimise ||x - x0||^2 + c * f(x), with x = 255 (tanh(w) + 1) / 2 so that
//! every pixel stays in [0, 255] without clipping, and
//! f(x) = max(Z_label - max_{j != label} Z_j, -kappa) (untargeted) or
//! f(x) = max(max_{j != target} Z_j - Z_target, -kappa) (targeted). When a photo has several
//! right classes, "label" is the most likely of them and j runs over the others.
//! Adam updates w; a binary search on c (per image) finds the smallest change.
//!
//! 8-bit aware: the models see the iterate rounded to whole pixel levels (a straight-through
//! estimator carries the gradient past the rounding), so an image counted as a success is one
//! a user can save. Each image keeps the smallest successful rounded iterate of all rounds.
//! The margin uses log-probabilities, whose differences equal the logits' (an ensemble
//! averages its members' log-probabilities).

use burn::prelude::*;

use super::ensemble::Ensemble;
use super::gradient::class_mask;
use super::observer::Observer;
use super::setup::Setup;
use super::tracker::Tracker;
use super::{AttackError, Goal};
use crate::backend::read_values;
use crate::imaging;

const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;
/// No upper bound for c found yet.
const UNBOUNDED: f32 = 1e10;

pub async fn attack(
    setup: &Setup<'_>,
    tracker: &mut Tracker<'_, impl Observer>,
) -> Result<Tensor<4>, AttackError> {
    let (config, n, device) = (setup.config, setup.n, &setup.device);
    let (h, w) = (setup.height, setup.width);
    let plane = 3 * h * w;
    let originals: Vec<Vec<f32>> = setup.images.iter().map(imaging::to_chw).collect();
    let x0 = setup.original.clone();
    // tanh-space start: the original, pulled a hair inside (-1, 1).
    let y = x0
        .clone()
        .div_scalar(127.5)
        .sub_scalar(1.0)
        .mul_scalar(0.999_999);
    let w0 = (y.clone().add_scalar(1.0) / y.neg().add_scalar(1.0))
        .log()
        .mul_scalar(0.5);
    // The classes the margin is about: the target, or (untargeted) every right class, so that
    // moving from "tabby" to "tiger cat" is not mistaken for success.
    let picks = class_mask(&setup.pursued(), device);
    // diff = t (max_other - followed): <= -kappa means the margin is reached.
    let orientation: Vec<f32> = setup
        .goals
        .iter()
        .map(|g| match g {
            Goal::Targeted { .. } => 1.0,
            Goal::Untargeted { .. } => -1.0,
        })
        .collect();
    let orientation = Tensor::<1>::from_floats(orientation.as_slice(), device).reshape([n, 1]);
    let kappa = config.confidence;
    let steps = config.steps();
    let check_every = (steps / 10).max(1);

    let mut c = vec![config.c; n];
    let mut lower = vec![0f32; n];
    let mut upper = vec![UNBOUNDED; n];
    let mut best_l2 = vec![f32::INFINITY; n];
    let mut best: Vec<Option<Vec<f32>>> = vec![None; n];
    let mut last: Vec<f32> = originals.concat();

    'rounds: for _round in 0..config.search_steps {
        let c_tensor = Tensor::<1>::from_floats(c.as_slice(), device).reshape([n, 1]);
        let mut w = w0.clone();
        let mut m = w0.zeros_like();
        let mut v = w0.zeros_like();
        let mut succeeded = vec![false; n];
        let mut previous = vec![f32::INFINITY; n];
        let mut moving = vec![true; n];
        for step in 0..steps {
            let leaf = w.clone().autodiff().require_grad();
            let x = leaf.clone().tanh().add_scalar(1.0).mul_scalar(127.5);
            let rounded = x.clone() + (x.clone().round() - x.clone()).detach();
            let log_probs = setup.ensemble.log_probs(rounded.clone());
            let mean = Ensemble::mean(&log_probs);
            let followed = (mean.clone() + (picks.clone() - 1.0).mul_scalar(1e4)).max_dim(1);
            let other = (mean - picks.clone().mul_scalar(1e4)).max_dim(1);
            let diff = (other - followed) * orientation.clone();
            let size_term = (x - x0.clone())
                .div_scalar(255.0)
                .square()
                .sum_dim(3)
                .sum_dim(2)
                .sum_dim(1)
                .reshape([n, 1]);
            let per_image = size_term + diff.clone().clamp_min(-kappa) * c_tensor.clone();
            let grads = per_image.clone().sum().backward();
            let gradient = leaf
                .grad(&grads)
                .ok_or_else(|| crate::prediction::DeviceError("no gradient reached w".into()))?;

            let losses = read_values(per_image.without_autodiff()).await?;
            let diffs = read_values(diff.without_autodiff()).await?;
            let pixels = rounded.without_autodiff();
            let values = read_values(pixels.clone()).await?;
            let probs = setup.ensemble.read(log_probs, n).await?;
            // Only the images still moving in this round record a step (an image of a batch
            // waits for the others to end the round, as it would not alone).
            tracker.active.clone_from(&moving);
            let records = tracker.record(setup, &probs, false);
            for i in 0..n {
                let chw = &values[i * plane..(i + 1) * plane];
                if setup.reached(i, &probs[i]) && diffs[i] <= -kappa {
                    succeeded[i] = true;
                    let l2 = l2_distance(chw, &originals[i]);
                    if l2 < best_l2[i] {
                        best_l2[i] = l2;
                        best[i] = Some(chw.to_vec());
                    }
                }
                // Abort early (per image): the loss stopped falling.
                if step % check_every == 0 && step > 0 {
                    if losses[i] > previous[i] * 0.9999 {
                        moving[i] = false;
                    }
                    previous[i] = losses[i];
                }
            }
            last = values;

            // Adam on w, images that stopped stay where they are.
            m = m.mul_scalar(BETA1) + gradient.clone().mul_scalar(1.0 - BETA1);
            v = v.mul_scalar(BETA2) + gradient.square().mul_scalar(1.0 - BETA2);
            let t = (step + 1) as i32;
            let m_hat = m.clone().div_scalar(1.0 - BETA1.powi(t));
            let v_hat = v.clone().div_scalar(1.0 - BETA2.powi(t));
            let mask: Vec<f32> = moving.iter().map(|&on| on as u8 as f32).collect();
            let mask = Tensor::<1>::from_floats(mask.as_slice(), device).reshape([n, 1, 1, 1]);
            let update = m_hat / v_hat.sqrt().add_scalar(1e-8);
            w = w - update.mul_scalar(config.learning_rate) * mask;
            if !tracker.moved(&records, &pixels).await {
                break 'rounds;
            }
            if !moving.contains(&true) {
                break;
            }
        }
        // Binary search on c, per image.
        for i in 0..n {
            if succeeded[i] {
                upper[i] = upper[i].min(c[i]);
                c[i] = (lower[i] + upper[i]) / 2.0;
            } else {
                lower[i] = lower[i].max(c[i]);
                c[i] = if upper[i] < UNBOUNDED {
                    (lower[i] + upper[i]) / 2.0
                } else {
                    c[i] * 10.0
                };
            }
        }
    }
    let result: Vec<f32> = (0..n)
        .flat_map(|i| match &best[i] {
            Some(chw) => chw.clone(),
            None => last[i * plane..(i + 1) * plane].to_vec(),
        })
        .collect();
    Ok(Tensor::from_data(
        TensorData::new(result, [n, 3, h, w]),
        device,
    ))
}

/// Euclidean distance in pixel units.
pub(super) fn l2_distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| ((x - y) as f64).powi(2))
        .sum::<f64>()
        .sqrt() as f32
}
