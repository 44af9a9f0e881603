//! What a classifier says about an image: class probabilities and the top classes.

use crate::imagenet;

/// One class and its probability.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Prediction {
    pub index: usize,
    pub prob: f32,
}

impl Prediction {
    /// Short ImageNet name of the class.
    pub fn name(&self) -> &'static str {
        imagenet::name(self.index)
    }
}

/// A device readback failed (the GPU was lost, out of memory, ...).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the compute device failed: {0}")]
pub struct DeviceError(pub String);

/// Class probabilities for one image, kept as log-probabilities so that tiny probabilities
/// (and the cross-entropy of unlikely classes) stay exact.
#[derive(Debug, Clone, PartialEq)]
pub struct Probabilities {
    log_probs: Vec<f32>,
}

impl Probabilities {
    /// From log-probabilities (log-softmax of the logits).
    pub fn from_log_probs(log_probs: Vec<f32>) -> Self {
        Self { log_probs }
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.log_probs.len()
    }

    /// Whether there are no classes.
    pub fn is_empty(&self) -> bool {
        self.log_probs.is_empty()
    }

    /// Probability of class `index`.
    pub fn prob(&self, index: usize) -> f32 {
        self.log_probs.get(index).map_or(0.0, |l| l.exp())
    }

    /// Cross-entropy of class `index`: -log p(index).
    pub fn cross_entropy(&self, index: usize) -> f32 {
        self.log_probs.get(index).map_or(f32::INFINITY, |l| -l)
    }

    /// The most likely class.
    pub fn top1(&self) -> Prediction {
        self.top(1)[0]
    }

    /// The least likely class (the target of the iterative least-likely attack).
    pub fn least_likely(&self) -> Prediction {
        let (index, _) =
            self.log_probs
                .iter()
                .enumerate()
                .fold(
                    (0, f32::INFINITY),
                    |best, (i, &l)| if l < best.1 { (i, l) } else { best },
                );
        Prediction {
            index,
            prob: self.prob(index),
        }
    }

    /// The `k` most likely classes, most likely first (ties: lower index first).
    pub fn top(&self, k: usize) -> Vec<Prediction> {
        let mut order: Vec<usize> = (0..self.log_probs.len()).collect();
        order.sort_by(|&a, &b| {
            self.log_probs[b]
                .total_cmp(&self.log_probs[a])
                .then(a.cmp(&b))
        });
        order
            .into_iter()
            .take(k.max(1))
            .map(|index| Prediction {
                index,
                prob: self.prob(index),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_and_least_likely() {
        let p = Probabilities::from_log_probs(vec![
            0.1f32.ln(),
            0.6f32.ln(),
            0.25f32.ln(),
            0.05f32.ln(),
        ]);
        let top: Vec<usize> = p.top(3).iter().map(|p| p.index).collect();
        assert_eq!(top, vec![1, 2, 0]);
        assert_eq!(p.least_likely().index, 3);
        assert!((p.prob(1) - 0.6).abs() < 1e-6);
        assert!((p.cross_entropy(3) - 0.05f32.ln().abs()).abs() < 1e-6);
    }
}
