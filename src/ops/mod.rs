//! Tensor operations Gibbon adds to burn: three that bring their own backward step and, on
//! the CPU, their own kernels. An attack step is a forward pass and the gradient with respect
//! to the input, and on EfficientNet-Lite these three were most of its time in burn's generic
//! form (the README's speed section has the figures).
//!
//! Each is a burn backend extension written once: the CPU backend (flex, native and
//! WebAssembly) runs Gibbon's loops ([`flex`] holds what they share, [`matmul`] the tiled
//! matrix product), the CubeCL backends (wgpu, CUDA) run burn's own operations, and the
//! autodiff wrapper records this module's backward step instead of burn's.

pub mod depthwise;
mod flex;
mod matmul;
pub mod pointwise;
pub mod relu6;
