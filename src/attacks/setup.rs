//! What every attack starts from and how it ends: the images as a tensor, each model's answer
//! and each image's goal; at the end, the result rounded to 8 bits and classified again.

use burn::prelude::*;
use image::RgbImage;

use super::ensemble::Ensemble;
use super::random::SplitMix64;
use super::{AttackConfig, AttackError, AttackOutcome, Goal, Method, Start, StepRecord, Truth};
use crate::backend::read_values;
use crate::imaging;
use crate::metrics::Distance;
use crate::models::to_tensor;
use crate::prediction::Probabilities;

/// What a run recorded of each image, which its end reports.
pub struct Progress {
    pub histories: Vec<Vec<StepRecord>>,
    pub steps_run: Vec<usize>,
    pub cancelled: bool,
    /// Score-based attacks: each image's queries.
    pub queries: Vec<Option<usize>>,
}

/// What every attack starts from: the images as a tensor, the models' answers and the goals.
pub struct Setup<'a> {
    /// The models, seeing the pixels through the preprocessing the resolution asks for.
    pub ensemble: Ensemble<'a>,
    pub config: &'a AttackConfig,
    pub truths: &'a [Truth],
    /// The images attacked (for a fooling image: its grey or noise start).
    pub images: Vec<RgbImage>,
    /// The same, [N, 3, S, S].
    pub original: Tensor<4>,
    pub original_probs: Vec<Probabilities>,
    pub goals: Vec<Goal>,
    /// The class whose loss each image's steps follow (true class, or target).
    pub followed: Vec<usize>,
    /// Each image's right classes: its goal's label and every class its truth accepts. An
    /// untargeted attack succeeds only outside them (the one rule, [`super::Verdict`]).
    pub right: Vec<Vec<usize>>,
    pub n: usize,
    /// The images' size: the model's input, or the photo's at full resolution.
    pub height: usize,
    pub width: usize,
    pub device: Device,
}

impl<'a> Setup<'a> {
    pub async fn new(
        ensemble: &Ensemble<'a>,
        images: &[RgbImage],
        truths: &'a [Truth],
        config: &'a AttackConfig,
    ) -> Result<Self, AttackError> {
        let n = images.len();
        let size = ensemble.input_size();
        let device = ensemble.device().clone();
        let images: Vec<RgbImage> = if config.method == Method::Fooling {
            (0..n).map(|_| fooling_start(config, size)).collect()
        } else {
            images.to_vec()
        };
        let (width, height) = images[0].dimensions();
        let (width, height) = (width as usize, height as usize);
        // A photo at full resolution reaches each model as `classify` sees a photo.
        let ensemble = ensemble
            .clone()
            .with_preprocess(config.resolution.preprocess());
        let original = Tensor::cat(
            images
                .iter()
                .map(|image| to_tensor(image, &device))
                .collect(),
            0,
        );
        let original_probs = ensemble.probabilities(original.clone()).await?;
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
        let followed = goals
            .iter()
            .map(|goal| match *goal {
                Goal::Untargeted { label } => label,
                Goal::Targeted { target, .. } => target,
            })
            .collect();
        let right = original_probs
            .iter()
            .zip(truths)
            .map(|(probs, truth)| truth.right_classes(probs.top1().index))
            .collect();
        Ok(Self {
            ensemble,
            config,
            truths,
            right,
            images,
            original,
            original_probs,
            goals,
            followed,
            n,
            height,
            width,
            device,
        })
    }

    /// The classes each image's loss is about: the target, or every right class (an
    /// untargeted attack climbs the loss of all of them together).
    pub fn pursued(&self) -> Vec<Vec<usize>> {
        self.goals
            .iter()
            .zip(&self.right)
            .map(|(goal, right)| match goal {
                Goal::Targeted { target, .. } => vec![*target],
                Goal::Untargeted { .. } => right.clone(),
            })
            .collect()
    }

    /// The record of image `i` at step `step`, from its probabilities there.
    pub fn record(&self, i: usize, step: usize, probs: &Probabilities) -> StepRecord {
        let goal = &self.goals[i];
        StepRecord {
            step,
            loss: probs.cross_entropy(self.followed[i]),
            true_prob: probs.prob(goal.label()),
            target_prob: goal.target().map(|t| probs.prob(t)),
            top1: probs.top1(),
        }
    }

    /// Whether image `i` has reached its goal at an iterate with these probabilities: the
    /// one rule ([`Goal::reached`]). A fooling image, which has no photo to be right about,
    /// stops when its target's probability reaches the threshold.
    pub fn reached(&self, i: usize, probs: &Probabilities) -> bool {
        let goal = &self.goals[i];
        if self.config.method == Method::Fooling {
            return goal
                .target()
                .is_some_and(|t| probs.prob(t) >= self.config.threshold);
        }
        let original = self.original_probs[i].top1().index;
        goal.reached(&self.truths[i], original, probs.top1().index)
    }

    /// The eps-ball inside [0, 255] ([N, 3, S, S] each); no bound for a method without eps.
    pub fn ball(&self) -> (Tensor<4>, Tensor<4>) {
        let eps = if self.config.method.uses_eps() {
            self.config.eps
        } else {
            255.0
        };
        (
            self.original.clone().sub_scalar(eps).clamp_min(0.0),
            self.original.clone().add_scalar(eps).clamp_max(255.0),
        )
    }

    /// How far image `i`'s result lies from its original: of the rounded image; without
    /// `eight_bit`, its L-inf and L2 of the unrounded values `values` ([N, 3, H, W] flat),
    /// which were judged.
    fn distance(&self, i: usize, rounded: &RgbImage, values: &[f32]) -> Distance {
        let mut distance = Distance::between(&self.images[i], rounded);
        if !self.config.eight_bit {
            let plane = 3 * self.height * self.width;
            let original = imaging::to_chw(&self.images[i]);
            let (mut linf, mut sq) = (0f32, 0f64);
            for (a, b) in values[i * plane..(i + 1) * plane].iter().zip(&original) {
                let d = (a - b).abs();
                linf = linf.max(d);
                sq += (d as f64) * (d as f64);
            }
            distance.linf = linf;
            distance.l2 = sq.sqrt() as f32;
        }
        distance
    }

    /// The 8-bit images inside the eps-ball: whole levels within floor(eps) of the original,
    /// and [0, 255] ([N, 3, S, S] each).
    pub fn lattice_bounds(&self) -> (Tensor<4>, Tensor<4>) {
        let eps = self.config.eps.floor();
        (
            self.original.clone().sub_scalar(eps).clamp_min(0.0),
            self.original.clone().add_scalar(eps).clamp_max(255.0),
        )
    }

    /// `x` rounded to whole levels and kept inside the eps-ball: a fractional eps must not let
    /// rounding go past it (orig + 2.5 would round to orig + 3).
    pub fn to_lattice(&self, x: Tensor<4>) -> Tensor<4> {
        let (lower, upper) = self.lattice_bounds();
        x.round().max_pair(lower).min_pair(upper)
    }

    /// The end of every attack: `result` [N, 3, S, S] is read back, rounded to 8 bits (inside
    /// the eps-ball for an L-inf attack) and classified again; that, the image a user can
    /// save, is what the outcome reports. Without `eight_bit`, the unrounded result (inside
    /// the ball and [0, 255]) is what is classified, as robustness benchmarks judge it.
    pub async fn finish(
        self,
        result: Tensor<4>,
        progress: Progress,
    ) -> Result<Vec<AttackOutcome>, AttackError> {
        let (h, w) = (self.height, self.width);
        let judged = if !self.config.eight_bit {
            let (lower, upper) = self.ball();
            result.max_pair(lower).min_pair(upper)
        } else if self.config.method.uses_eps() {
            self.to_lattice(result)
        } else {
            result
        };
        let values = read_values(judged.clone()).await?;
        let adversarial: Vec<RgbImage> = values
            .chunks(3 * h * w)
            .map(|chw| imaging::from_chw(chw, w, h))
            .collect();
        let judged = if self.config.eight_bit {
            Tensor::cat(
                adversarial
                    .iter()
                    .map(|image| to_tensor(image, &self.device))
                    .collect(),
                0,
            )
        } else {
            judged
        };
        let final_probs = self.ensemble.probabilities(judged).await?;
        let Progress {
            mut histories,
            steps_run,
            cancelled,
            queries,
        } = progress;
        let mut outcomes = Vec::with_capacity(self.n);
        for (i, adversarial) in adversarial.into_iter().enumerate() {
            let (goal, probs) = (self.goals[i], &final_probs[i]);
            let mut history = std::mem::take(&mut histories[i]);
            history.push(self.record(i, steps_run[i], probs));
            outcomes.push(AttackOutcome {
                config: self.config.clone(),
                truth: self.truths[i].clone(),
                goal,
                original_prediction: self.original_probs[i].top1(),
                adversarial_prediction: probs.top1(),
                adversarial_top: probs.top(5),
                adversarial_true_prob: probs.prob(goal.label()),
                adversarial_target_prob: goal.target().map(|t| probs.prob(t)),
                distance: self.distance(i, &adversarial, &values),
                original: self.images[i].clone(),
                adversarial,
                steps_run: steps_run[i],
                lattice_steps: 0,
                history,
                cancelled,
                queries: queries[i],
            });
        }
        Ok(outcomes)
    }
}

/// A fooling image's first iterate: grey, or 8-bit noise from the attack's seed.
fn fooling_start(config: &AttackConfig, size: usize) -> RgbImage {
    match config.start {
        Start::Grey => RgbImage::from_pixel(size as u32, size as u32, image::Rgb([128; 3])),
        Start::Noise => {
            let mut rng = SplitMix64(config.seed);
            RgbImage::from_fn(size as u32, size as u32, |_, _| {
                let v = rng.next_u64();
                image::Rgb([v as u8, (v >> 8) as u8, (v >> 16) as u8])
            })
        }
    }
}
