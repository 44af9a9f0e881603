//! APGD (Croce and Hein 2020, "Reliable evaluation of adversarial robustness with an ensemble of
//! diverse parameter-free attacks"): PGD without a step size to tune. The step starts at 2 eps
//! and is halved at checkpoints where the loss stopped climbing, the iterate then restarting
//! from the best point found; each step mixes the sign step with the previous move (momentum
//! 0.75). APGD-CE climbs the cross-entropy of the right classes; APGD-T the targeted DLR loss
//! towards each of the photo's next most likely classes in turn (9 by default), on the images
//! still standing. Both succeed when the top-1 leaves every right class (the one rule).
//!
//! As the reference implementation (fra31/auto-attack, `autopgd_base.py`): checkpoints after
//! 22%, then steps shrinking by 3% of the budget down to 6%; the halving test counts the steps
//! whose loss rose since the last checkpoint (at most 75% of them: halve) or sees that the best
//! loss did not improve; the random start puts the largest coordinate at eps. An image stops at
//! its first success (the reference runs every step but returns the same verdict); its result
//! is that iterate, else the iterate of highest loss.

use burn::prelude::*;

use super::gradient::{Objective, gradient_of_objective};
use super::observer::Observer;
use super::random;
use super::setup::Setup;
use super::tracker::Tracker;
use super::{AttackError, Method};
use crate::prediction::Probabilities;

/// The fraction of steps whose loss must have risen since the last checkpoint (rho).
const RHO: f32 = 0.75;
/// The momentum of APGD's steps.
const MOMENTUM: f32 = 0.75;

/// The checkpoints of a run of `steps` steps: after how many completed steps the step size is
/// checked (p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06)).
pub fn checkpoints(steps: usize) -> Vec<usize> {
    let first = ((0.22 * steps as f64) as usize).max(1);
    let least = ((0.06 * steps as f64) as usize).max(1);
    let shrink = ((0.03 * steps as f64) as usize).max(1);
    let mut points = Vec::new();
    let (mut at, mut length) = (0, first);
    while at + length <= steps {
        at += length;
        points.push(at);
        length = length.saturating_sub(shrink).max(least);
    }
    points
}

pub async fn attack(
    setup: &Setup<'_>,
    tracker: &mut Tracker<'_, impl Observer>,
) -> Result<Tensor<4>, AttackError> {
    let (config, n) = (setup.config, setup.n);
    // Each image's result: its first success, else its best try; the photo until then.
    let mut result = setup.original.clone();
    let mut done = vec![false; n];
    let passes: Vec<Option<usize>> = match config.method {
        Method::ApgdT => (0..config.targets).map(Some).collect(),
        _ => vec![None],
    };
    let mut last_probs = setup.original_probs.clone();
    for target_rank in passes {
        let images: Vec<usize> = (0..n).filter(|&i| !done[i]).collect();
        if images.is_empty() || tracker.cancelled() {
            break;
        }
        let objective = match target_rank {
            None => {
                Objective::CrossEntropy(images.iter().map(|&i| setup.right[i].clone()).collect())
            }
            Some(rank) => Objective::TargetedDlr {
                right: images.iter().map(|&i| setup.right[i].clone()).collect(),
                targets: images
                    .iter()
                    .map(|&i| runner_up(&setup.original_probs[i], &setup.right[i], rank))
                    .collect(),
            },
        };
        let mut run = Run::start(setup, &images, objective).await?;
        // The random start may already reach the goal.
        let mut fooled = run.fooled(setup, &run.probs);
        for step in 0..=config.steps() {
            if step > 0 {
                fooled = run.step(setup, step - 1).await?;
                for (k, &i) in run.images.iter().enumerate() {
                    last_probs[i] = run.probs[k].clone();
                }
            }
            // An image that reaches its goal keeps that iterate and leaves the run.
            let fooled_images: Vec<usize> = fooled.iter().map(|&k| run.images[k]).collect();
            if !fooled_images.is_empty() {
                result = place(result, &run.x, &fooled, &fooled_images);
                for &i in &fooled_images {
                    done[i] = true;
                }
                run.keep_only(&fooled);
            }
            if step == 0 {
                continue;
            }
            let records = tracker.record(setup, &last_probs, false);
            let go_on = tracker.moved(&records, &result).await;
            for &i in &fooled_images {
                tracker.active[i] = false;
            }
            if !go_on || run.images.is_empty() {
                break;
            }
        }
        // The images still standing keep the best iterate of this pass.
        let rows: Vec<usize> = (0..run.images.len()).collect();
        result = place(result, &run.x_best, &rows, &run.images);
    }
    Ok(result)
}

/// The class of rank `rank` (0: the most likely) among the photo's classes that are not right.
fn runner_up(probs: &Probabilities, right: &[usize], rank: usize) -> usize {
    probs
        .top(rank + 1 + right.len())
        .into_iter()
        .map(|p| p.index)
        .filter(|c| !right.contains(c))
        .nth(rank)
        .expect("1000 classes")
}

/// `into` with rows `images` replaced by rows `rows` of `from`.
fn place(into: Tensor<4>, from: &Tensor<4>, rows: &[usize], images: &[usize]) -> Tensor<4> {
    let device = into.device();
    let mut into = into;
    for (&r, &i) in rows.iter().zip(images) {
        let [_, c, h, w] = into.dims();
        let row = from.clone().slice([r..r + 1, 0..c, 0..h, 0..w]);
        into = into.slice_assign([i..i + 1, 0..c, 0..h, 0..w], row);
    }
    let _ = device;
    into
}

/// One APGD pass over some images of the batch (the rows of its tensors).
struct Run {
    /// The batch images in this pass, by row.
    images: Vec<usize>,
    objective: Objective,
    lower: Tensor<4>,
    upper: Tensor<4>,
    x: Tensor<4>,
    x_prev: Tensor<4>,
    gradient: Tensor<4>,
    x_best: Tensor<4>,
    gradient_best: Tensor<4>,
    loss_best: Vec<f32>,
    /// Step size per row, in pixel units.
    eta: Vec<f32>,
    /// The loss after each step, per row.
    losses: Vec<Vec<f32>>,
    reduced_last_check: Vec<bool>,
    loss_best_last_check: Vec<f32>,
    probs: Vec<Probabilities>,
    checkpoints: Vec<usize>,
}

impl Run {
    /// The random start (the largest coordinate at eps, in [0, 255]) and its gradient.
    async fn start(
        setup: &Setup<'_>,
        images: &[usize],
        objective: Objective,
    ) -> Result<Self, AttackError> {
        let (config, device) = (setup.config, &setup.device);
        let (h, w, m) = (setup.height, setup.width, images.len());
        let eps = config.eps;
        let rows = |t: &Tensor<4>| select(t, images);
        let x0 = rows(&setup.original);
        let (lower, upper) = setup.ball();
        let (lower, upper) = (rows(&lower), rows(&upper));
        // The same start for every image, as when each is attacked alone.
        let noise = random::uniform([1, 3, h, w], -1.0, 1.0, config.seed, device);
        let largest = noise.clone().abs().max().add_scalar(1e-12);
        let noise = noise.div(largest.reshape([1, 1, 1, 1])).mul_scalar(eps);
        let x = (x0 + noise.repeat_dim(0, m)).clamp(0.0, 255.0);
        let (gradient, loss, probs) =
            gradient_of_objective(&setup.ensemble, &x, &objective).await?;
        Ok(Self {
            images: images.to_vec(),
            objective,
            lower,
            upper,
            x_prev: x.clone(),
            x_best: x.clone(),
            gradient_best: gradient.clone(),
            x,
            gradient,
            loss_best: loss.clone(),
            eta: vec![2.0 * eps; m],
            losses: vec![Vec::new(); m],
            reduced_last_check: vec![true; m],
            loss_best_last_check: loss,
            probs,
            checkpoints: checkpoints(config.steps()),
        })
    }

    fn project(&self, x: Tensor<4>) -> Tensor<4> {
        x.max_pair(self.lower.clone()).min_pair(self.upper.clone())
    }

    /// The rows whose probabilities `probs` reach the goal.
    fn fooled(&self, setup: &Setup<'_>, probs: &[Probabilities]) -> Vec<usize> {
        (0..self.images.len())
            .filter(|&k| setup.reached(self.images[k], &probs[k]))
            .collect()
    }

    /// Step `step` (0-based); returns the rows whose new iterate reaches the goal.
    async fn step(&mut self, setup: &Setup<'_>, step: usize) -> Result<Vec<usize>, AttackError> {
        let device = &setup.device;
        let m = self.images.len();
        let momentum = if step == 0 { 1.0 } else { MOMENTUM };
        let moved = self.x.clone() - self.x_prev.clone();
        self.x_prev = self.x.clone();
        let eta = column(&self.eta, device);
        let z = self.project(self.x.clone() + self.gradient.clone().sign() * eta);
        let x = self.project(
            self.x.clone()
                + (z - self.x.clone()).mul_scalar(momentum)
                + moved.mul_scalar(1.0 - momentum),
        );
        let (gradient, loss, probs) =
            gradient_of_objective(&setup.ensemble, &x, &self.objective).await?;
        let fooled = self.fooled(setup, &probs);
        let improved: Vec<bool> = (0..m).map(|k| loss[k] > self.loss_best[k]).collect();
        for k in 0..m {
            self.losses[k].push(loss[k]);
            if improved[k] {
                self.loss_best[k] = loss[k];
            }
        }
        let better = mask(&improved, device);
        self.x_best = blend(&self.x_best, &x, &better);
        self.gradient_best = blend(&self.gradient_best, &gradient, &better);
        self.x = x;
        self.gradient = gradient;
        self.probs = probs;
        if self.checkpoints.contains(&(step + 1)) {
            self.check(step + 1, device);
        }
        Ok(fooled)
    }

    /// A checkpoint after `completed` steps: halve the step of the images whose loss stopped
    /// climbing, and send them back to their best point.
    fn check(&mut self, completed: usize, device: &Device) {
        let i = self
            .checkpoints
            .iter()
            .position(|&p| p == completed)
            .expect("a checkpoint");
        let since = completed - if i == 0 { 0 } else { self.checkpoints[i - 1] };
        let m = self.images.len();
        let mut halve = vec![false; m];
        for (k, flag) in halve.iter_mut().enumerate() {
            let losses = &self.losses[k];
            // Steps whose loss rose: as the reference counts them (the first window compares
            // the first step's loss with 0).
            let rose = (0..since)
                .filter(|&c| {
                    let now = losses[completed - 1 - c];
                    let before = if completed >= c + 2 {
                        losses[completed - 2 - c]
                    } else {
                        0.0
                    };
                    now > before
                })
                .count();
            let oscillates = rose as f32 <= since as f32 * RHO;
            let stalled =
                !self.reduced_last_check[k] && self.loss_best_last_check[k] >= self.loss_best[k];
            *flag = oscillates || stalled;
            self.reduced_last_check[k] = *flag;
            self.loss_best_last_check[k] = self.loss_best[k];
            if *flag {
                self.eta[k] /= 2.0;
            }
        }
        let back = mask(&halve, device);
        self.x = blend(&self.x, &self.x_best, &back);
        self.gradient = blend(&self.gradient, &self.gradient_best, &back);
    }

    /// Drops the rows in `gone` (images that reached their goal).
    fn keep_only(&mut self, gone: &[usize]) {
        let keep: Vec<usize> = (0..self.images.len())
            .filter(|k| !gone.contains(k))
            .collect();
        if keep.is_empty() {
            self.images.clear();
            return;
        }
        for t in [
            &mut self.lower,
            &mut self.upper,
            &mut self.x,
            &mut self.x_prev,
            &mut self.gradient,
            &mut self.x_best,
            &mut self.gradient_best,
        ] {
            *t = select(t, &keep);
        }
        let pick = |v: &[f32]| keep.iter().map(|&k| v[k]).collect::<Vec<_>>();
        self.loss_best = pick(&self.loss_best);
        self.eta = pick(&self.eta);
        self.loss_best_last_check = pick(&self.loss_best_last_check);
        self.reduced_last_check = keep.iter().map(|&k| self.reduced_last_check[k]).collect();
        self.losses = keep.iter().map(|&k| self.losses[k].clone()).collect();
        self.probs = keep.iter().map(|&k| self.probs[k].clone()).collect();
        self.images = keep.iter().map(|&k| self.images[k]).collect();
        self.objective = self.objective.keep(&keep);
    }
}

/// Rows `rows` of a batch tensor.
fn select(t: &Tensor<4>, rows: &[usize]) -> Tensor<4> {
    let indices: Vec<i64> = rows.iter().map(|&r| r as i64).collect();
    let indices = Tensor::<1, Int>::from_ints(indices.as_slice(), &t.device());
    t.clone().select(0, indices)
}

/// A per-image value as a [N, 1, 1, 1] tensor.
fn column(values: &[f32], device: &Device) -> Tensor<4> {
    Tensor::<1>::from_floats(values, device).reshape([values.len(), 1, 1, 1])
}

/// 1 where `on`, else 0, per image.
fn mask(on: &[bool], device: &Device) -> Tensor<4> {
    let values: Vec<f32> = on.iter().map(|&b| b as u8 as f32).collect();
    column(&values, device)
}

/// `new` where the mask is 1, `old` where it is 0.
fn blend(old: &Tensor<4>, new: &Tensor<4>, mask: &Tensor<4>) -> Tensor<4> {
    old.clone() + (new.clone() - old.clone()) * mask.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_follow_the_papers_schedule() {
        assert_eq!(checkpoints(100), vec![22, 41, 57, 70, 80, 87, 93, 99]);
        assert_eq!(checkpoints(10), vec![2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(checkpoints(50), vec![11, 21, 30, 38, 45]);
    }
}
