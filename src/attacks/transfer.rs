//! The transfer test (the seed article's change_model step): how another model judges an
//! attack's original and adversarial images.

use super::AttackOutcome;
use crate::imaging::{self, Preprocess};
use crate::models::{Classifier, ModelId};
use crate::prediction::{DeviceError, Prediction};

/// What one model says about an original and its adversarial image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    pub model: ModelId,
    pub original: Prediction,
    pub adversarial: Prediction,
}

impl Verdict {
    /// Whether the perturbation changed the judge's answer.
    pub fn changed(&self) -> bool {
        self.original.index != self.adversarial.index
    }
}

/// How `judge` classifies the attack's images: the saved 8-bit original and adversarial
/// image, resized to the judge's input when its size differs.
pub async fn judge(judge: &Classifier, outcome: &AttackOutcome) -> Result<Verdict, DeviceError> {
    let size = judge.input_size() as u32;
    let original = imaging::prepare(&outcome.original, size, Preprocess::Stretch);
    let adversarial = imaging::prepare(&outcome.adversarial, size, Preprocess::Stretch);
    Ok(Verdict {
        model: judge.id(),
        original: judge.classify(&original).await?.top1(),
        adversarial: judge.classify(&adversarial).await?.top1(),
    })
}
