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

/// Keeps the browser's helper threads looking for work for a moment after a parallel loop
/// (the threaded worker; a no-op elsewhere). Call it before handing a loop to rayon.
///
/// An idle rayon thread sleeps after a few dozen empty looks (its `yield` is a no-op in
/// WebAssembly), and in a browser waking it again takes long against an operation of a tenth
/// of a millisecond: a step is hundreds of such loops, and the worker's own thread did most of
/// each before the helper woke. Here a job on each helper keeps it taking work from the
/// worker's deque (`rayon::yield_now`) until it has found none 20,000 times in a row (a short
/// while: between two attack steps it goes back to sleep; the next loop starts it again). It
/// never runs on the worker's own thread (index 0 in `src/worker/pool.rs`'s pool), which must
/// get back to its loop.
#[cfg(any(not(target_arch = "wasm32"), feature = "threads"))]
pub fn keep_awake() {
    #[cfg(all(target_arch = "wasm32", feature = "threads"))]
    awake::start();
}

#[cfg(all(target_arch = "wasm32", feature = "threads"))]
mod awake {
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Helpers looking for work now.
    static LOOKING: AtomicUsize = AtomicUsize::new(0);
    /// Empty looks in a row before a helper goes back to rayon's sleep.
    const PATIENCE: u32 = 20_000;

    pub fn start() {
        let helpers = rayon::current_num_threads().saturating_sub(1);
        let one_more = |n: usize| (n < helpers).then_some(n + 1);
        while LOOKING
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, one_more)
            .is_ok()
        {
            rayon::spawn(look);
        }
    }

    fn look() {
        if rayon::current_thread_index() != Some(0) {
            let mut empty = 0;
            while empty < PATIENCE {
                match rayon::yield_now() {
                    Some(rayon::Yield::Executed) => empty = 0,
                    Some(rayon::Yield::Idle) => {
                        empty += 1;
                        std::hint::spin_loop();
                    }
                    None => break,
                }
            }
        }
        LOOKING.fetch_sub(1, Ordering::AcqRel);
    }
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
        keep_awake();
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
