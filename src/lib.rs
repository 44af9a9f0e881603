//! Gibbon: make and study adversarial examples for ImageNet classifiers.
//!
//! The library holds everything but the user interfaces, written once for any burn `Device`:
//! the networks ([`models`]) read from real weight files ([`weights`]), photos in and out
//! ([`imaging`]), attacks in pixel space ([`attacks`]), the measures of their results
//! ([`metrics`]) and studies over many photos ([`study`]). The native CLI (`src/cli`) and the
//! web app (`src/app`, the page, and [`worker`], which computes for it) are thin layers on top.
//!
//! The crate compiles in two shapes, and this file is the one place that says which modules
//! each holds. The `compute` feature (on by default) brings burn and everything that needs it.
//! The web page's own binary, which only draws and talks to the worker, is built without it
//! and with `page` (Leptos): it holds the modules that are not switched off below, plain
//! types and pure Rust (configurations, goals, verdicts, model ids, predictions, the worker's
//! protocol), and the app.

// Plain types and pure Rust: in every binary, the page's included.
pub mod attacks;
pub mod fuzzing;
pub mod imagenet;
pub mod imaging;
pub mod metrics;
pub mod prediction;
pub mod samples;
pub mod stats;
pub mod study;
pub mod weights;
pub mod worker;
pub mod zoo;

// burn and what runs on it: not in the page's own binary.
#[cfg(feature = "compute")]
pub mod backend;
#[cfg(feature = "compute")]
pub mod models;
#[cfg(feature = "compute")]
pub mod ops;
#[cfg(feature = "compute")]
pub use burn;

// The user interfaces. The page (its main thread, feature `page`) is built without
// `compute`; the workers hold none of it.
#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub mod app;
#[cfg(all(not(target_arch = "wasm32"), feature = "compute"))]
pub mod cli;
#[cfg(all(not(target_arch = "wasm32"), feature = "compute"))]
pub mod home;

#[cfg(all(not(target_arch = "wasm32"), not(feature = "compute")))]
compile_error!("the gibbon command line needs the `compute` feature (on by default)");
