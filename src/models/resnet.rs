//! ResNet (He et al., "Deep Residual Learning for Image Recognition"), depths 18 to 152.
//!
//! Two forms of the same family, both under torchvision's names (`layer1.0.conv1`; the key map
//! translates Chainer's `res2/a/conv1`): torchvision's (`resnet.py`, "v1.5": the stride of a
//! bottleneck sits on its 3x3 convolution; stem max pool 3x3/2 with padding 1; BN eps 1e-5),
//! and the original MSRA Caffe model that Chainer's ResNet50/101/152Layers load (stride on the
//! first 1x1 convolution, a stem convolution with bias, stem pool 3x3/2 without padding
//! rounding up, BN eps 2e-5).

use burn::nn::PaddingConfig2d;
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::blocks::{
    Activation, BatchNorm, ConvNormAct, ConvSpec, Dense, Loader, global_average_pool, load_linear,
    max_pool,
};
use crate::weights::WeightsError;
use crate::zoo::ModelId;

/// The depth of a ResNet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    ResNet18,
    ResNet34,
    ResNet50,
    ResNet101,
    ResNet152,
}

impl Depth {
    /// The depth of a ResNet model id.
    pub fn of(id: ModelId) -> Option<Self> {
        Some(match id {
            ModelId::ResNet18 => Depth::ResNet18,
            ModelId::ResNet34 => Depth::ResNet34,
            ModelId::ResNet50 => Depth::ResNet50,
            ModelId::ResNet101 => Depth::ResNet101,
            ModelId::ResNet152 => Depth::ResNet152,
            _ => return None,
        })
    }

    /// Blocks per stage.
    fn blocks(self) -> [usize; 4] {
        match self {
            Depth::ResNet18 => [2, 2, 2, 2],
            Depth::ResNet34 | Depth::ResNet50 => [3, 4, 6, 3],
            Depth::ResNet101 => [3, 4, 23, 3],
            Depth::ResNet152 => [3, 8, 36, 3],
        }
    }

    /// Bottleneck blocks (1x1, 3x3, 1x1, four times wider out) from ResNet50 on.
    fn bottleneck(self) -> bool {
        !matches!(self, Depth::ResNet18 | Depth::ResNet34)
    }
}

/// One residual block: two 3x3 convolutions (basic) or 1x1-3x3-1x1 (bottleneck), plus the
/// shortcut, which projects when the shape changes.
#[derive(Module, Debug)]
pub struct Block {
    pub convs: Vec<ConvNormAct>,
    pub shortcut: Option<ConvNormAct>,
}

impl Block {
    /// relu(convs(x) + shortcut(x)).
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let mut x = input.clone();
        for conv in &self.convs {
            x = conv.forward(x);
        }
        let shortcut = match &self.shortcut {
            Some(project) => project.forward(input),
            None => input,
        };
        relu(x + shortcut)
    }
}

/// The network from normalised input to logits.
#[derive(Module, Debug)]
pub struct ResNet {
    pub stem: ConvNormAct,
    pub blocks: Vec<Block>,
    pub fc: Dense,
    /// torchvision pools the stem with padding 1; Caffe without padding, rounding up.
    #[module(skip)]
    pub caffe_stem_pool: bool,
}

impl ResNet {
    /// Builds a ResNet; `caffe` gives the MSRA Caffe form.
    pub fn load(depth: Depth, caffe: bool, loader: &mut Loader) -> Result<Self, WeightsError> {
        let eps = if caffe { 2e-5 } else { 1e-5 };
        let bn = |prefix: String| Some(BatchNorm { prefix, eps });
        let pad = |p| PaddingConfig2d::Explicit(p, p, p, p);
        let stem = ConvNormAct::load(
            loader,
            "conv1",
            bn("bn1".into()),
            ConvSpec::new(3, 64, 7, 2, pad(3)),
            Activation::Relu,
        )?;

        let expansion = if depth.bottleneck() { 4 } else { 1 };
        let mut blocks = Vec::new();
        let mut channels = 64;
        for (stage, &count) in depth.blocks().iter().enumerate() {
            let width = 64 << stage;
            let out = width * expansion;
            for b in 0..count {
                let stride = if b == 0 && stage > 0 { 2 } else { 1 };
                let block = format!("layer{}.{b}", stage + 1);
                // (in, out, kernel, stride, activation) of each convolution of the block.
                let layers = if depth.bottleneck() {
                    // Where the stride goes is the difference between the two forms.
                    let (s1, s2) = if caffe { (stride, 1) } else { (1, stride) };
                    vec![
                        (channels, width, 1, s1, Activation::Relu),
                        (width, width, 3, s2, Activation::Relu),
                        (width, out, 1, 1, Activation::Identity),
                    ]
                } else {
                    vec![
                        (channels, width, 3, stride, Activation::Relu),
                        (width, out, 3, 1, Activation::Identity),
                    ]
                };
                let convs = layers
                    .into_iter()
                    .enumerate()
                    .map(|(i, (cin, cout, k, s, act))| {
                        let spec = ConvSpec::new(cin, cout, k, s, pad(k / 2));
                        let (conv, norm) = (
                            format!("{block}.conv{}", i + 1),
                            format!("{block}.bn{}", i + 1),
                        );
                        ConvNormAct::load(loader, &conv, bn(norm), spec, act)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let shortcut = if b == 0 && (stride != 1 || channels != out) {
                    let spec = ConvSpec::new(channels, out, 1, stride, pad(0));
                    Some(ConvNormAct::load(
                        loader,
                        &format!("{block}.downsample.0"),
                        bn(format!("{block}.downsample.1")),
                        spec,
                        Activation::Identity,
                    )?)
                } else {
                    None
                };
                blocks.push(Block { convs, shortcut });
                channels = out;
            }
        }
        let fc = load_linear(loader, "fc", channels, 1000)?;
        Ok(Self {
            stem,
            blocks,
            fc,
            caffe_stem_pool: caffe,
        })
    }

    /// Normalised [N, 3, H, W] input -> [N, 1000] logits.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.stem.forward(x);
        let mut x = if self.caffe_stem_pool {
            max_pool(x, 3, 2, 0, true)
        } else {
            max_pool(x, 3, 2, 1, false)
        };
        for block in &self.blocks {
            x = block.forward(x);
        }
        self.fc.forward(global_average_pool(x))
    }
}
