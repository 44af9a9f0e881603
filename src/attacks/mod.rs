//! Adversarial attacks in pixel space (eps and alpha in 0..255 units, as in the seed article:
//! eps = 8 means 8/255 of the full range). Every method runs through one loop
//! ([`step::run`]): gradient of the loss with respect to the pixels, a step, a projection onto
//! the eps-ball around the original AND onto [0, 255], a record of loss and probabilities, an
//! optional early stop, a cancel check. The result is rounded to 8 bits and classified again:
//! that prediction, of the image a user can save, is the one reported.
//!
//! The L2 attacks (C&W in `cw`, DeepFool in `deepfool`) have no eps-ball; they bring their
//! own update and share the rest of the loop. Any attack can run against an [`Ensemble`].

mod config;
#[cfg(feature = "compute")]
mod cw;
#[cfg(feature = "compute")]
mod deepfool;
#[cfg(feature = "compute")]
pub mod diversity;
#[cfg(feature = "compute")]
mod ensemble;
mod outcome;
#[cfg(feature = "compute")]
pub mod robust;
#[cfg(feature = "compute")]
pub mod step;
pub mod survival;
pub mod transfer;
mod verdict;

pub use config::{AttackConfig, Method, Norm, Resolution, Start, default_steps};
#[cfg(feature = "compute")]
pub use ensemble::Ensemble;
pub use outcome::{AttackOutcome, Goal, StepRecord};
#[cfg(feature = "compute")]
pub use step::{Flow, NoObserver, Observer, run, run_batch, run_ensemble};
pub use survival::{Survival, Transform};
#[cfg(feature = "compute")]
pub use transfer::judge;
pub use transfer::{Judgement, Tally, TransferMatrix};
pub use verdict::{Truth, Verdict};

/// Why an attack could not run.
#[derive(Debug, thiserror::Error)]
pub enum AttackError {
    #[error(
        "eps must be a number between 0 and 255 (pixel units; the seed article used 8), not {0}"
    )]
    Eps(f32),
    #[error("alpha (the step size) must be a positive number of pixel units, not {0}")]
    Alpha(f32),
    #[error("steps must be between 1 and {max}, not {0}", max = config::MAX_STEPS)]
    Steps(usize),
    #[error("momentum must be between 0 and 1, not {0}")]
    Momentum(f32),
    #[error("{name} must be {allowed}, not {value}")]
    Parameter {
        name: &'static str,
        allowed: &'static str,
        value: String,
    },
    #[error("the ensemble's models must all be on the same device")]
    MixedDevices,
    #[error("the {0} attack needs a target class (--target, an index or a name such as 'gibbon')")]
    NeedsTarget(&'static str),
    #[error("target class {0} does not exist (ImageNet classes are 0..=999)")]
    BadTarget(usize),
    #[error("true label {0} does not exist (ImageNet classes are 0..=999)")]
    BadLabel(usize),
    #[error(
        "the photo is {width}x{height} pixels: attacks at full resolution take at most {max_side} pixels on the long side and {} megapixels; work on a downscaled copy (--max-side) or at the model's resolution",
        .max_pixels / 1_000_000
    )]
    TooLargeForFull {
        width: u32,
        height: u32,
        max_side: u32,
        max_pixels: u64,
    },
    #[error("the images of one batch must have the same size ({0} and {1} differ)")]
    MixedSizes(String, String),
    #[error("the image is {got}x{got2} but {model} needs {need}x{need}")]
    Size {
        got: u32,
        got2: u32,
        need: usize,
        model: &'static str,
    },
    #[error(transparent)]
    Device(#[from] crate::prediction::DeviceError),
}
