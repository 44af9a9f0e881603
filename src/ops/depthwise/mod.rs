//! A depthwise convolution (one filter per channel) that brings its own input gradient.
//!
//! An attack step is a forward pass and the gradient with respect to the input. burn computes
//! a convolution's input gradient as a transposed convolution, and burn's CPU backend has no
//! depthwise path for that: per image and channel it runs a tiny matrix product and a scalar
//! scatter, which made EfficientNet-Lite's 16 depthwise layers the largest part of a step.
//! The same gradient is a depthwise convolution of the output gradient with the kernel rotated
//! by 180 degrees (at stride 2, of the output gradient spread out with zeros, or, on the CPU,
//! of each remainder class with its part of the kernel). The rotated kernel is made once, when
//! the model loads.
//!
//! The operation is a burn backend extension. The CubeCL backends (wgpu, CUDA) run burn's
//! convolution forward and [`input_gradient`]'s spread-out convolution backward. The CPU
//! backend (flex, native and WebAssembly) runs [`cpu`]'s kernels both ways: burn's own
//! depthwise kernel is slow on the small planes of EfficientNet's later layers. The autodiff
//! wrapper records this module's backward step instead of burn's.

mod cpu;

use super::flex::{all_f32, own, values};
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

/// The depthwise convolution as a backend operation.
#[cfg_attr(feature = "gpu", backend_extension(Flex, Cube, Autodiff))]
#[cfg_attr(not(feature = "gpu"), backend_extension(Flex, Autodiff))]
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
        Self::depthwise_forward(x, weight, bias, options)
    }

    /// The forward convolution alone: `conv2d(x, weight, bias)` with `groups == channels`.
    fn depthwise_forward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        Self::conv2d(x, weight, Some(bias), options)
    }

    /// The input gradient of the forward convolution (input `size`, `options`) from the
    /// output gradient `grad` and the rotated kernel.
    fn depthwise_input_gradient(
        grad: FloatTensor<Self>,
        rotated: FloatTensor<Self>,
        size: [usize; 2],
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        input_gradient::<Self>(grad, rotated, size, &options)
    }
}

/// The output gradient spread out by the stride, from burn's operations: zeros, and a strided
/// slice assignment.
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

/// The kernels' geometry for a depthwise convolution of an input of shape `input` by a weight
/// of shape `weight` that [`cpu`] computes (no dilation, one kernel per channel); None for
/// anything else.
fn cpu_geometry(
    input: [usize; 4],
    weight: [usize; 4],
    options: &ConvOptions<2>,
) -> Option<cpu::Geometry> {
    let [n, c, h, w] = input;
    let [wc, one, kh, kw] = weight;
    let [(top, bottom), (left, right)] = options.padding;
    let [sh, sw] = options.stride;
    let usable = n * c * h * w > 0
        && options.dilation == [1, 1]
        && options.groups == c
        && wc == c
        && one == 1
        && h + top + bottom >= kh
        && w + left + right >= kw;
    usable.then(|| cpu::Geometry {
        input: [h, w],
        kernel: [kh, kw],
        stride: [sh, sw],
        before: [top as isize, left as isize],
        output: [
            (h + top + bottom - kh) / sh + 1,
            (w + left + right - kw) / sw + 1,
        ],
    })
}

impl DepthwiseConvOps for burn::backend::Flex {
    fn depthwise_forward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        let [n, c, _, _] = x.shape().dims();
        let geometry = cpu_geometry(x.shape().dims(), weight.shape().dims(), &options)
            .filter(|_| all_f32(&[&x, &weight, &bias]));
        let Some(geometry) = geometry else {
            use burn::backend::ops::ModuleOps;
            return Self::conv2d(x, weight, Some(bias), options);
        };
        let (x, weight, bias) = (own(x), own(weight), own(bias));
        let values = cpu::depthwise(
            values(&x),
            values(&weight),
            Some(values(&bias)),
            c,
            &geometry,
        );
        let [oh, ow] = geometry.output;
        FloatTensor::<Self>::from_data(burn::tensor::TensorData::new(values, [n, c, oh, ow]))
    }

    fn depthwise_input_gradient(
        grad: FloatTensor<Self>,
        rotated: FloatTensor<Self>,
        size: [usize; 2],
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        let [n, c, oh, ow] = grad.shape().dims();
        let geometry = cpu_geometry([n, c, size[0], size[1]], rotated.shape().dims(), &options)
            .filter(|g| g.output == [oh, ow] && all_f32(&[&grad, &rotated]));
        let Some(geometry) = geometry else {
            return input_gradient::<Self>(grad, rotated, size, &options);
        };
        let (grad, rotated) = (own(grad), own(rotated));
        let values = cpu::input_gradient(values(&grad), values(&rotated), c, &geometry);
        FloatTensor::<Self>::from_data(burn::tensor::TensorData::new(
            values,
            [n, c, size[0], size[1]],
        ))
    }
}

#[cfg(feature = "gpu")]
impl DepthwiseConvOps for burn::backend::Cube {}

/// The input gradient of a depthwise convolution (dilation 1) from burn's operations: a
/// depthwise convolution, stride 1, of the output gradient, spread out by the stride and
/// padded, with the rotated kernel.
/// Padding: `k - 1 - begin` before, and after whatever the input's size still needs.
fn input_gradient<B: Backend>(
    grad: FloatTensor<B>,
    rotated: FloatTensor<B>,
    size: [usize; 2],
    options: &ConvOptions<2>,
) -> FloatTensor<B> {
    let [h, w] = size;
    let [_, _, out_h, out_w] = grad.shape().dims();
    let [c, _, kh, kw] = rotated.shape().dims();
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
        let spread = spread::<B>(grad, size, [before_h, before_w], [sh, sw]);
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
            let [_, _, h, w] = shape.dims();
            grads.register::<B>(
                node.id,
                B::depthwise_input_gradient(grad, rotated, [h, w], options),
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
        let bias = bias.into_primitive();
        match DepthwiseBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let shape = x.primitive().shape();
                let out = B::depthwise_forward(x.into_primitive(), weight, bias, options.clone());
                prep.finish((rotated.into_primitive(), shape, options), out)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::depthwise_forward(
                x.into_primitive(),
                weight,
                bias,
                options,
            )),
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
