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

#[cfg(feature = "compute")]
pub use compute::read_values;

/// Reading results off a device, which needs burn.
#[cfg(feature = "compute")]
mod compute {
    use burn::prelude::*;
    use burn::tensor::activation::log_softmax;
    use image::RgbImage;

    use super::{DeviceError, Probabilities};
    use crate::imaging::{self, Preprocess};
    use crate::models::Classifier;

    /// Reads a tensor back to the host as f32 values, whatever its dtype, without blocking (the
    /// browser cannot block).
    pub async fn read_values<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, DeviceError> {
        let data = tensor
            .into_data_async()
            .await
            .map_err(|e| DeviceError(format!("{e:?}")))?;
        let data = if data.dtype() == burn::tensor::DType::F32 {
            data
        } else {
            data.convert::<f32>()
        };
        data.try_into_vec::<f32>()
            .map_err(|e| DeviceError(format!("{e:?}")))
    }

    impl Classifier {
        /// Class probabilities for a batch of pixel tensors [N, 3, H, W] (0..255).
        pub async fn probabilities(
            &self,
            pixels: Tensor<4>,
        ) -> Result<Vec<Probabilities>, DeviceError> {
            let [n, _, _, _] = pixels.dims();
            let log_probs = log_softmax(self.logits(pixels), 1);
            let values = read_values(log_probs).await?;
            let classes = values.len() / n.max(1);
            Ok(values
                .chunks(classes)
                .map(|c| Probabilities::from_log_probs(c.to_vec()))
                .collect())
        }

        /// Class probabilities for a photo of any size, resized and centre-cropped to the
        /// model's input by [`imaging::fit`] (an image of the input's size goes in as it is).
        pub async fn classify(&self, image: &RgbImage) -> Result<Probabilities, DeviceError> {
            self.classify_with(image, Preprocess::Crop).await
        }

        /// [`Classifier::classify`] with the given preprocessing: the same tensor function
        /// a full-resolution attack differentiates through.
        pub async fn classify_with(
            &self,
            image: &RgbImage,
            preprocess: Preprocess,
        ) -> Result<Probabilities, DeviceError> {
            // On the CPU, then moved: a large photo would not fit one GPU buffer.
            let cpu = Device::flex();
            let input = imaging::fit(
                imaging::to_tensor(image, &cpu),
                self.input_size(),
                preprocess,
            );
            let shape = input.dims();
            let values = read_values(input).await?;
            let input = Tensor::<4>::from_data(TensorData::new(values, shape), self.device());
            let mut all = self.probabilities(input).await?;
            Ok(all.remove(0))
        }
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
