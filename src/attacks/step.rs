//! The one loop every attack runs: gradient, step, project, record, stop or go on.
//!
//! What is shared lives here: checking the inputs, the goals, the per-step records with early
//! stop and cancel ([`Tracker`]), and the end, where the result is rounded to 8 bits and
//! classified again. The L-inf family (FGSM, I-FGSM, ILLC, targeted, PGD, MI-FGSM, DI-FGSM
//! and fooling images) steps along the gradient's sign here; C&W ([`super::cw`]) and DeepFool
//! ([`super::deepfool`]) bring their own update and use the same tracker and ending.

use burn::prelude::*;
use burn::tensor::Distribution;
use image::RgbImage;

use super::diversity::{Diversity, SplitMix64};
use super::ensemble::Ensemble;
use super::robust::Views;
use super::{
    AttackConfig, AttackError, AttackOutcome, Goal, Method, Resolution, Start, StepRecord, Truth,
};
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
            return Err(AttackError::BadLabel(l));
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
    if config.method == Method::Pgd && config.restarts > 1 {
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
        Method::CwL2 => super::cw::attack(&setup, &mut tracker).await?,
        Method::DeepFool => super::deepfool::attack(&setup, &mut tracker).await?,
        _ => sign_steps(&setup, &mut tracker).await?,
    };
    let (result, lattice_steps) = if config.refine > 0 && config.method.uses_eps() {
        refine_on_lattice(&setup, result).await?
    } else {
        (result, vec![0; setup.n])
    };
    let mut outcomes = setup.finish(result, tracker).await?;
    for (outcome, steps) in outcomes.iter_mut().zip(lattice_steps) {
        outcome.lattice_steps = steps;
    }
    Ok(outcomes)
}

/// The 8-bit lattice refinement. Rounding the last iterate to whole levels can undo an attack
/// that was just over the line. From the rounded image, each step moves every pixel by one
/// whole level along the gradient's sign, inside the eps-ball (whole levels: floor(eps)) and
/// [0, 255], so every iterate is itself an 8-bit image; an image stops at the first that
/// reaches its goal, after at most `config.refine` steps. Returns the result and each image's
/// step count.
async fn refine_on_lattice(
    setup: &Setup<'_>,
    result: Tensor<4>,
) -> Result<(Tensor<4>, Vec<usize>), AttackError> {
    let (n, device) = (setup.n, &setup.device);
    let (lower, upper) = setup.lattice_bounds();
    let mut x = setup.to_lattice(result);
    let mut steps = vec![0; n];
    let reached = |probs: &[Probabilities]| -> Vec<bool> {
        (0..n).map(|i| setup.reached(i, &probs[i])).collect()
    };
    // Most rounded results already reach their goal: a forward pass tells, without a gradient.
    if reached(&setup.ensemble.probabilities(x.clone()).await?)
        .iter()
        .all(|&r| r)
    {
        return Ok((x, steps));
    }
    let pursued = setup.pursued();
    for _ in 0..setup.config.refine {
        let (gradient, probs) = gradient_of(&setup.ensemble, &x, &pursued, None, 0.0).await?;
        let done = reached(&probs);
        if done.iter().all(|&d| d) {
            break;
        }
        let scale: Vec<f32> = (0..n)
            .map(|i| match (done[i], &setup.goals[i]) {
                (true, _) => 0.0,
                (false, Goal::Untargeted { .. }) => 1.0,
                (false, Goal::Targeted { .. }) => -1.0,
            })
            .collect();
        for (s, d) in steps.iter_mut().zip(&done) {
            *s += usize::from(!d);
        }
        let scale = Tensor::<1>::from_floats(scale.as_slice(), device).reshape([n, 1, 1, 1]);
        x = (x + gradient.sign() * scale)
            .max_pair(lower.clone())
            .min_pair(upper.clone());
    }
    Ok((x, steps))
}

/// PGD with restarts: each restart (seed, seed + 1, ...) attacks the images no earlier restart
/// fooled; each image keeps its first success, or else its strongest try.
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

/// What every attack starts from: the images as a tensor, the models' answers and the goals.
pub(super) struct Setup<'a> {
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
    async fn new(
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
                .map(|image| imaging::to_tensor(image, &device))
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
        let right = goals
            .iter()
            .zip(truths)
            .map(|(goal, truth)| {
                let mut classes = vec![goal.label()];
                if let Truth::Known { label, also } = truth {
                    for &c in std::iter::once(label).chain(also) {
                        if !classes.contains(&c) {
                            classes.push(c);
                        }
                    }
                }
                classes
            })
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

    /// Whether image `i` has reached its goal at an iterate with these probabilities (for a
    /// fooling image: the target with at least the threshold probability).
    pub fn reached(&self, i: usize, probs: &Probabilities) -> bool {
        let goal = &self.goals[i];
        if self.config.method == Method::Fooling {
            return goal
                .target()
                .is_some_and(|t| probs.prob(t) >= self.config.threshold);
        }
        let top = probs.top1().index;
        match goal {
            Goal::Untargeted { .. } => !self.right[i].contains(&top),
            Goal::Targeted { .. } => goal.reached_by(top),
        }
    }

    /// The 8-bit images inside the eps-ball: whole levels within floor(eps) of the original,
    /// and [0, 255] ([N, 3, S, S] each).
    fn lattice_bounds(&self) -> (Tensor<4>, Tensor<4>) {
        let eps = self.config.eps.floor();
        (
            self.original.clone().sub_scalar(eps).clamp_min(0.0),
            self.original.clone().add_scalar(eps).clamp_max(255.0),
        )
    }

    /// `x` rounded to whole levels and kept inside the eps-ball: a fractional eps must not let
    /// rounding go past it (orig + 2.5 would round to orig + 3).
    fn to_lattice(&self, x: Tensor<4>) -> Tensor<4> {
        let (lower, upper) = self.lattice_bounds();
        x.round().max_pair(lower).min_pair(upper)
    }

    /// The end of every attack: `result` [N, 3, S, S] is read back, rounded to 8 bits (inside
    /// the eps-ball for an L-inf attack) and classified again; that, the image a user can
    /// save, is what the outcome reports.
    async fn finish(
        self,
        result: Tensor<4>,
        tracker: Tracker<'_, impl Observer>,
    ) -> Result<Vec<AttackOutcome>, AttackError> {
        let (h, w) = (self.height, self.width);
        let result = if self.config.method.uses_eps() {
            self.to_lattice(result)
        } else {
            result
        };
        let values = read_values(result).await?;
        let adversarial: Vec<RgbImage> = values
            .chunks(3 * h * w)
            .map(|chw| imaging::from_chw(chw, w, h))
            .collect();
        let rounded = Tensor::cat(
            adversarial
                .iter()
                .map(|image| imaging::to_tensor(image, &self.device))
                .collect(),
            0,
        );
        let final_probs = self.ensemble.probabilities(rounded).await?;
        let Tracker {
            mut histories,
            steps_run,
            cancelled,
            ..
        } = tracker;
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
                distance: Distance::between(&self.images[i], &adversarial),
                original: self.images[i].clone(),
                adversarial,
                steps_run: steps_run[i],
                lattice_steps: 0,
                history,
                cancelled,
            });
        }
        Ok(outcomes)
    }
}

/// A fooling image's first iterate: grey, or 8-bit noise from the seed.
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

/// Keeps each image's records and step count, stops images that are done, and tells the
/// observer after every step.
pub(super) struct Tracker<'o, O: Observer> {
    observer: &'o mut O,
    pub histories: Vec<Vec<StepRecord>>,
    pub steps_run: Vec<usize>,
    /// Images still moving.
    pub active: Vec<bool>,
    pub cancelled: bool,
}

impl<'o, O: Observer> Tracker<'o, O> {
    fn new(n: usize, observer: &'o mut O) -> Self {
        Self {
            observer,
            histories: vec![Vec::new(); n],
            steps_run: vec![0; n],
            active: vec![true; n],
            cancelled: false,
        }
    }

    /// Records step `step` of every moving image; with `stop`, an image that `done` says has
    /// reached its goal stops here (this iterate is its result). Returns every image's record.
    pub fn record(
        &mut self,
        setup: &Setup,
        step: usize,
        probs: &[Probabilities],
        stop: bool,
    ) -> Vec<StepRecord> {
        let records: Vec<StepRecord> = (0..setup.n)
            .map(|i| setup.record(i, step, &probs[i]))
            .collect();
        for i in 0..setup.n {
            if !self.active[i] {
                continue;
            }
            self.histories[i].push(records[i]);
            if stop && setup.reached(i, &probs[i]) {
                self.active[i] = false;
            }
        }
        records
    }

    /// Whether any image still moves.
    pub fn any_active(&self) -> bool {
        self.active.contains(&true)
    }

    /// After a step moved the active images to `iterate`: counts it and asks the observer.
    /// Returns false when the user cancelled.
    pub async fn moved(&mut self, records: &[StepRecord], iterate: &Tensor<4>) -> bool {
        for (run, _) in self
            .steps_run
            .iter_mut()
            .zip(&self.active)
            .filter(|(_, a)| **a)
        {
            *run += 1;
        }
        if self.observer.on_step(records, iterate).await == Flow::Cancel {
            self.cancelled = true;
        }
        !self.cancelled
    }
}

/// The L-inf family: steps of alpha along the sign of the gradient (or of MI-FGSM's momentum),
/// projected onto the eps-ball and onto [0, 255]. A fooling image has no ball: only [0, 255].
async fn sign_steps(
    setup: &Setup<'_>,
    tracker: &mut Tracker<'_, impl Observer>,
) -> Result<Tensor<4>, AttackError> {
    let (config, n, device) = (setup.config, setup.n, &setup.device);
    let (h, w) = (setup.height, setup.width);
    let original = &setup.original;
    let eps = if config.method.uses_eps() {
        config.eps
    } else {
        255.0
    };
    let alpha = config.alpha();
    let lower = original.clone().sub_scalar(eps).clamp_min(0.0);
    let upper = original.clone().add_scalar(eps).clamp_max(255.0);
    let project = |x: Tensor<4>| x.max_pair(lower.clone()).min_pair(upper.clone());
    let direction_sign = |goal: &Goal| match goal {
        Goal::Untargeted { .. } => 1.0f32,
        Goal::Targeted { .. } => -1.0f32,
    };

    let mut x = if config.method == Method::Pgd && eps > 0.0 {
        // The same random start for every image, as when each is attacked alone.
        let noise = (0..n)
            .map(|_| {
                device.seed(config.seed);
                Tensor::<4>::random(
                    [1, 3, h, w],
                    Distribution::Uniform(-eps as f64, eps as f64),
                    device,
                )
            })
            .collect();
        project(original.clone() + Tensor::cat(noise, 0))
    } else {
        original.clone()
    };
    let mut diversity =
        (config.method == Method::DiFgsm).then(|| Diversity::new(config.seed, config.diversity, w));
    let tv = if config.method == Method::Fooling {
        config.tv
    } else {
        0.0
    };
    // A fooling image always stops at its threshold.
    let stop = config.early_stop || config.method == Method::Fooling;
    let mut velocity: Option<Tensor<4>> = None;

    let mut views = (config.eot > 0).then(|| Views::new(config.seed, w));
    let pursued = setup.pursued();
    for step in 0..config.steps() {
        let transform = diversity.as_mut().and_then(Diversity::next_transform);
        let shrink_and_pad = transform.map(|t| move |p: Tensor<4>| t.apply(p));
        let (mut gradient, mut probs) = gradient_of(
            &setup.ensemble,
            &x,
            &pursued,
            shrink_and_pad
                .as_ref()
                .map(|f| f as &dyn Fn(Tensor<4>) -> Tensor<4>),
            tv,
        )
        .await?;
        if let Some(views) = views.as_mut() {
            // EOT: the mean gradient over random views (the image itself is the first).
            for _ in 1..config.eot {
                let view = views.next_view();
                let apply = move |p: Tensor<4>| view.apply(p);
                let (g, _) = gradient_of(&setup.ensemble, &x, &pursued, Some(&apply), tv).await?;
                gradient = gradient + g;
            }
        }
        if transform.is_some() {
            // The records are of the iterate itself, not of its transformed view.
            probs = setup.ensemble.probabilities(x.clone()).await?;
        }
        let records = tracker.record(setup, step, &probs, stop && step > 0);
        if !tracker.any_active() {
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
                if tracker.active[i] {
                    alpha * direction_sign(&setup.goals[i])
                } else {
                    0.0
                }
            })
            .collect();
        let scale = Tensor::<1>::from_floats(scale.as_slice(), device).reshape([n, 1, 1, 1]);
        x = project(x + direction * scale);
        if !tracker.moved(&records, &x).await {
            break;
        }
    }
    Ok(x)
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
    let sets: Vec<Vec<usize>> = classes.iter().map(|&c| vec![c]).collect();
    gradient_of(&Ensemble::single(model), x, &sets, None, 0.0).await
}

/// The gradient with respect to the pixels `x` of each image's loss: the ensemble's mean
/// cross-entropy of the classes `classes[i]` (-log of their summed probability) on x (or on
/// its `transform`ed view, inside the graph), plus `tv` times the image's total variation
/// when `tv` > 0. Also each image's probabilities on what the models saw.
async fn gradient_of(
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
    let probs = ensemble
        .read(
            log_probs
                .into_iter()
                .map(|lp| lp.without_autodiff())
                .collect(),
            n,
        )
        .await?;
    Ok((gradient, probs))
}

/// Rows of weights [N, 1000]: 1 at each of the image's classes.
pub(super) fn class_mask(classes: &[Vec<usize>], device: &Device) -> Tensor<2> {
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
