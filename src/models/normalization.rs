//! Input normalisation: the model's first step, so that attacks work on raw pixels (0..255).

use burn::prelude::*;

use crate::zoo::{Layout, ModelId};

/// How a model turns RGB pixels in 0..255 into its input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    /// Reverse the channels (RGB -> BGR) first, as Caffe models expect.
    pub bgr: bool,
    /// Subtracted per channel, in the (possibly reversed) channel order, on the 0..255 scale.
    pub mean: [f32; 3],
    /// Divided per channel, on the 0..255 scale.
    pub std: [f32; 3],
}

impl Normalization {
    /// How `model`'s pixels are normalised for weights in `layout`.
    pub fn of(model: ModelId, layout: Layout) -> Self {
        match (layout, model) {
            // The official TF EfficientNet-Lite preprocessing: (x - 127) / 128.
            (Layout::EfficientNet, _) => Self::mean_std([127.0; 3], [128.0; 3]),
            // torchvision normalises with ImageNet statistics, and its pretrained GoogLeNet then
            // applies `transform_input`, which maps that back to (x / 255 - 0.5) / 0.5.
            (Layout::Torchvision, ModelId::GoogLeNet) => Self::mean_std([127.5; 3], [127.5; 3]),
            (Layout::Torchvision | Layout::Robustness | Layout::RobustBench, _) => {
                Self::torchvision()
            }
            // Caffe: BGR minus the training set's mean.
            (Layout::Chainer, ModelId::GoogLeNet) => Self::caffe_bgr([104.0, 117.0, 123.0]),
            (Layout::Chainer, ModelId::Vgg16 | ModelId::Vgg19) => {
                Self::caffe_bgr([103.939, 116.779, 123.68])
            }
            (Layout::Chainer, _) => Self::caffe_bgr([103.063, 115.903, 123.152]),
        }
    }

    /// `(x - mean) / std` per RGB channel, on the 0..255 scale.
    pub fn mean_std(mean: [f32; 3], std: [f32; 3]) -> Self {
        Self {
            bgr: false,
            mean,
            std,
        }
    }

    /// torchvision's ImageNet statistics (given on 0..1, here scaled to 0..255).
    pub fn torchvision() -> Self {
        Self::mean_std(
            [0.485 * 255.0, 0.456 * 255.0, 0.406 * 255.0],
            [0.229 * 255.0, 0.224 * 255.0, 0.225 * 255.0],
        )
    }

    /// Caffe style: BGR order, per-channel mean subtracted, no scaling.
    pub fn caffe_bgr(mean_bgr: [f32; 3]) -> Self {
        Self {
            bgr: true,
            mean: mean_bgr,
            std: [1.0; 3],
        }
    }

    /// Applies the normalisation to pixels [N, 3, H, W].
    pub fn apply(&self, pixels: Tensor<4>) -> Tensor<4> {
        let device = pixels.device();
        let x = if self.bgr { pixels.flip([1]) } else { pixels };
        let scale: Vec<f32> = self.std.iter().map(|s| 1.0 / s).collect();
        let shift: Vec<f32> = self
            .mean
            .iter()
            .zip(&self.std)
            .map(|(m, s)| -m / s)
            .collect();
        let scale = Tensor::<1>::from_floats(scale.as_slice(), &device).reshape([1, 3, 1, 1]);
        let shift = Tensor::<1>::from_floats(shift.as_slice(), &device).reshape([1, 3, 1, 1]);
        x * scale + shift
    }
}
