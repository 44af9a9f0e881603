//! VGG (Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
//! Recognition"), configurations D (VGG16) and E (VGG19) without batch norm, as torchvision's
//! `vgg.py` builds them: 3x3 convolutions with bias and ReLU, 2x2 max pools, an adaptive 7x7
//! average pool, and three fully connected layers, under torchvision's names (`features.N`,
//! `classifier.N`; Chainer's `.npz` names are translated by the key map).

use burn::nn::PaddingConfig2d;
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::blocks::{Activation, ConvNormAct, ConvSpec, Dense, Loader, load_linear, max_pool};
use crate::weights::WeightsError;
use crate::zoo::ModelId;

/// The depth of a VGG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    Vgg16,
    Vgg19,
}

impl Depth {
    /// The depth of a VGG model id.
    pub fn of(id: ModelId) -> Option<Self> {
        match id {
            ModelId::Vgg16 => Some(Depth::Vgg16),
            ModelId::Vgg19 => Some(Depth::Vgg19),
            _ => None,
        }
    }

    /// Convolutions per block (each block ends with a 2x2 max pool).
    pub fn blocks(self) -> [usize; 5] {
        match self {
            Depth::Vgg16 => [2, 2, 3, 3, 3],
            Depth::Vgg19 => [2, 2, 4, 4, 4],
        }
    }
}

const WIDTHS: [usize; 5] = [64, 128, 256, 512, 512];

/// One 3x3 convolution with ReLU; `pool` marks the last of a block.
#[derive(Module, Debug)]
pub struct VggConv {
    pub conv: ConvNormAct,
    #[module(skip)]
    pub pool: bool,
}

/// The network from normalised input to logits.
#[derive(Module, Debug)]
pub struct Vgg {
    pub convs: Vec<VggConv>,
    pub fc6: Dense,
    pub fc7: Dense,
    pub fc8: Dense,
    /// Chainer pools with `cover_all` (ceil); torchvision with floor. Equal on even sizes.
    #[module(skip)]
    pub ceil_pool: bool,
}

impl Vgg {
    /// Builds a VGG; `caffe` pools as the Caffe models do (rounding up).
    pub fn load(depth: Depth, caffe: bool, loader: &mut Loader) -> Result<Self, WeightsError> {
        let mut convs = Vec::new();
        let mut channels = 3;
        // torchvision's `features` Sequential: conv and ReLU take one index each, pools one.
        let mut index = 0;
        for (&count, &width) in depth.blocks().iter().zip(&WIDTHS) {
            for i in 0..count {
                let key = format!("features.{index}");
                let spec =
                    ConvSpec::new(channels, width, 3, 1, PaddingConfig2d::Explicit(1, 1, 1, 1));
                let conv = ConvNormAct::load(loader, &key, None, spec, Activation::Relu)?;
                convs.push(VggConv {
                    conv,
                    pool: i + 1 == count,
                });
                channels = width;
                index += 2;
            }
            index += 1;
        }
        Ok(Self {
            convs,
            fc6: load_linear(loader, "classifier.0", 512 * 7 * 7, 4096)?,
            fc7: load_linear(loader, "classifier.3", 4096, 4096)?,
            fc8: load_linear(loader, "classifier.6", 4096, 1000)?,
            ceil_pool: caffe,
        })
    }

    /// Normalised [N, 3, H, W] input -> [N, 1000] logits (dropout is off in eval mode).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x = x;
        for layer in &self.convs {
            x = layer.conv.forward(x);
            if layer.pool {
                x = max_pool(x, 2, 2, 0, self.ceil_pool);
            }
        }
        let x = burn::tensor::module::adaptive_avg_pool2d(x, [7, 7]);
        let [n, c, h, w] = x.dims();
        let x = x.reshape([n, c * h * w]);
        let x = relu(self.fc6.forward(x));
        let x = relu(self.fc7.forward(x));
        self.fc8.forward(x)
    }
}
