//! ReLU6, `min(max(x, 0), 6)`, as one operation that brings its own backward step.
//!
//! burn composes it from `relu` and `clamp_max`, and `clamp_max` from a comparison and a masked
//! fill: under autodiff that is three passes over the activation forward (and a boolean mask
//! kept for the backward pass) and two backward. EfficientNet-Lite has a ReLU6 after nearly
//! every convolution, so these passes add up to a visible share of an attack step on the CPU.
//! Here the forward pass is one clamp and the backward pass keeps the output gradient where
//! `0 < y < 6`, reading the saved output `y`: on the CPU backend (flex) each is a single loop
//! (split over the cores on native builds), in place when the tensor is not shared; the CubeCL backends (wgpu, CUDA) use burn's own
//! operations: one clamp forward, and backward a comparison, relu's backward step and a masked
//! fill (native wgpu fuses them; the page's WebGPU build has no fusion).

use burn::Tensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{
    Autodiff, Backend, Dispatch, Flex, TensorMetadata, backend_extension,
    get_or_init_device_settings,
};

use super::flex::{in_parallel, plain};

/// The clamp of ReLU6's forward pass.
const TOP: f32 = 6.0;

/// ReLU6 and its backward step as backend operations.
#[cfg_attr(feature = "gpu", backend_extension(Flex, Cube, Autodiff))]
#[cfg_attr(not(feature = "gpu"), backend_extension(Flex, Autodiff))]
pub trait Relu6Ops: Backend {
    /// `min(max(x, 0), 6)`.
    fn relu6(x: FloatTensor<Self>) -> FloatTensor<Self> {
        clamp::<Self>(x)
    }

    /// The gradient through ReLU6: `grad` where `0 < output < 6`, else 0 (a NaN output lets
    /// the gradient through, as burn's relu does).
    fn relu6_backward(output: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        mask::<Self>(output, grad)
    }
}

/// ReLU6 from burn's operations.
fn clamp<B: Backend>(x: FloatTensor<B>) -> FloatTensor<B> {
    B::float_clamp(x, 0.0f32.into(), TOP.into())
}

/// ReLU6's backward step from burn's operations: relu's backward step (zero where y <= 0),
/// then zero where y >= 6.
fn mask<B: Backend>(output: FloatTensor<B>, grad: FloatTensor<B>) -> FloatTensor<B> {
    let bools = get_or_init_device_settings::<B>(&output.device()).bool_dtype;
    let top = B::float_greater_equal_elem(output.clone(), TOP.into(), bools);
    B::float_mask_fill(B::relu_backward(output, grad), top, 0.0f32.into())
}

#[cfg(feature = "gpu")]
impl Relu6Ops for burn::backend::Cube {}

impl Relu6Ops for Flex {
    fn relu6(mut x: FloatTensor<Self>) -> FloatTensor<Self> {
        let n = x.layout().num_elements();
        if plain(&x)
            && let Some(values) = x.try_storage_mut::<f32>()
        {
            in_parallel(&mut values[..n], &[], |v, _| {
                v.iter_mut().for_each(|v| *v = v.clamp(0.0, TOP))
            });
            return x;
        }
        clamp::<Self>(x)
    }

    fn relu6_backward(output: FloatTensor<Self>, mut grad: FloatTensor<Self>) -> FloatTensor<Self> {
        let keep = |y: f32, g: f32| if y <= 0.0 || y >= TOP { 0.0 } else { g };
        if !(plain(&output) && plain(&grad) && output.layout().shape() == grad.layout().shape()) {
            // Not the layout this loop reads: burn's operations.
            return mask::<Self>(output, grad);
        }
        let n = output.layout().num_elements();
        let y = &output.storage::<f32>()[..n];
        let masked = |g: &mut [f32], y: &[f32]| {
            g.iter_mut().zip(y).for_each(|(g, &y)| *g = keep(y, *g));
        };
        if let Some(g) = grad.try_storage_mut::<f32>() {
            in_parallel(&mut g[..n], y, masked);
            return grad;
        }
        let mut values = grad.storage::<f32>()[..n].to_vec();
        in_parallel(&mut values, y, masked);
        FloatTensor::<Self>::from_data(burn::tensor::TensorData::new(
            values,
            output.layout().shape().clone(),
        ))
    }
}

/// The backward step: the saved output masks the gradient.
#[derive(Debug)]
struct Relu6Backward;

impl<B: Backend + Relu6Ops> Backward<B, 1> for Relu6Backward {
    /// ReLU6's output.
    type State = FloatTensor<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [input] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(node) = input {
            grads.register::<B>(node.id, B::relu6_backward(ops.state, grad));
        }
    }
}

impl<B: Backend + Relu6Ops, C: CheckpointStrategy> Relu6Ops for Autodiff<B, C> {
    fn relu6(x: FloatTensor<Self>) -> FloatTensor<Self> {
        match Relu6Backward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let out = B::relu6(x.into_primitive());
                prep.finish(out.clone(), out)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::relu6(x.into_primitive())),
        }
    }
}

/// `min(max(x, 0), 6)` with the single-pass backward step above.
pub fn relu6<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    Tensor::from_dispatch(<Dispatch as Relu6Ops>::relu6(x.into_dispatch()))
}
