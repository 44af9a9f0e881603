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
/// `on_step` is also where the worker gets its event loop back between steps.
pub trait Observer {
    /// Called after each step with one record per image of the batch (measured on the iterate
    /// the step's gradient was taken at) and the new iterate (unrounded pixels [N, 3, H, W]).
    fn on_step(
        &mut self,
        records: &[StepRecord],
        iterate: &Tensor<4>,
    ) -> impl Future<Output = Flow>;
}

/// An observer that watches nothing.
pub struct NoObserver;

impl Observer for NoObserver {
    async fn on_step(&mut self, _: &[StepRecord], _: &Tensor<4>) -> Flow {
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
    config.validate()?;
    assert_eq!(images.len(), truths.len(), "one truth per image");
    if images.is_empty() {
        return Ok(Vec::new());
    }
    let size = model.input_size();
    for image in images {
        if image.dimensions() != (size as u32, size as u32) {
            return Err(AttackError::Size {
                got: image.width(),
                got2: image.height(),
                need: size,
                model: model.id().display_name(),
            });
        }
    }
    for truth in truths {
        if let Some(l) = truth
            .known_label()
            .filter(|&l| l >= crate::imagenet::NUM_CLASSES)
        {
            return Err(AttackError::BadLabel(l));
        }
    }
    let n = images.len();
    let device = model.device().clone();
    let original = Tensor::cat(
        images
            .iter()
            .map(|image| imaging::to_tensor(image, &device))
            .collect(),
        0,
    );
    let original_probs = model.probabilities(original.clone()).await?;
    let goals: Vec<Goal> = original_probs
        .iter()
        .zip(truths)
        .map(|(probs, truth)| {
            let label = truth.attack_label(probs.top1().index);
            match (config.method, config.target) {
                (Method::LeastLikely, _) => Goal::Targeted {
                    label,
                    target: probs.least_likely().index,
                },
                (_, Some(target)) if config.method.accepts_target() => {
                    Goal::Targeted { label, target }
                }
                _ => Goal::Untargeted { label },
            }
        })
        .collect();
    // Untargeted attacks climb the loss of the true class; targeted ones descend the target's.
    let followed: Vec<usize> = goals
        .iter()
        .map(|goal| match *goal {
            Goal::Untargeted { label } => label,
            Goal::Targeted { target, .. } => target,
        })
        .collect();
    let direction_sign = |goal: &Goal| match goal {
        Goal::Untargeted { .. } => 1.0f32,
        Goal::Targeted { .. } => -1.0f32,
    };

    let eps = config.eps;
    let alpha = config.alpha();
    let lower = original.clone().sub_scalar(eps).clamp_min(0.0);
    let upper = original.clone().add_scalar(eps).clamp_max(255.0);
    let project = |x: Tensor<4>| x.max_pair(lower.clone()).min_pair(upper.clone());

    let mut x = if config.method == Method::Pgd && eps > 0.0 {
        // The same random start for every image, as when each is attacked alone.
        let noise = (0..n)
            .map(|_| {
                device.seed(config.seed);
                Tensor::<4>::random(
                    [1, 3, size, size],
                    Distribution::Uniform(-eps as f64, eps as f64),
                    &device,
                )
            })
            .collect();
        project(original.clone() + Tensor::cat(noise, 0))
    } else {
        original.clone()
    };
    let mut velocity: Option<Tensor<4>> = None;
    let mut histories: Vec<Vec<StepRecord>> = vec![Vec::new(); n];
    let mut steps_run = vec![0usize; n];
    let mut active = vec![true; n];
    let mut cancelled = false;

    for step in 0..config.steps() {
        let (gradient, probs) = gradient_at_batch(model, &x, &followed).await?;
        let records: Vec<StepRecord> = (0..n)
            .map(|i| record(step, &probs[i], followed[i], &goals[i]))
            .collect();
        for i in 0..n {
            if !active[i] {
                continue;
            }
            histories[i].push(records[i]);
            if config.early_stop && step > 0 && goals[i].reached_by(records[i].top1.index) {
                // This iterate is the image's result.
                active[i] = false;
            }
        }
        if !active.contains(&true) {
            break;
        }
        let direction = match config.method {
            Method::MiFgsm => {
                // g <- mu g + grad / ||grad||_1 (per image), step along sign(g).
                let l1 = gradient
                    .clone()
                    .abs()
                    .sum_dim(3)
                    .sum_dim(2)
                    .sum_dim(1)
                    .add_scalar(1e-12);
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
        // Each image's step: alpha along its own direction, nothing for finished images.
        let scale: Vec<f32> = (0..n)
            .map(|i| {
                if active[i] {
                    alpha * direction_sign(&goals[i])
                } else {
                    0.0
                }
            })
            .collect();
        let scale = Tensor::<1>::from_floats(scale.as_slice(), &device).reshape([n, 1, 1, 1]);
        x = project(x + direction * scale);
        for i in (0..n).filter(|&i| active[i]) {
            steps_run[i] += 1;
        }
        if observer.on_step(&records, &x).await == Flow::Cancel {
            cancelled = true;
            break;
        }
    }

    // The truth is the rounded image: read back, round to 8 bits, classify again.
    let values = read_values(x).await?;
    let plane = 3 * size * size;
    let adversarial: Vec<RgbImage> = values
        .chunks(plane)
        .map(|chw| imaging::from_chw(chw, size, size))
        .collect();
    let rounded = Tensor::cat(
        adversarial
            .iter()
            .map(|image| imaging::to_tensor(image, &device))
            .collect(),
        0,
    );
    let final_probs = model.probabilities(rounded).await?;
    let mut outcomes = Vec::with_capacity(n);
    for (i, adversarial) in adversarial.into_iter().enumerate() {
        let (goal, probs) = (goals[i], &final_probs[i]);
        let mut history = std::mem::take(&mut histories[i]);
        history.push(record(steps_run[i], probs, followed[i], &goal));
        outcomes.push(AttackOutcome {
            config: config.clone(),
            truth: truths[i].clone(),
            goal,
            original: images[i].clone(),
            original_prediction: original_probs[i].top1(),
            adversarial_prediction: probs.top1(),
            adversarial_top: probs.top(5),
            adversarial_true_prob: probs.prob(goal.label()),
            adversarial_target_prob: goal.target().map(|t| probs.prob(t)),
            distance: Distance::between(&images[i], &adversarial),
            adversarial,
            steps_run: steps_run[i],
            history,
            cancelled,
        });
    }
    Ok(outcomes)
}

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
    let input = x.clone().autodiff().require_grad();
    let log_probs = log_softmax(model.logits(input.clone()), 1);
    let loss = classes
        .iter()
        .enumerate()
        .map(|(i, &c)| log_probs.clone().slice([i..i + 1, c..c + 1]).sum())
        .reduce(|a, b| a + b)
        .ok_or_else(|| DeviceError("an empty batch".into()))?
        .neg();
    let grads = loss.backward();
    let gradient = input
        .grad(&grads)
        .ok_or_else(|| DeviceError("no gradient reached the input".into()))?;
    let values = read_values(log_probs.without_autodiff()).await?;
    let classes_per_image = values.len() / classes.len();
    let probs = values
        .chunks(classes_per_image)
        .map(|c| Probabilities::from_log_probs(c.to_vec()))
        .collect();
    Ok((gradient, probs))
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
