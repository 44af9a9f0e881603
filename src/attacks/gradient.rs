//! Gradients of an attack's loss with respect to the pixels.

use burn::prelude::*;

use super::ensemble::Ensemble;
use crate::backend::read_values;
use crate::models::Classifier;
use crate::prediction::{DeviceError, Probabilities};

/// Gradient of the cross-entropy of class `class` with respect to the pixels `x` (one image),
/// and the class probabilities at `x` (from the same forward pass).
pub async fn gradient_at(
    model: &Classifier,
    x: &Tensor<4>,
    class: usize,
) -> Result<(Tensor<4>, Probabilities), DeviceError> {
    let (gradient, mut probs) = gradient_at_batch(model, x, &[class]).await?;
    Ok((gradient, probs.remove(0)))
}

/// For a batch [N, 3, H, W]: the gradient of each image's cross-entropy of its class
/// `classes[i]` with respect to its pixels (the sum's gradient: images do not interact), and
/// each image's class probabilities.
pub async fn gradient_at_batch(
    model: &Classifier,
    x: &Tensor<4>,
    classes: &[usize],
) -> Result<(Tensor<4>, Vec<Probabilities>), DeviceError> {
    let sets: Vec<Vec<usize>> = classes.iter().map(|&c| vec![c]).collect();
    gradient_of(&Ensemble::single(model), x, &sets, None, 0.0).await
}

/// The gradient with respect to the pixels `x` of each image's loss: the ensemble's mean
/// cross-entropy of the classes `classes[i]` (-log of their summed probability) on x (or on
/// its `transform`ed view, inside the graph), plus `tv` times the image's total variation
/// when `tv` > 0. Also each image's probabilities on what the models saw.
pub async fn gradient_of(
    ensemble: &Ensemble<'_>,
    x: &Tensor<4>,
    classes: &[Vec<usize>],
    transform: Option<&dyn Fn(Tensor<4>) -> Tensor<4>>,
    tv: f32,
) -> Result<(Tensor<4>, Vec<Probabilities>), DeviceError> {
    let n = classes.len();
    if n == 0 {
        return Err(DeviceError("an empty batch".into()));
    }
    let input = x.clone().autodiff().require_grad();
    let view = match transform {
        Some(t) => t(input.clone()),
        None => input.clone(),
    };
    let log_probs = ensemble.log_probs(view);
    let members = log_probs.len() as f32;
    let mut loss = if classes.iter().all(|c| c.len() == 1) {
        // One class each: its log-probability, picked by a one-hot product.
        let picks = class_mask(classes, &x.device());
        log_probs
            .iter()
            .map(|lp| (lp.clone() * picks.clone()).sum())
            .reduce(|a, b| a + b)
            .expect("an ensemble has a member")
    } else {
        // Several: log of their summed probability, a log-sum-exp over the set.
        let mask = class_mask(classes, &x.device());
        log_probs
            .iter()
            .map(|lp| {
                let top = (lp.clone() + (mask.clone() - 1.0).mul_scalar(1e4))
                    .max_dim(1)
                    .detach();
                let shifted = (lp.clone() - top.clone()).exp() * mask.clone();
                (shifted.sum_dim(1).log() + top).sum()
            })
            .reduce(|a, b| a + b)
            .expect("an ensemble has a member")
    }
    .neg();
    if members > 1.0 {
        loss = loss.div_scalar(members);
    }
    if tv > 0.0 {
        loss = loss + total_variation(input.clone()).mul_scalar(tv);
    }
    let grads = loss.backward();
    let gradient = input
        .grad(&grads)
        .ok_or_else(|| DeviceError("no gradient reached the input".into()))?;
    let probs = ensemble.read(log_probs, n).await?;
    Ok((gradient, probs))
}

/// Rows of weights [N, 1000]: 1 at each of the image's classes.
pub fn class_mask(classes: &[Vec<usize>], device: &Device) -> Tensor<2> {
    let k = crate::imagenet::NUM_CLASSES;
    let mut values = vec![0f32; classes.len() * k];
    for (i, set) in classes.iter().enumerate() {
        for &c in set {
            values[i * k + c] = 1.0;
        }
    }
    Tensor::from_data(TensorData::new(values, [classes.len(), k]), device)
}

/// Sum over the batch of each image's squared total variation, in 0..1 units:
/// sum of (x[h+1] - x[h])^2 + (x[w+1] - x[w])^2 over pixels and channels, / 255^2.
fn total_variation(x: Tensor<4>) -> Tensor<1> {
    let [n, c, h, w] = x.dims();
    let down =
        x.clone().slice([0..n, 0..c, 1..h, 0..w]) - x.clone().slice([0..n, 0..c, 0..h - 1, 0..w]);
    let right = x.clone().slice([0..n, 0..c, 0..h, 1..w]) - x.slice([0..n, 0..c, 0..h, 0..w - 1]);
    (down.square().sum() + right.square().sum()).div_scalar(255.0 * 255.0)
}

/// A loss each image climbs, computed from the ensemble's mean log-probabilities (whose
/// differences are the logits' differences), one value per image.
#[derive(Debug, Clone)]
pub enum Objective {
    /// The cross-entropy of each image's right classes together: -log of their summed
    /// probability.
    CrossEntropy(Vec<Vec<usize>>),
    /// Croce and Hein's targeted DLR loss: -(z_right - z_target) / (z_1 - (z_3 + z_4) / 2),
    /// with z_right the most likely right class and z_k the k-th largest logit.
    TargetedDlr {
        right: Vec<Vec<usize>>,
        targets: Vec<usize>,
    },
}

impl Objective {
    /// The same objective for the images `keep` (by row).
    pub fn keep(&self, keep: &[usize]) -> Self {
        let pick = |sets: &[Vec<usize>]| keep.iter().map(|&k| sets[k].clone()).collect();
        match self {
            Objective::CrossEntropy(right) => Objective::CrossEntropy(pick(right)),
            Objective::TargetedDlr { right, targets } => Objective::TargetedDlr {
                right: pick(right),
                targets: keep.iter().map(|&k| targets[k]).collect(),
            },
        }
    }

    /// Each image's value [N] from mean log-probabilities [N, 1000].
    fn value(&self, z: Tensor<2>) -> Tensor<1> {
        let device = z.device();
        let [n, _] = z.dims();
        match self {
            Objective::CrossEntropy(right) => {
                let mask = class_mask(right, &device);
                let normaliser = log_sum_exp(z.clone());
                let right = log_sum_exp(z + (mask - 1.0).mul_scalar(1e4));
                (normaliser - right).reshape([n])
            }
            Objective::TargetedDlr { right, targets } => {
                let mask = class_mask(right, &device);
                let target = class_mask(
                    &targets.iter().map(|&t| vec![t]).collect::<Vec<_>>(),
                    &device,
                );
                let z_right = (z.clone() + (mask - 1.0).mul_scalar(1e4)).max_dim(1);
                let z_target = (z.clone() * target).sum_dim(1);
                let top = z.topk(4, 1);
                let slice = |k: usize| top.clone().slice([0..n, k..k + 1]);
                let spread = slice(0) - (slice(2) + slice(3)).mul_scalar(0.5);
                ((z_right - z_target).neg() / spread.add_scalar(1e-12)).reshape([n])
            }
        }
    }
}

/// log(sum(exp(z))) along each row [N, C] -> [N, 1], shifted by the row's maximum.
fn log_sum_exp(z: Tensor<2>) -> Tensor<2> {
    let top = z.clone().max_dim(1).detach();
    (z - top.clone()).exp().sum_dim(1).log() + top
}

/// The gradient with respect to the pixels `x` of each image's `objective`, its value, and
/// each image's probabilities (all from one forward pass).
pub async fn gradient_of_objective(
    ensemble: &Ensemble<'_>,
    x: &Tensor<4>,
    objective: &Objective,
) -> Result<(Tensor<4>, Vec<f32>, Vec<Probabilities>), DeviceError> {
    let n = x.dims()[0];
    let input = x.clone().autodiff().require_grad();
    let log_probs = ensemble.log_probs(input.clone());
    let values = objective.value(Ensemble::mean(&log_probs));
    let grads = values.clone().sum().backward();
    let gradient = input
        .grad(&grads)
        .ok_or_else(|| DeviceError("no gradient reached the input".into()))?;
    let values = read_values(values.without_autodiff()).await?;
    let probs = ensemble.read(log_probs, n).await?;
    Ok((gradient, values, probs))
}
