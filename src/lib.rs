//! Gibbon: make and study adversarial examples for ImageNet classifiers.
//!
//! The library holds everything but the user interfaces, written once for any burn `Device`:
//! models ([`models`]) read from real weight files ([`weights`]), the image pipeline
//! ([`imaging`]), attacks in pixel space ([`attacks`]) and the measures of their results
//! ([`metrics`]). The native CLI (`src/cli`) and the web app (`src/app`) are thin layers on top.

pub mod attacks;
pub mod backend;
pub mod fuzzing;
#[cfg(not(target_arch = "wasm32"))]
pub mod home;
pub mod imagenet;
pub mod imaging;
pub mod metrics;
pub mod models;
pub mod prediction;
pub mod samples;
pub mod stats;
pub mod weights;
pub mod worker;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

#[cfg(target_arch = "wasm32")]
pub mod app;

pub use burn;
