//! Gibbon: make and study adversarial examples for ImageNet classifiers.
//!
//! The library holds everything but the user interfaces, written once for any burn `Device`:
//! models ([`models`]) read from real weight files ([`weights`]), the image pipeline
//! ([`imaging`]), attacks in pixel space ([`attacks`]) and the measures of their results
//! ([`metrics`]). The native CLI (`src/cli`) and the web app (`src/app`, the page, and
//! [`worker`], which computes for it) are thin layers on top.
//!
//! The `compute` feature (on by default) brings burn and everything that computes. The web
//! page's own binary, which only draws and talks to the worker, is built without it: its
//! types (configurations, outcomes, verdicts, model ids) are here either way.

pub mod attacks;
pub mod backend;
pub mod fuzzing;
#[cfg(all(not(target_arch = "wasm32"), feature = "compute"))]
pub mod home;
pub mod imagenet;
pub mod imaging;
pub mod metrics;
pub mod models;
pub mod prediction;
pub mod samples;
pub mod stats;
pub mod study;
pub mod weights;
pub mod worker;

#[cfg(all(not(target_arch = "wasm32"), feature = "compute"))]
pub mod cli;

#[cfg(target_arch = "wasm32")]
pub mod app;

#[cfg(feature = "compute")]
pub use burn;
