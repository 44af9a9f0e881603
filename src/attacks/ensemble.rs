//! Several classifiers attacked as one (Liu et al. 2017, Dong et al. 2018): the attack
//! follows the average of their losses, and the ensemble's answer is the average of their
//! probabilities. A single model is an ensemble of one, so every attack runs through here.
//!
//! The pixels attacked are the first member's input, or a photo at its own size; each member
//! sees them through [`fit`] (the one preprocessing, inside the graph, so that the
//! gradient reaches the pixels).

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

use super::AttackError;
use crate::backend::read_values;
use crate::imaging::Preprocess;
use crate::models::Classifier;
use crate::models::fit;
use crate::prediction::{DeviceError, Probabilities};

/// The models an attack runs against.
#[derive(Debug, Clone)]
pub struct Ensemble<'a> {
    members: Vec<&'a Classifier>,
    /// How pixels of another size reach a member: a model-sized image is stretched to a
    /// member of another size; a photo at full resolution is cropped as `classify` does.
    preprocess: Preprocess,
}

impl<'a> Ensemble<'a> {
    /// One model.
    pub fn single(model: &'a Classifier) -> Self {
        Self {
            members: vec![model],
            preprocess: Preprocess::Stretch,
        }
    }

    /// Several models (each once: later duplicates are dropped); the first sets the image size.
    pub fn new(members: Vec<&'a Classifier>) -> Result<Self, AttackError> {
        let mut unique: Vec<&'a Classifier> = Vec::new();
        for m in members {
            if !unique.iter().any(|u| u.id() == m.id()) {
                unique.push(m);
            }
        }
        let Some(first) = unique.first() else {
            return Err(AttackError::EmptyEnsemble);
        };
        if unique.iter().any(|m| m.device() != first.device()) {
            return Err(AttackError::MixedDevices);
        }
        Ok(Self {
            members: unique,
            preprocess: Preprocess::Stretch,
        })
    }

    /// The same models, seeing pixels of another size through `preprocess`.
    pub fn with_preprocess(mut self, preprocess: Preprocess) -> Self {
        self.preprocess = preprocess;
        self
    }

    /// The models, the first being the one whose input size the image has.
    pub fn members(&self) -> &[&'a Classifier] {
        &self.members
    }

    /// The model an outcome is reported for: the first member.
    pub fn primary(&self) -> &'a Classifier {
        self.members[0]
    }

    /// Side of the square image the attack works on.
    pub fn input_size(&self) -> usize {
        self.primary().input_size()
    }

    /// The device of every member.
    pub fn device(&self) -> &Device {
        self.primary().device()
    }

    /// A name for messages: "efficientnet-lite0" or "ensemble of efficientnet-lite1 + ...".
    pub fn describe(&self) -> String {
        if self.members.len() == 1 {
            return self.primary().id().to_string();
        }
        let names: Vec<String> = self.members.iter().map(|m| m.id().to_string()).collect();
        format!("ensemble of {}", names.join(" + "))
    }

    /// Each member's log-probabilities [N, 1000] of pixels [N, 3, H, W] (its input, or
    /// any size through [`fit`]), in member order.
    pub fn log_probs(&self, pixels: Tensor<4>) -> Vec<Tensor<2>> {
        self.members
            .iter()
            .map(|m| {
                let x = fit(pixels.clone(), m.input_size(), self.preprocess);
                log_softmax(m.logits(x), 1)
            })
            .collect()
    }

    /// The members' mean log-probabilities: logit differences averaged over the members (what
    /// C&W's margin and DeepFool's boundaries use).
    pub fn mean(log_probs: &[Tensor<2>]) -> Tensor<2> {
        let sum = log_probs
            .iter()
            .cloned()
            .reduce(|a, b| a + b)
            .expect("an ensemble has a member");
        if log_probs.len() > 1 {
            sum.div_scalar(log_probs.len() as f32)
        } else {
            sum
        }
    }

    /// The ensemble's class probabilities for each image of a batch.
    pub async fn probabilities(
        &self,
        pixels: Tensor<4>,
    ) -> Result<Vec<Probabilities>, DeviceError> {
        let n = pixels.dims()[0];
        let log_probs = self.log_probs(pixels);
        self.read(log_probs, n).await
    }

    /// Reads each member's log-probabilities back (off the autodiff graph, when on one) and
    /// averages the probabilities per image. An ensemble of one returns its member's values
    /// untouched.
    pub async fn read(
        &self,
        log_probs: Vec<Tensor<2>>,
        n: usize,
    ) -> Result<Vec<Probabilities>, DeviceError> {
        let mut per_member = Vec::with_capacity(log_probs.len());
        for lp in log_probs {
            per_member.push(read_values(lp.without_autodiff()).await?);
        }
        Ok(combine(&per_member, n))
    }
}

/// Averages the members' probabilities: `per_member[m]` holds N rows of log-probabilities.
fn combine(per_member: &[Vec<f32>], n: usize) -> Vec<Probabilities> {
    let classes = per_member[0].len() / n.max(1);
    (0..n)
        .map(|i| {
            let rows = per_member
                .iter()
                .map(|v| &v[i * classes..(i + 1) * classes]);
            if per_member.len() == 1 {
                return Probabilities::from_log_probs(
                    per_member[0][i * classes..(i + 1) * classes].to_vec(),
                );
            }
            let members = per_member.len() as f64;
            let mut mean = vec![0f64; classes];
            for row in rows {
                for (m, &l) in mean.iter_mut().zip(row) {
                    *m += (l as f64).exp() / members;
                }
            }
            Probabilities::from_log_probs(mean.into_iter().map(|p| p.ln() as f32).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combine_averages_probabilities() {
        let a = vec![0.5f32.ln(), 0.5f32.ln(), 0.9f32.ln(), 0.1f32.ln()];
        let b = vec![0.1f32.ln(), 0.9f32.ln(), 0.3f32.ln(), 0.7f32.ln()];
        let p = combine(&[a.clone(), b], 2);
        assert!((p[0].prob(0) - 0.3).abs() < 1e-6);
        assert!((p[0].prob(1) - 0.7).abs() < 1e-6);
        assert!((p[1].prob(0) - 0.6).abs() < 1e-6);
        let single = combine(std::slice::from_ref(&a), 2);
        assert_eq!(single[1], Probabilities::from_log_probs(a[2..].to_vec()));
    }
}
