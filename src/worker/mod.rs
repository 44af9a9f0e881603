//! The web app's Web Worker: it owns burn (the device, the models, the photo) and runs every
//! computation, so that the page's main thread only draws and answers the user. It speaks the
//! [`protocol`]: requests in, events out.
//!
//! The worker is a second wasm binary (`src/bin/gibbon-worker.rs`) built from this same
//! library; the model and attack code it runs is the CLI's. The protocol is plain data, which
//! the page's own binary holds too; the jobs need burn and a browser.

pub mod protocol;

#[cfg(all(target_arch = "wasm32", feature = "compute"))]
mod jobs;

#[cfg(all(target_arch = "wasm32", feature = "compute"))]
pub use jobs::run;

/// The threaded CPU worker's pool (built as a library by scripts/build-threads.sh; its loader
/// script starts the pool, then calls `gibbonWorkerStart`).
#[cfg(all(target_arch = "wasm32", feature = "threads"))]
pub mod pool;

/// Starts the threaded worker once its pool of threads is up (see [`run`]).
#[cfg(all(target_arch = "wasm32", feature = "threads"))]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = gibbonWorkerStart)]
pub fn start_threaded() {
    run();
}
