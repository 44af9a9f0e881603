//! The threaded worker's pool of threads: rayon's global pool, made of the worker's own thread
//! and one helper Web Worker per further core, all sharing the worker's WebAssembly memory.
//!
//! The worker's own thread is a member of the pool (rayon's `use_current_thread`). A loop that
//! the CPU backend splits with rayon then starts on the thread that asked for it and is shared
//! out by work stealing: the asking thread does the work itself until a helper takes some,
//! instead of handing every loop of a step (hundreds) to a pool beside it and waiting. On its
//! own this gained little (two threads were still slower than one); the tiled products of
//! `ops/matmul.rs` and the helpers kept awake by `ops/flex.rs` made two threads faster.
//!
//! Start-up, driven by the loader script that scripts/web-post-build.py writes: the worker
//! instantiates the wasm, starts `cores - 1` helpers (`helper.js`) with its module and memory
//! ([`shared`]); each helper instantiates the same module on that memory and calls
//! [`helper`], which waits for its rayon thread; then the worker calls [`build`].

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{LazyLock, Mutex};

use rayon::{ThreadBuilder, ThreadPoolBuilder};
use wasm_bindgen::prelude::*;

/// Rayon's threads, handed from [`build`] to the helpers waiting in [`helper`].
static HANDOUT: LazyLock<(Mutex<Sender<ThreadBuilder>>, Mutex<Receiver<ThreadBuilder>>)> =
    LazyLock::new(|| {
        let (sender, receiver) = channel();
        (Mutex::new(sender), Mutex::new(receiver))
    });

/// What a helper needs to join: `[module, memory]` (the compiled wasm and its shared memory).
#[wasm_bindgen(js_name = gibbonPoolShared)]
pub fn shared() -> js_sys::Array {
    LazyLock::force(&HANDOUT);
    js_sys::Array::of2(&wasm_bindgen::module(), &wasm_bindgen::memory())
}

/// Runs in a helper: waits for one of rayon's threads and runs it (for the worker's life).
#[wasm_bindgen(js_name = gibbonPoolHelper)]
pub fn helper() {
    let thread = HANDOUT
        .1
        .lock()
        .ok()
        .and_then(|receiver| receiver.recv().ok());
    if let Some(thread) = thread {
        thread.run();
    }
}

/// Runs in the worker once its `threads - 1` helpers wait in [`helper`]: builds rayon's global
/// pool of `threads` threads, the worker's own thread first.
#[wasm_bindgen(js_name = gibbonPoolBuild)]
pub fn build(threads: usize) -> Result<(), JsError> {
    ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .use_current_thread()
        .spawn_handler(|thread| {
            let sender = HANDOUT.0.lock().map_err(|_| std::io::ErrorKind::Other)?;
            sender
                .send(thread)
                .map_err(|_| std::io::ErrorKind::BrokenPipe.into())
        })
        .build_global()
        .map_err(|e| JsError::new(&format!("the thread pool did not start: {e}")))
}
