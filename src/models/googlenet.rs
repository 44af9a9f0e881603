//! GoogLeNet (Szegedy et al., "Going Deeper with Convolutions"), in the two forms whose
//! weights people have:
//!
//! - torchvision's (`googlenet.py`): every convolution followed by batch norm (eps 1e-3), no
//!   LRN, the "5x5" branch with a 3x3 kernel (torchvision issue 906, kept for its weights),
//!   max pools rounding up, a 2x2 fourth pool. Its pretrained weights expect
//!   `transform_input`, which the model's normalisation absorbs.
//! - the original BVLC Caffe model, as Chainer's GoogLeNet loads it: convolutions with bias,
//!   local response normalisation after the stem, a real 5x5 branch.
//!
//! Both under torchvision's names (`inception3a.branch2.1.conv`); the key map translates
//! Chainer's (`inc3a/conv3/W`).
//!
//! The auxiliary classifiers only train; they are skipped here.

use burn::nn::PaddingConfig2d;
use burn::prelude::*;

use super::blocks::{
    Activation, BatchNorm, ConvNormAct, ConvSpec, Dense, Loader, global_average_pool, load_linear,
    max_pool,
};
use crate::weights::WeightsError;

/// Inception modules: name, then output channels of the 1x1, 3x3-reduce, 3x3, 5x5-reduce,
/// 5x5 and pool-projection branches.
const MODULES: [(&str, [usize; 6]); 9] = [
    ("3a", [64, 96, 128, 16, 32, 32]),
    ("3b", [128, 128, 192, 32, 96, 64]),
    ("4a", [192, 96, 208, 16, 48, 64]),
    ("4b", [160, 112, 224, 24, 64, 64]),
    ("4c", [128, 128, 256, 24, 64, 64]),
    ("4d", [112, 144, 288, 32, 64, 64]),
    ("4e", [256, 160, 320, 32, 128, 128]),
    ("5a", [256, 160, 320, 32, 128, 128]),
    ("5b", [384, 192, 384, 48, 128, 128]),
];

/// Four branches concatenated: 1x1; 1x1 then 3x3; 1x1 then "5x5"; 3x3 max pool then 1x1.
#[derive(Module, Debug)]
pub struct Inception {
    pub branch1: ConvNormAct,
    pub branch2: Vec<ConvNormAct>,
    pub branch3: Vec<ConvNormAct>,
    pub branch4: ConvNormAct,
}

impl Inception {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let chain = |convs: &[ConvNormAct], x: Tensor<4>| convs.iter().fold(x, |x, c| c.forward(x));
        let b1 = self.branch1.forward(x.clone());
        let b2 = chain(&self.branch2, x.clone());
        let b3 = chain(&self.branch3, x.clone());
        let b4 = self.branch4.forward(max_pool(x, 3, 1, 1, true));
        Tensor::cat(vec![b1, b2, b3, b4], 1)
    }
}

/// The network from normalised input to logits.
#[derive(Module, Debug)]
pub struct GoogLeNet {
    pub stem: Vec<ConvNormAct>,
    pub inceptions: Vec<Inception>,
    pub fc: Dense,
    /// The BVLC (Caffe) form: LRN in the stem and a 3x3 fourth pool.
    #[module(skip)]
    pub bvlc: bool,
}

impl GoogLeNet {
    /// Builds GoogLeNet; `bvlc` gives the original Caffe form.
    pub fn load(bvlc: bool, loader: &mut Loader) -> Result<Self, WeightsError> {
        let pad = |p| PaddingConfig2d::Explicit(p, p, p, p);
        // torchvision's BasicConv2d: conv (no bias) + BN(eps 1e-3) + ReLU under `<name>.conv`
        // and `<name>.bn`; BVLC's: a conv with bias + ReLU.
        let conv = |loader: &mut Loader,
                    name: &str,
                    spec: ConvSpec|
         -> Result<ConvNormAct, WeightsError> {
            let bn = (!bvlc).then(|| BatchNorm {
                prefix: format!("{name}.bn"),
                eps: 1e-3,
            });
            ConvNormAct::load(loader, &format!("{name}.conv"), bn, spec, Activation::Relu)
        };
        let stem = vec![
            conv(loader, "conv1", ConvSpec::new(3, 64, 7, 2, pad(3)))?,
            conv(loader, "conv2", ConvSpec::new(64, 64, 1, 1, pad(0)))?,
            conv(loader, "conv3", ConvSpec::new(64, 192, 3, 1, pad(1)))?,
        ];
        let mut inceptions = Vec::new();
        let mut channels = 192;
        for (name, [c1, r3, c3, r5, c5, cp]) in MODULES {
            let k = |branch: &str| format!("inception{name}.{branch}");
            // torchvision's "5x5" branch is 3x3 (its weights were trained that way).
            let (k5, p5) = if bvlc { (5, 2) } else { (3, 1) };
            inceptions.push(Inception {
                branch1: conv(
                    loader,
                    &k("branch1"),
                    ConvSpec::new(channels, c1, 1, 1, pad(0)),
                )?,
                branch2: vec![
                    conv(
                        loader,
                        &k("branch2.0"),
                        ConvSpec::new(channels, r3, 1, 1, pad(0)),
                    )?,
                    conv(loader, &k("branch2.1"), ConvSpec::new(r3, c3, 3, 1, pad(1)))?,
                ],
                branch3: vec![
                    conv(
                        loader,
                        &k("branch3.0"),
                        ConvSpec::new(channels, r5, 1, 1, pad(0)),
                    )?,
                    conv(
                        loader,
                        &k("branch3.1"),
                        ConvSpec::new(r5, c5, k5, 1, pad(p5)),
                    )?,
                ],
                branch4: conv(
                    loader,
                    &k("branch4.1"),
                    ConvSpec::new(channels, cp, 1, 1, pad(0)),
                )?,
            });
            channels = c1 + c3 + c5 + cp;
        }
        let fc = load_linear(loader, "fc", channels, 1000)?;
        Ok(Self {
            stem,
            inceptions,
            fc,
            bvlc,
        })
    }

    /// Normalised [N, 3, H, W] input -> [N, 1000] logits.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let pool = |x| max_pool(x, 3, 2, 0, true);
        let x = self.stem[0].forward(x);
        let x = pool(x);
        let x = if self.bvlc { local_response_norm(x) } else { x };
        let x = self.stem[2].forward(self.stem[1].forward(x));
        let x = if self.bvlc { local_response_norm(x) } else { x };
        let mut x = pool(x);
        for (i, inception) in self.inceptions.iter().enumerate() {
            x = inception.forward(x);
            match i {
                1 => x = pool(x),
                6 => {
                    x = if self.bvlc {
                        pool(x)
                    } else {
                        max_pool(x, 2, 2, 0, true)
                    }
                }
                _ => {}
            }
        }
        self.fc.forward(global_average_pool(x))
    }
}

/// Caffe's LRN across channels: x / (1 + 1e-4 / 5 * sum of x^2 over 5 neighbouring channels)^0.75.
pub fn local_response_norm(x: Tensor<4>) -> Tensor<4> {
    const SIZE: usize = 5;
    let [n, c, h, w] = x.dims();
    let squares = x.clone().powf_scalar(2.0);
    let padded = Tensor::cat(
        vec![
            Tensor::zeros([n, SIZE / 2, h, w], &x.device()),
            squares,
            Tensor::zeros([n, SIZE / 2, h, w], &x.device()),
        ],
        1,
    );
    let mut sum = padded.clone().narrow(1, 0, c);
    for offset in 1..SIZE {
        sum = sum + padded.clone().narrow(1, offset, c);
    }
    let scale = sum
        .mul_scalar(1e-4 / SIZE as f64)
        .add_scalar(1.0)
        .powf_scalar(0.75);
    x / scale
}
