//! What Gibbon's loops on the CPU backend (flex) in [`depthwise`](super::depthwise),
//! [`pointwise`](super::pointwise) and [`relu6`](super::relu6) share: which tensors they can
//! read directly, and splitting a loop over the cores.

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

/// An f32 tensor whose values lie in order from the start of its storage.
pub fn plain(t: &FloatTensor<Flex>) -> bool {
    t.dtype() == DType::F32 && t.is_contiguous() && t.layout().start_offset() == 0
}

/// Whether every tensor holds f32 values (what Gibbon's loops compute on).
pub fn all_f32(tensors: &[&FloatTensor<Flex>]) -> bool {
    tensors.iter().all(|t| t.dtype() == DType::F32)
}

/// A tensor the loops can read from the start of its storage: views (the rotated kernel is a
/// flipped one) are copied.
pub fn own(t: FloatTensor<Flex>) -> FloatTensor<Flex> {
    if plain(&t) { t } else { t.to_contiguous() }
}

/// The values of a tensor that [`own`] returned.
pub fn values(t: &FloatTensor<Flex>) -> &[f32] {
    &t.storage::<f32>()[..t.shape().num_elements()]
}

/// Values per task of [`in_parallel`].
const CHUNK: usize = 1 << 14;

/// `work(part of values, the same part of other)` over all of `values` (`other`: as long, or
/// empty), in parallel on native builds and in the browser's threaded worker.
pub fn in_parallel(values: &mut [f32], other: &[f32], work: impl Fn(&mut [f32], &[f32]) + Sync) {
    let part = |i: usize, len: usize| other.get(i * CHUNK..i * CHUNK + len).unwrap_or(&[]);
    #[cfg(any(not(target_arch = "wasm32"), feature = "threads"))]
    {
        use rayon::prelude::*;
        values
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(i, v)| work(v, part(i, v.len())));
    }
    #[cfg(all(target_arch = "wasm32", not(feature = "threads")))]
    for (i, v) in values.chunks_mut(CHUNK).enumerate() {
        work(v, part(i, v.len()));
    }
}
