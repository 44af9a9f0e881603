//! A depthwise convolution (one filter per channel) that brings its own input gradient.
//!
//! An attack step is a forward pass and the gradient with respect to the input. burn computes
//! a convolution's input gradient as a transposed convolution, and burn's CPU backend has no
//! depthwise path for that: per image and channel it runs a tiny matrix product and a scalar
//! scatter, which made EfficientNet-Lite's 16 depthwise layers the largest part of a step.
//! The same gradient is a depthwise convolution of the output gradient with the kernel rotated
//! by 180 degrees (the output gradient spread out with zeros first when the stride is 2), and
//! the CPU backend's forward depthwise convolution is fast. The rotated kernel is made once,
//! when the model loads.
//!
//! The operation is a burn backend extension: for the CPU backend (flex) and the CubeCL
//! backends (wgpu, CUDA) the forward pass is the ordinary convolution; the autodiff wrapper
//! records this module's backward step instead of burn's.

use burn::Tensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::ConvOptions;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, Shape, Slice, TensorMetadata, backend_extension};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::DType;

/// The depthwise convolution as a backend operation.
#[backend_extension(Flex, Cube, Autodiff)]
pub trait DepthwiseConvOps: Backend {
    /// `conv2d(x, weight, bias)` with `groups == channels`. `rotated` is `weight` flipped in
    /// both spatial dimensions; only the backward step uses it.
    fn depthwise_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        rotated: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        let _ = rotated;
        Self::conv2d(x, weight, Some(bias), options)
    }

    /// `grad` [N, C, h, w] written at every `stride`-th position of a zero tensor
    /// [N, C, size[0], size[1]], from `before`: the output gradient spread out by the stride.
    fn depthwise_spread(
        grad: FloatTensor<Self>,
        size: [usize; 2],
        before: [usize; 2],
        stride: [usize; 2],
    ) -> FloatTensor<Self> {
        spread::<Self>(grad, size, before, stride)
    }
}

/// [`DepthwiseConvOps::depthwise_spread`] from burn's operations: zeros, and a strided slice
/// assignment.
fn spread<B: Backend>(
    grad: FloatTensor<B>,
    size: [usize; 2],
    before: [usize; 2],
    stride: [usize; 2],
) -> FloatTensor<B> {
    let [n, c, h, w] = grad.shape().dims();
    let zeros = B::float_zeros(
        Shape::new([n, c, size[0], size[1]]),
        &grad.device(),
        grad.dtype().into(),
    );
    let every = |before: usize, count: usize, stride: usize| {
        Slice::new(
            before as isize,
            Some((before + (count - 1) * stride + 1) as isize),
            stride as isize,
        )
    };
    let at = [
        Slice::full(),
        Slice::full(),
        every(before[0], h, stride[0]),
        every(before[1], w, stride[1]),
    ];
    B::float_slice_assign(zeros, &at, grad)
}

impl DepthwiseConvOps for burn::backend::Flex {
    /// One pass that writes each value where it goes (burn's strided slice assignment walks
    /// index by index).
    fn depthwise_spread(
        grad: FloatTensor<Self>,
        size: [usize; 2],
        before: [usize; 2],
        stride: [usize; 2],
    ) -> FloatTensor<Self> {
        let plain =
            grad.dtype() == DType::F32 && grad.is_contiguous() && grad.layout().start_offset() == 0;
        if !plain {
            return spread::<Self>(grad, size, before, stride);
        }
        let [n, c, h, w] = grad.shape().dims();
        let [out_h, out_w] = size;
        let plane = out_h * out_w;
        let values = &grad.storage::<f32>()[..n * c * h * w];
        let mut spread = vec![0f32; n * c * plane];
        for (from, to) in values
            .chunks_exact(h * w)
            .zip(spread.chunks_exact_mut(plane))
        {
            for (y, row) in from.chunks_exact(w).enumerate() {
                let start = (before[0] + y * stride[0]) * out_w + before[1];
                let to = &mut to[start..];
                for (x, &v) in row.iter().enumerate() {
                    to[x * stride[1]] = v;
                }
            }
        }
        FloatTensor::<Self>::from_data(burn::tensor::TensorData::new(spread, [n, c, out_h, out_w]))
    }
}

impl DepthwiseConvOps for burn::backend::Cube {}

/// The input gradient of a depthwise convolution (dilation 1): a depthwise convolution, stride
/// 1, of the output gradient, spread out by the stride and padded, with the rotated kernel.
/// Padding: `k - 1 - begin` before, and after whatever the input's size still needs.
fn input_gradient<B: Backend + DepthwiseConvOps>(
    grad: FloatTensor<B>,
    rotated: FloatTensor<B>,
    input_shape: &Shape,
    options: &ConvOptions<2>,
) -> FloatTensor<B> {
    let [_, c, h, w] = input_shape.dims();
    let [_, _, out_h, out_w] = grad.shape().dims();
    let [_, _, kh, kw] = rotated.shape().dims();
    let [sh, sw] = options.stride;
    let (top, left) = (options.padding[0].0, options.padding[1].0);
    // The output gradient spread out by the stride.
    let (spread_h, spread_w) = ((out_h - 1) * sh + 1, (out_w - 1) * sw + 1);
    let (before_h, before_w) = (kh - 1 - top, kw - 1 - left);
    let (after_h, after_w) = (h + top - spread_h, w + left - spread_w);
    let (grad, padding) = if sh == 1 && sw == 1 && before_h == after_h && before_w == after_w {
        // Stride 1 and symmetric padding: the convolution pads by itself.
        (grad, [before_h, before_w])
    } else {
        let size = [before_h + spread_h + after_h, before_w + spread_w + after_w];
        let spread = B::depthwise_spread(grad, size, [before_h, before_w], [sh, sw]);
        (spread, [0, 0])
    };
    B::conv2d(
        grad,
        rotated,
        None,
        ConvOptions::new([1, 1], padding, [1, 1], c),
    )
}

/// The backward step: only the input's gradient (the weights are constants).
#[derive(Debug)]
struct DepthwiseBackward;

impl<B: Backend + DepthwiseConvOps> Backward<B, 1> for DepthwiseBackward {
    /// The rotated kernel, the input's shape, the options.
    type State = (FloatTensor<B>, Shape, ConvOptions<2>);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [input] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(node) = input {
            let (rotated, shape, options) = ops.state;
            grads.register::<B>(
                node.id,
                input_gradient::<B>(grad, rotated, &shape, &options),
            );
        }
    }
}

impl<B: Backend + DepthwiseConvOps, C: CheckpointStrategy> DepthwiseConvOps for Autodiff<B, C> {
    fn depthwise_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        rotated: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        let weight = weight.into_primitive();
        let bias = Some(bias.into_primitive());
        match DepthwiseBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let shape = x.primitive().shape();
                let out = B::conv2d(x.into_primitive(), weight, bias, options.clone());
                prep.finish((rotated.into_primitive(), shape, options), out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(B::conv2d(x.into_primitive(), weight, bias, options))
            }
        }
    }
}

/// `conv2d(x, weight, bias)` for a depthwise `weight` [C, 1, k, k], whose input gradient goes
/// through [`input_gradient`]. `rotated` is `weight.flip([2, 3])`.
pub fn depthwise_conv2d(
    x: Tensor<4>,
    weight: Tensor<4>,
    rotated: Tensor<4>,
    bias: Tensor<1>,
    options: ConvOptions<2>,
) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as DepthwiseConvOps>::depthwise_conv2d(
        x.into_dispatch(),
        weight.into_dispatch(),
        rotated.into_dispatch(),
        bias.into_dispatch(),
        options,
    ))
}

/// The options `Conv2d::forward` would use for an input of `height` x `width`.
pub fn options(conv: &Conv2d, height: usize, width: usize) -> ConvOptions<2> {
    let [kh, kw] = conv.kernel_size;
    let [sh, sw] = conv.stride;
    let padding = match conv.padding {
        PaddingConfig2d::Same => [same_padding(height, kh, sh), same_padding(width, kw, sw)],
        PaddingConfig2d::Valid => [(0, 0); 2],
        PaddingConfig2d::Explicit(top, left, bottom, right) => [(top, bottom), (left, right)],
    };
    ConvOptions::new_with_padding(conv.stride, padding, conv.dilation, conv.groups)
}

/// TensorFlow's "SAME" padding of one dimension, as burn's: (before, after), any odd pixel
/// after.
fn same_padding(size: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let out = size.div_ceil(stride);
    let total = if out > 0 {
        ((out - 1) * stride + kernel).saturating_sub(size)
    } else {
        0
    };
    (total / 2, total - total / 2)
}
