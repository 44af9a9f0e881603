//! DeepFool (Moosavi-Dezfooli et al. 2016): at each step, linearise the model around the
//! iterate and move to the nearest of the boundaries between the original class l and the
//! original's next most likely classes k:
//! r = (|f_k| + 1e-4) / ||w_k||^2 w_k, with f_k = Z_k - Z_l and w_k = grad f_k, for the k that
//! minimises |f_k| / ||w_k||. The change accumulates, and the iterate is
//! x0 + (1 + overshoot) r_total, clipped to [0, 255] and rounded to whole levels: DeepFool
//! stops as soon as the model is fooled by an image a user can save.
//!
//! The gradients of the candidate differences come from one backward pass over copies of the
//! image (one copy per candidate), image by image, so a batch gives the same results as
//! images attacked alone. Logit differences are taken on log-probabilities (equal).
//! When a photo has several right classes (a tabby is also a tiger cat), the boundaries are
//! those between the most likely right class and the classes that are not right.

use burn::prelude::*;

use super::AttackError;
use super::ensemble::Ensemble;
use super::observer::Observer;
use super::setup::Setup;
use super::tracker::Tracker;
use crate::backend::read_values;
use crate::imaging;
use crate::prediction::Probabilities;

pub async fn attack(
    setup: &Setup<'_>,
    tracker: &mut Tracker<'_, impl Observer>,
) -> Result<Tensor<4>, AttackError> {
    let (config, n, device) = (setup.config, setup.n, &setup.device);
    let (h, w) = (setup.height, setup.width);
    let plane = 3 * h * w;
    let originals: Vec<Vec<f32>> = setup.images.iter().map(imaging::to_chw).collect();
    // Each image's candidates: the original's most likely classes that are not right.
    let candidates: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            setup.original_probs[i]
                .top(config.candidates + setup.right[i].len())
                .into_iter()
                .map(|p| p.index)
                .filter(|k| !setup.right[i].contains(k))
                .take(config.candidates - 1)
                .collect()
        })
        .collect();
    let mut total: Vec<Vec<f32>> = vec![vec![0.0; plane]; n];
    let mut current = originals.clone();
    let mut last_probs: Vec<Probabilities> = setup.original_probs.clone();

    for _ in 0..config.steps() {
        // Gradients and probabilities at each moving image's iterate.
        let mut moves: Vec<Option<Vec<f32>>> = vec![None; n];
        for i in 0..n {
            if !tracker.active[i] {
                continue;
            }
            let (probs, r) = nearest_boundary(setup, i, &current[i], &candidates[i]).await?;
            last_probs[i] = probs;
            moves[i] = Some(r);
        }
        let records = tracker.record(setup, &last_probs, true);
        if !tracker.any_active() {
            break;
        }
        for i in (0..n).filter(|&i| tracker.active[i]) {
            let Some(r) = &moves[i] else { continue };
            for (t, d) in total[i].iter_mut().zip(r) {
                *t += d;
            }
            current[i] = originals[i]
                .iter()
                .zip(&total[i])
                .map(|(o, t)| imaging::round_pixel(o + (1.0 + config.overshoot) * t) as f32)
                .collect();
        }
        let iterate = Tensor::from_data(TensorData::new(current.concat(), [n, 3, h, w]), device);
        if !tracker.moved(&records, &iterate).await {
            break;
        }
    }
    Ok(Tensor::from_data(
        TensorData::new(current.concat(), [n, 3, h, w]),
        device,
    ))
}

/// At image `i`'s iterate `x` (CHW pixels): its probabilities, and the step to the nearest
/// linearised boundary among `candidates`.
async fn nearest_boundary(
    setup: &Setup<'_>,
    i: usize,
    x: &[f32],
    candidates: &[usize],
) -> Result<(Probabilities, Vec<f32>), AttackError> {
    let (h, w, device) = (setup.height, setup.width, &setup.device);
    let plane = 3 * h * w;
    let classes = crate::imagenet::NUM_CLASSES;
    // The boundary is with the most likely right class here (a tabby the model now calls a
    // tiger cat is still right).
    let here = Tensor::<4>::from_data(TensorData::new(x.to_vec(), [1, 3, h, w]), device);
    let probs_here = setup.ensemble.probabilities(here).await?.remove(0);
    let label = *setup.right[i]
        .iter()
        .max_by(|&&a, &&b| probs_here.prob(a).total_cmp(&probs_here.prob(b)))
        .expect("an image has a right class");
    let k = candidates.len().max(1);
    // k copies; copy j's loss is Z_{candidate j} - Z_label, so its gradient is w_j.
    let copies: Vec<f32> = (0..k).flat_map(|_| x.iter().copied()).collect();
    let input = Tensor::<4>::from_data(TensorData::new(copies, [k, 3, h, w]), device)
        .autodiff()
        .require_grad();
    let log_probs = setup.ensemble.log_probs(input.clone());
    let mut weights = vec![0f32; k * classes];
    for (j, &c) in candidates.iter().enumerate() {
        weights[j * classes + c] += 1.0;
        weights[j * classes + label] -= 1.0;
    }
    let weights = Tensor::<2>::from_data(TensorData::new(weights, [k, classes]), device);
    let mean = Ensemble::mean(&log_probs);
    let differences = (mean * weights).sum_dim(1);
    let grads = differences.clone().sum().backward();
    let gradient = input
        .grad(&grads)
        .ok_or_else(|| crate::prediction::DeviceError("no gradient reached the input".into()))?;
    let f = read_values(differences.without_autodiff()).await?;
    let w = read_values(gradient).await?;
    let probs = probs_here;
    // The nearest boundary.
    let mut best = (f32::INFINITY, 0usize, 1f32);
    for j in 0..candidates.len() {
        let wj = &w[j * plane..(j + 1) * plane];
        let norm2: f64 = wj.iter().map(|v| (*v as f64).powi(2)).sum();
        let norm = (norm2.sqrt() as f32).max(1e-12);
        let distance = f[j].abs() / norm;
        if distance < best.0 {
            best = (distance, j, norm2.max(1e-24) as f32);
        }
    }
    let (_, j, norm2) = best;
    let scale = (f[j].abs() + 1e-4) / norm2;
    let r = w[j * plane..(j + 1) * plane]
        .iter()
        .map(|v| v * scale)
        .collect();
    Ok((probs, r))
}
