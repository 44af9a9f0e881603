//! A pointwise (1x1, stride 1) convolution that brings its own input gradient.
//!
//! burn computes every convolution's input gradient as a transposed convolution. For a 1x1
//! kernel that is, per image, a matrix product into a column buffer and then a scatter of the
//! columns into a zeroed output: two extra passes over the gradient. But a 1x1 convolution is
//! a matrix product, `y[n] = W x[n] + b` with `x[n]` seen as [C_in, H*W], so its input gradient
//! is one too: `dx[n] = W^T dy[n]`, written straight into the result. `W^T` is made once, when
//! the model loads. EfficientNet-Lite's expansion and projection layers, ResNet's bottlenecks
//! and GoogLeNet's reductions are all such convolutions.
//!
//! The operation is a burn backend extension like [`depthwise`](super::depthwise): the forward
//! pass is the backend's own convolution; the autodiff wrapper records this module's backward
//! step, a batched matrix product on the CPU backend (flex). The CubeCL backends keep burn's
//! transposed convolution there (see their impl); they still hold `W^T`, unused, a copy the
//! size of the 1x1 weights.

use burn::Tensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::ConvOptions;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, Shape, TensorMetadata, backend_extension};
use burn::tensor::TensorData;

use super::flex::{all_f32, own, values};

/// The options of a 1x1 convolution with stride 1 and no padding.
fn options() -> ConvOptions<2> {
    ConvOptions::new([1, 1], [0, 0], [1, 1], 1)
}

/// The pointwise convolution as a backend operation.
#[cfg_attr(feature = "gpu", backend_extension(Flex, Cube, Autodiff))]
#[cfg_attr(not(feature = "gpu"), backend_extension(Flex, Autodiff))]
pub trait PointwiseConvOps: Backend {
    /// `conv2d(x, weight, bias)` for `weight` [C_out, C_in, 1, 1]. `transposed` is `weight` as a
    /// [1, C_in, C_out] matrix; only the backward step uses it.
    fn pointwise_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        transposed: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let _ = transposed;
        Self::conv2d(x, weight, Some(bias), options())
    }

    /// The input gradient for the output gradient `grad`: `W^T dy`, one batched matrix product.
    fn pointwise_input_gradient(
        grad: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        transposed: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let _ = weight;
        input_gradient::<Self>(grad, transposed)
    }
}

/// The CPU backend: both directions are matrix products per image, tiled the same way on any
/// number of threads ([`Product`](super::matmul::Product); burn's convolution splits one
/// product per thread, see there).
impl PointwiseConvOps for burn::backend::Flex {
    fn pointwise_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        transposed: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let _ = transposed;
        let [_, c_in, kh, kw] = weight.shape().dims();
        let (x, weight, bias) = (own(x), own(weight), own(bias));
        if x.shape()[1] != c_in || [kh, kw] != [1, 1] || !all_f32(&[&x, &weight, &bias]) {
            use burn::backend::ops::ModuleOps;
            return Self::conv2d(x, weight, Some(bias), options());
        }
        per_image(&weight, &x, Some(&bias))
    }

    fn pointwise_input_gradient(
        grad: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        transposed: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let _ = weight;
        let [_, _, c_out] = transposed.shape().dims();
        let (grad, transposed) = (own(grad), own(transposed));
        if grad.shape()[1] != c_out || !all_f32(&[&grad, &transposed]) {
            return input_gradient::<Self>(grad, transposed);
        }
        per_image(&transposed, &grad, None)
    }
}

/// `a · x[i] (+ bias)` for each image of `x` [N, K, H, W] seen as a [K, H*W] matrix, with `a`
/// holding an [M, K] matrix: [N, M, H, W]. The tensors are [`own`]ed f32 tensors.
fn per_image(
    a: &FloatTensor<burn::backend::Flex>,
    x: &FloatTensor<burn::backend::Flex>,
    bias: Option<&FloatTensor<burn::backend::Flex>>,
) -> FloatTensor<burn::backend::Flex> {
    let [n, k, h, w] = x.shape().dims();
    let m = a.shape().num_elements() / k;
    let product = super::matmul::Product::new(m, k, h * w);
    let out = product.batched(values(a), values(x), bias.map(values), n);
    FloatTensor::<burn::backend::Flex>::from_data(TensorData::new(out, [n, m, h, w]))
}

/// The CubeCL backends keep burn's transposed convolution: in Chromium's WebGPU (SwiftShader)
/// the matrix product made a step 40% slower, and native wgpu (lavapipe) gained nothing.
#[cfg(feature = "gpu")]
impl PointwiseConvOps for burn::backend::Cube {
    fn pointwise_input_gradient(
        grad: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        transposed: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        use burn::backend::ops::{ConvTransposeOptions, ModuleOps};
        let _ = transposed;
        let options = ConvTransposeOptions::new([1, 1], [0, 0], [0, 0], [1, 1], 1);
        <Self as ModuleOps<Self>>::conv_transpose2d(grad, weight, None, options)
    }
}

/// The input gradient `W^T dy`, one matrix product per image (batched).
fn input_gradient<B: Backend>(grad: FloatTensor<B>, transposed: FloatTensor<B>) -> FloatTensor<B> {
    let [n, c_out, h, w] = grad.shape().dims();
    let [_, c_in, _] = transposed.shape().dims();
    let grad = B::float_reshape(grad, Shape::new([n, c_out, h * w]));
    let dx = B::float_matmul(transposed, grad);
    B::float_reshape(dx, Shape::new([n, c_in, h, w]))
}

/// The backward step: only the input's gradient (the weights are constants).
#[derive(Debug)]
struct PointwiseBackward;

impl<B: Backend + PointwiseConvOps> Backward<B, 1> for PointwiseBackward {
    /// The weight, and the weight transposed.
    type State = (FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [input] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(node) = input {
            let (weight, transposed) = ops.state;
            grads.register::<B>(
                node.id,
                B::pointwise_input_gradient(grad, weight, transposed),
            );
        }
    }
}

impl<B: Backend + PointwiseConvOps, C: CheckpointStrategy> PointwiseConvOps for Autodiff<B, C> {
    fn pointwise_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        transposed: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let weight = weight.into_primitive();
        let transposed = transposed.into_primitive();
        let bias = bias.into_primitive();
        match PointwiseBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let out = B::pointwise_conv2d(
                    x.into_primitive(),
                    weight.clone(),
                    transposed.clone(),
                    bias,
                );
                prep.finish((weight, transposed), out)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::pointwise_conv2d(
                x.into_primitive(),
                weight,
                transposed,
                bias,
            )),
        }
    }
}

/// The values of `weight` [C_out, C_in, 1, 1] as the [1, C_in, C_out] matrix the backward
/// step multiplies by (row-major).
pub fn transposed(weight: &[f32], c_out: usize, c_in: usize) -> Vec<f32> {
    (0..c_in)
        .flat_map(|i| (0..c_out).map(move |o| weight[o * c_in + i]))
        .collect()
}

/// `conv2d(x, weight, bias)` for a 1x1 `weight` (stride 1, no padding), whose input gradient
/// is the matrix product with `transposed`, [`transposed`]'s values as [1, C_in, C_out].
pub fn pointwise_conv2d(
    x: Tensor<4>,
    weight: Tensor<4>,
    transposed: Tensor<3>,
    bias: Tensor<1>,
) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as PointwiseConvOps>::pointwise_conv2d(
        x.into_dispatch(),
        weight.into_dispatch(),
        transposed.into_dispatch(),
        bias.into_dispatch(),
    ))
}
