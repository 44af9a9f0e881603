//! The one loop every attack runs: gradient, step, project, record, stop or go on.

use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::log_softmax;
use image::RgbImage;

use super::{AttackConfig, AttackError, AttackOutcome, Goal, Method, StepRecord, Truth};
use crate::imaging;
use crate::metrics::Distance;
use crate::models::Classifier;
use crate::prediction::{DeviceError, Probabilities, read_values};

/// Whether the attack goes on after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Stop now (the user pressed Cancel): the current iterate becomes the result.
    Cancel,
}

/// Watches an attack as it runs: a progress bar, a live chart, a cancel button. In the browser
/// `on_step` is also where the page gets the event loop back between steps.
pub trait Observer {
    /// Called after each step with its record and the new iterate (unrounded pixels
    /// [1, 3, H, W]).
    fn on_step(&mut self, record: &StepRecord, iterate: &Tensor<4>) -> impl Future<Output = Flow>;
}

/// An observer that watches nothing.
pub struct NoObserver;

impl Observer for NoObserver {
    async fn on_step(&mut self, _: &StepRecord, _: &Tensor<4>) -> Flow {
        Flow::Continue
    }
}

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
    config.validate()?;
    let size = model.input_size();
    if image.dimensions() != (size as u32, size as u32) {
        return Err(AttackError::Size {
            got: image.width(),
            got2: image.height(),
            need: size,
            model: model.id().display_name(),
        });
    }
    if let Some(l) = truth
        .known_label()
        .filter(|&l| l >= crate::imagenet::NUM_CLASSES)
    {
        return Err(AttackError::BadLabel(l));
    }
    let device = model.device().clone();
    let original = imaging::to_tensor(image, &device);
    let original_probs = model.probabilities(original.clone()).await?.remove(0);
    let label = truth.attack_label(original_probs.top1().index);
    let goal = match (config.method, config.target) {
        (Method::LeastLikely, _) => Goal::Targeted {
            label,
            target: original_probs.least_likely().index,
        },
        (_, Some(target)) if config.method.accepts_target() => Goal::Targeted { label, target },
        _ => Goal::Untargeted { label },
    };
    // Untargeted attacks climb the loss of the true class; targeted ones descend the target's.
    let (followed, direction_sign) = match goal {
        Goal::Untargeted { label } => (label, 1.0f32),
        Goal::Targeted { target, .. } => (target, -1.0f32),
    };

    let eps = config.eps;
    let alpha = config.alpha();
    let lower = original.clone().sub_scalar(eps).clamp_min(0.0);
    let upper = original.clone().add_scalar(eps).clamp_max(255.0);
    let project = |x: Tensor<4>| x.max_pair(lower.clone()).min_pair(upper.clone());

    let mut x = if config.method == Method::Pgd && eps > 0.0 {
        device.seed(config.seed);
        let noise = Tensor::<4>::random(
            original.dims(),
            Distribution::Uniform(-eps as f64, eps as f64),
            &device,
        );
        project(original.clone() + noise)
    } else {
        original.clone()
    };
    let mut velocity: Option<Tensor<4>> = None;
    let mut history = Vec::new();
    let mut steps_run = 0;
    let mut cancelled = false;

    for step in 0..config.steps() {
        let (gradient, probs) = gradient_at(model, &x, followed).await?;
        let record = record(step, &probs, followed, &goal);
        history.push(record);
        if config.early_stop && step > 0 && goal.reached_by(record.top1.index) {
            break;
        }
        let direction = match config.method {
            Method::MiFgsm => {
                // g <- mu g + grad / ||grad||_1 (per image), step along sign(g).
                let l1 = gradient
                    .clone()
                    .abs()
                    .sum()
                    .add_scalar(1e-12)
                    .reshape([1, 1, 1, 1]);
                let g = gradient / l1;
                let g = match velocity.take() {
                    Some(v) => v.mul_scalar(config.momentum) + g,
                    None => g,
                };
                velocity = Some(g.clone());
                g.sign()
            }
            _ => gradient.sign(),
        };
        x = project(x + direction.mul_scalar(alpha * direction_sign));
        steps_run += 1;
        if observer.on_step(&record, &x).await == Flow::Cancel {
            cancelled = true;
            break;
        }
    }

    // The truth is the rounded image: read back, round to 8 bits, classify again.
    let [_, _, h, w] = x.dims();
    let values = read_values(x).await?;
    let adversarial = imaging::from_chw(&values, w, h);
    let final_probs = model.classify(&adversarial).await?;
    history.push(self::record(steps_run, &final_probs, followed, &goal));
    let distance = Distance::between(image, &adversarial);
    Ok(AttackOutcome {
        config: config.clone(),
        truth: truth.clone(),
        goal,
        original: image.clone(),
        original_prediction: original_probs.top1(),
        adversarial_prediction: final_probs.top1(),
        adversarial_top: final_probs.top(5),
        adversarial_true_prob: final_probs.prob(goal.label()),
        adversarial_target_prob: goal.target().map(|t| final_probs.prob(t)),
        adversarial,
        steps_run,
        history,
        cancelled,
        distance,
    })
}

/// Gradient of the cross-entropy of class `class` with respect to the pixels `x`, and the
/// class probabilities at `x` (from the same forward pass).
pub async fn gradient_at(
    model: &Classifier,
    x: &Tensor<4>,
    class: usize,
) -> Result<(Tensor<4>, Probabilities), DeviceError> {
    let input = x.clone().autodiff().require_grad();
    let log_probs = log_softmax(model.logits(input.clone()), 1);
    let loss = log_probs
        .clone()
        .slice([0..1, class..class + 1])
        .sum()
        .neg();
    let grads = loss.backward();
    let gradient = input
        .grad(&grads)
        .ok_or_else(|| DeviceError("no gradient reached the input".into()))?;
    let log_probs = read_values(log_probs.without_autodiff()).await?;
    Ok((gradient, Probabilities::from_log_probs(log_probs)))
}

fn record(step: usize, probs: &Probabilities, followed: usize, goal: &Goal) -> StepRecord {
    StepRecord {
        step,
        loss: probs.cross_entropy(followed),
        true_prob: probs.prob(goal.label()),
        target_prob: goal.target().map(|t| probs.prob(t)),
        top1: probs.top1(),
    }
}
