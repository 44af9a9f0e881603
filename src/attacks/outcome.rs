//! What an attack produced: the rounded adversarial image, the predictions, the history.

use image::RgbImage;

use super::{AttackConfig, Goal, Truth, Verdict};
use crate::metrics::Distance;
use crate::prediction::Prediction;

/// One iteration, measured on the iterate the gradient was taken at.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepRecord {
    /// 0 for the original image.
    pub step: usize,
    /// Cross-entropy of the class the step follows (true class, or target when targeted).
    pub loss: f32,
    /// Probability of the true class.
    pub true_prob: f32,
    /// Probability of the target class, for targeted goals.
    pub target_prob: Option<f32>,
    /// The model's top class at this iterate.
    pub top1: Prediction,
}

/// The result of an attack. Its JSON form leaves the two images out (they travel as pixels).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AttackOutcome {
    pub config: AttackConfig,
    /// What was known to be right for the photo.
    pub truth: Truth,
    pub goal: Goal,
    /// The image attacked (the model's input size).
    #[serde(skip)]
    pub original: RgbImage,
    /// The adversarial image, rounded to 8 bits: what is saved and what was re-classified.
    #[serde(skip)]
    pub adversarial: RgbImage,
    /// Prediction for the original.
    pub original_prediction: Prediction,
    /// Prediction for the rounded adversarial image.
    pub adversarial_prediction: Prediction,
    /// The five most likely classes of the rounded adversarial image.
    pub adversarial_top: Vec<Prediction>,
    /// Probability of the true class on the rounded adversarial image.
    pub adversarial_true_prob: f32,
    /// Probability of the target class on the rounded adversarial image.
    pub adversarial_target_prob: Option<f32>,
    /// Iterations run (fewer than configured after an early stop or a cancel).
    pub steps_run: usize,
    /// Steps taken on the 8-bit lattice after rounding (`refine`; 0 when the rounded result
    /// already reached its goal or no refinement was asked for).
    #[serde(default)]
    pub lattice_steps: usize,
    /// One record per iteration, then one for the final rounded image.
    pub history: Vec<StepRecord>,
    /// Whether the caller cancelled the attack.
    pub cancelled: bool,
    /// Score-based attacks (Square): the queries made (each one the model's answer for one
    /// image); None for attacks that follow gradients.
    #[serde(default)]
    pub queries: Option<usize>,
    /// Distance between original and rounded adversarial image.
    pub distance: Distance,
}

impl AttackOutcome {
    /// Whether the lattice refinement turned a rounded near-miss into a success.
    pub fn rescued(&self) -> bool {
        self.lattice_steps > 0 && self.success()
    }

    /// The attacked model's own verdict on the rounded adversarial image.
    pub fn verdict(&self) -> Verdict {
        self.goal.verdict(
            &self.truth,
            self.original_prediction.index,
            self.adversarial_prediction.index,
        )
    }

    /// Whether the rounded adversarial image reaches the goal on the attacked model: the
    /// target of a targeted attack, a wrong answer otherwise.
    pub fn success(&self) -> bool {
        self.verdict().goal_reached()
    }
}
