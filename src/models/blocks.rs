//! Building blocks shared by the architectures: a convolution with its batch norm folded in and
//! an activation, and the loader that takes weights out of a [`TensorStore`] by name.

use burn::module::Param;
use burn::nn::conv::Conv2d;
use burn::nn::{Linear, PaddingConfig2d};
use burn::prelude::*;

use crate::weights::{TensorStore, WeightsError};

/// What a weights file calls the tensors an architecture asks for by their canonical
/// (torchvision) names. Each layout's answer is a key map (`super::keymap`).
pub trait FileNames {
    /// The file's name for the canonical key `key` (a parameter, such as `fc.weight`).
    fn file_key(&self, key: &str) -> String;

    /// Prefixes of file keys the eval-mode network does not use.
    fn unused_prefixes(&self) -> &'static [&'static str] {
        &[]
    }
}

/// Files that use the canonical names themselves (torchvision's, and test networks).
pub struct CanonicalNames;

impl FileNames for CanonicalNames {
    fn file_key(&self, key: &str) -> String {
        key.to_string()
    }
}

/// Takes named weights out of a store onto a device, checking names and shapes. The
/// architectures ask for canonical names; the layout's [`FileNames`] say what the file calls
/// them, so errors name the file's own keys.
pub struct Loader<'a> {
    store: &'a mut TensorStore,
    device: &'a Device,
    arch: &'a str,
    keys: &'a dyn FileNames,
    /// The largest tensor the device can bind, in bytes; larger layers are split.
    pub max_tensor_bytes: Option<u64>,
}

impl<'a> Loader<'a> {
    /// A loader for architecture `arch` (named in error messages) from a file whose names
    /// `keys` translates.
    pub fn new(
        store: &'a mut TensorStore,
        device: &'a Device,
        arch: &'a str,
        keys: &'a dyn FileNames,
    ) -> Self {
        Self {
            store,
            device,
            arch,
            keys,
            max_tensor_bytes: None,
        }
    }

    /// Drops the tensors the eval-mode network does not use (such as GoogLeNet's auxiliary
    /// classifiers).
    pub fn discard_unused(&mut self) {
        let prefixes = self.keys.unused_prefixes();
        let names: Vec<String> = self
            .store
            .names()
            .filter(|n| prefixes.iter().any(|p| n.starts_with(p)))
            .map(str::to_string)
            .collect();
        for n in names {
            self.store.discard(&n);
        }
    }

    /// The values of the canonical `key`, which must have `shape`.
    pub fn values(&mut self, key: &str, shape: &[usize]) -> Result<Vec<f32>, WeightsError> {
        let file_key = self.keys.file_key(key);
        Ok(self.store.take(&file_key, shape, self.arch)?.values)
    }

    /// Whether the file holds the canonical `key` (for optional tensors such as a conv bias).
    pub fn has(&self, key: &str) -> bool {
        self.store.contains(&self.keys.file_key(key))
    }

    /// Drops a tensor the architecture does not use (e.g. `num_batches_tracked`).
    pub fn discard(&mut self, key: &str) {
        let file_key = self.keys.file_key(key);
        self.store.discard(&file_key);
    }

    /// Uploads values to the device as a tensor of rank `D`.
    pub fn upload<const D: usize>(&self, values: Vec<f32>, shape: [usize; D]) -> Tensor<D> {
        Tensor::from_data(TensorData::new(values, shape), self.device)
    }

    /// The tensor `key` with `shape`, on the device.
    pub fn tensor<const D: usize>(
        &mut self,
        key: &str,
        shape: [usize; D],
    ) -> Result<Tensor<D>, WeightsError> {
        let values = self.values(key, &shape)?;
        Ok(self.upload(values, shape))
    }

    /// The device weights go to.
    pub fn device(&self) -> &Device {
        self.device
    }

    /// Names of tensors nobody took.
    pub fn leftovers(&self) -> Vec<String> {
        self.store.names().map(str::to_string).collect()
    }
}

/// The activation after a convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// None (a linear projection).
    Identity,
    /// max(x, 0).
    Relu,
    /// min(max(x, 0), 6), as in MobileNet and EfficientNet-Lite.
    Relu6,
}

impl Activation {
    /// Applies the activation.
    pub fn forward<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Identity => x,
            Activation::Relu => burn::tensor::activation::relu(x),
            // One pass each way (burn's relu + clamp_max record several).
            Activation::Relu6 => crate::ops::relu6::relu6(x),
        }
    }
}

/// Shape and padding of one convolution.
#[derive(Debug, Clone)]
pub struct ConvSpec {
    pub channels_in: usize,
    pub channels_out: usize,
    pub kernel: usize,
    pub stride: usize,
    pub groups: usize,
    pub padding: PaddingConfig2d,
}

impl ConvSpec {
    /// A dense `kernel` x `kernel` convolution.
    pub fn new(
        channels_in: usize,
        channels_out: usize,
        kernel: usize,
        stride: usize,
        padding: PaddingConfig2d,
    ) -> Self {
        Self {
            channels_in,
            channels_out,
            kernel,
            stride,
            groups: 1,
            padding,
        }
    }

    /// A depthwise convolution (one filter per channel).
    pub fn depthwise(
        channels: usize,
        kernel: usize,
        stride: usize,
        padding: PaddingConfig2d,
    ) -> Self {
        Self {
            channels_in: channels,
            channels_out: channels,
            kernel,
            stride,
            groups: channels,
            padding,
        }
    }

    fn weight_shape(&self) -> [usize; 4] {
        [
            self.channels_out,
            self.channels_in / self.groups,
            self.kernel,
            self.kernel,
        ]
    }
}

/// Where a convolution's batch norm is stored, and its epsilon.
#[derive(Debug, Clone)]
pub struct BatchNorm {
    /// Canonical key prefix: `<prefix>.weight`, `.bias`, `.running_mean`, `.running_var`.
    pub prefix: String,
    /// Added to the variance: 1e-3 in TensorFlow models, 1e-5 in torchvision.
    pub eps: f64,
}

/// Convolution, eval-mode batch norm (folded into the convolution's weight and bias when
/// loaded, which is exact up to rounding and halves the work of each attack step), activation.
#[derive(Module, Debug)]
pub struct ConvNormAct {
    pub conv: Conv2d,
    /// For a depthwise convolution: its kernel rotated by 180 degrees, for the fast input
    /// gradient of [`depthwise`](crate::ops::depthwise).
    pub rotated: Option<Tensor<4>>,
    /// For a pointwise (1x1, stride 1) convolution: its weight as a [1, C_in, C_out] matrix,
    /// for the input gradient of [`pointwise`](crate::ops::pointwise).
    pub transposed: Option<Tensor<3>>,
    #[module(skip)]
    pub activation: Activation,
}

impl ConvNormAct {
    /// Loads `<conv>.weight` (and `<conv>.bias` if present) and the batch norm, if any.
    pub fn load(
        loader: &mut Loader,
        conv: &str,
        norm: Option<BatchNorm>,
        spec: ConvSpec,
        activation: Activation,
    ) -> Result<Self, WeightsError> {
        let shape = spec.weight_shape();
        let mut weight = loader.values(&format!("{conv}.weight"), &shape)?;
        let out = spec.channels_out;
        let bias_key = format!("{conv}.bias");
        let mut bias = if loader.has(&bias_key) {
            Some(loader.values(&bias_key, &[out])?)
        } else {
            None
        };
        if let Some(bn) = norm {
            let [g, b, m, v, counter] = [
                "weight",
                "bias",
                "running_mean",
                "running_var",
                "num_batches_tracked",
            ]
            .map(|p| format!("{}.{p}", bn.prefix));
            let gamma = loader.values(&g, &[out])?;
            let beta = loader.values(&b, &[out])?;
            let mean = loader.values(&m, &[out])?;
            let var = loader.values(&v, &[out])?;
            loader.discard(&counter);
            let per_out = weight.len() / out;
            let mut folded_bias = vec![0f32; out];
            for o in 0..out {
                // Folded in f64 so the only rounding is the final cast.
                let scale = gamma[o] as f64 / (var[o] as f64 + bn.eps).sqrt();
                for w in &mut weight[o * per_out..(o + 1) * per_out] {
                    *w = (*w as f64 * scale) as f32;
                }
                let b = bias.as_ref().map_or(0.0, |b| b[o] as f64);
                folded_bias[o] = ((b - mean[o] as f64) * scale + beta[o] as f64) as f32;
            }
            bias = Some(folded_bias);
        }
        // A 1x1 kernel pads nothing under SAME or VALID.
        let unpadded =
            !matches!(spec.padding, PaddingConfig2d::Explicit(t, l, b, r) if t + l + b + r > 0);
        let pointwise = spec.kernel == 1 && spec.stride == 1 && spec.groups == 1 && unpadded;
        let transposed = pointwise.then(|| {
            let t = crate::ops::pointwise::transposed(&weight, out, spec.channels_in);
            loader.upload(t, [1, spec.channels_in, out])
        });
        let depthwise = spec.groups > 1 && spec.groups == spec.channels_in && spec.groups == out;
        // Each kernel rotated by 180 degrees: its taps in reverse order.
        let rotated = depthwise.then(|| {
            let taps = spec.kernel * spec.kernel;
            let rotated = weight
                .chunks_exact(taps)
                .flat_map(|kernel| kernel.iter().rev().copied())
                .collect();
            loader.upload(rotated, shape)
        });
        let weight = loader.upload(weight, shape);
        let conv = Conv2d {
            weight: Param::from_tensor(weight),
            bias: bias.map(|b| Param::from_tensor(loader.upload(b, [out]))),
            stride: [spec.stride, spec.stride],
            kernel_size: [spec.kernel, spec.kernel],
            dilation: [1, 1],
            groups: spec.groups,
            padding: spec.padding,
        };
        Ok(Self {
            conv,
            rotated,
            transposed,
            activation,
        })
    }

    /// conv -> (folded) batch norm -> activation.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let y = match (&self.rotated, &self.transposed, &self.conv.bias) {
            (_, Some(transposed), Some(bias)) => crate::ops::pointwise::pointwise_conv2d(
                x,
                self.conv.weight.val(),
                transposed.clone(),
                bias.val(),
            ),
            (Some(rotated), _, Some(bias)) => {
                let [_, _, h, w] = x.dims();
                let options = crate::ops::depthwise::options(&self.conv, h, w);
                crate::ops::depthwise::depthwise_conv2d(
                    x,
                    self.conv.weight.val(),
                    rotated.clone(),
                    bias.val(),
                    options,
                )
            }
            _ => self.conv.forward(x),
        };
        self.activation.forward(y)
    }
}

/// A fully connected layer, split by output columns into parts that each fit the device's
/// largest buffer binding (WebGPU allows 128 MiB by default; VGG16's fc6 holds 411 MB).
#[derive(Module, Debug)]
pub struct Dense {
    pub parts: Vec<Linear>,
}

impl Dense {
    /// [N, in] -> [N, out], each image on its own.
    ///
    /// As one [N, in] x [in, out] product, the CPU's matrix multiply (the `gemm` crate) takes
    /// another path for one row (a matrix-vector product) than for several (blocked kernels),
    /// which sum in another order: a batch of four gave other logits than each image alone,
    /// and through the sign of the gradient other adversarial images. As N products of one
    /// row each ([N, 1, in] x [N, in, out], the weight a broadcast view), every image takes
    /// the same path at any batch size, forward and backward. (burn's `Linear::forward` and
    /// `matmul` against a [1, in, out] weight fold the N rows back into one product.)
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [n, _] = x.dims();
        let rows = x.unsqueeze_dim::<3>(1);
        let part = |linear: &Linear| {
            // The weight broadcast to [N, in, out] (a view): against a [1, in, out] weight,
            // burn turns [N, 1, in] back into one [1, N, in] product.
            let [d_in, d_out] = linear.weight.dims();
            let weight = linear
                .weight
                .val()
                .unsqueeze::<3>()
                .expand([n, d_in, d_out]);
            let y = rows.clone().matmul(weight);
            match &linear.bias {
                Some(bias) => y + bias.val().unsqueeze::<3>(),
                None => y,
            }
        };
        let y = match self.parts.as_slice() {
            [one] => part(one),
            parts => Tensor::cat(parts.iter().map(part).collect(), 2),
        };
        let out = y.dims()[2];
        y.reshape([n, out])
    }
}

/// A fully connected layer from torch's and Chainer's `[out, in]` weight layout.
pub fn load_linear(
    loader: &mut Loader,
    key: &str,
    d_in: usize,
    d_out: usize,
) -> Result<Dense, WeightsError> {
    let weight = loader.values(&format!("{key}.weight"), &[d_out, d_in])?;
    let bias_key = format!("{key}.bias");
    let bias = if loader.has(&bias_key) {
        Some(loader.values(&bias_key, &[d_out])?)
    } else {
        None
    };
    let columns = match loader.max_tensor_bytes {
        Some(max) => ((max / 4) as usize / d_in).clamp(1, d_out),
        None => d_out,
    };
    let mut parts = Vec::new();
    for start in (0..d_out).step_by(columns) {
        let end = (start + columns).min(d_out);
        let width = end - start;
        // burn keeps [in, out]: transpose on the host once.
        let mut transposed = vec![0f32; d_in * width];
        for o in start..end {
            let row = &weight[o * d_in..(o + 1) * d_in];
            for (i, w) in row.iter().enumerate() {
                transposed[i * width + (o - start)] = *w;
            }
        }
        parts.push(Linear {
            weight: Param::from_tensor(loader.upload(transposed, [d_in, width])),
            bias: bias
                .as_ref()
                .map(|b| Param::from_tensor(loader.upload(b[start..end].to_vec(), [width]))),
        });
    }
    Ok(Dense { parts })
}

/// Mean over the spatial dimensions: [N, C, H, W] -> [N, C].
pub fn global_average_pool(x: Tensor<4>) -> Tensor<2> {
    let [n, c, _, _] = x.dims();
    x.mean_dim(3).mean_dim(2).reshape([n, c])
}

/// Max pooling, `k` x `k` with stride `s` and padding `p`; `ceil` rounds the output size up
/// (PyTorch's `ceil_mode`, Chainer's `cover_all`), ignoring positions outside the input.
pub fn max_pool(x: Tensor<4>, k: usize, s: usize, p: usize, ceil: bool) -> Tensor<4> {
    let options = burn::tensor::ops::MaxPoolOptions::new([k, k])
        .with_stride([s, s])
        .with_padding([p, p])
        .with_ceil_mode(ceil);
    burn::tensor::module::max_pool2d(x, options)
}
