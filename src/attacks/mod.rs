//! Adversarial attacks in pixel space: eps and alpha in 0..255 units (eps = 8 means 8/255 of the
//! full range). Every method runs through one loop ([`run`]): gradient of the loss with respect
//! to the pixels, a step, a projection onto the eps-ball around the original AND onto [0, 255],
//! a record of loss and probabilities, an optional early stop, a cancel check. The result is
//! rounded to 8 bits and classified again: that prediction, of the image a user can save, is
//! the one reported. The L2 attacks (C&W, DeepFool) have no eps-ball; they bring their own
//! update and share the rest. Any attack can run against an [`Ensemble`].
//!
//! The attack's vocabulary (its configuration, goal, outcome, the one rule for "fooled", the
//! transfer tallies and survival results) is plain data, in the page's binary too; the loop
//! and the methods need burn.

// Plain: what an attack is asked, what it gives, and how that is judged.
mod config;
mod error;
mod method;
mod outcome;
mod patch;
mod suite;
pub mod survival;
pub mod transfer;
mod universal;
mod verdict;

pub use config::{AttackConfig, default_steps};
pub use error::{AttackError, Param, Range};
pub use method::{Method, Norm, Resolution, Start};
pub use outcome::{AttackOutcome, StepRecord};
pub use patch::{PRINT_DPI, Patch, PatchConfig, PatchError, Placement, Taps, check_scale};
pub use suite::Suite;
pub use survival::{Survival, Transform};
pub use transfer::{Judgement, Tally, TransferMatrix};
pub use universal::{Universal, UniversalConfig, UniversalError, fooled};
pub use verdict::{Goal, Truth, Verdict};

// The loop and the methods, on burn.
#[cfg(feature = "compute")]
pub mod apgd;
#[cfg(feature = "compute")]
mod cw;
#[cfg(feature = "compute")]
mod deepfool;
#[cfg(feature = "compute")]
pub mod diversity;
#[cfg(feature = "compute")]
mod ensemble;
#[cfg(feature = "compute")]
mod eval;
#[cfg(feature = "compute")]
mod gradient;
#[cfg(feature = "compute")]
mod judge;
#[cfg(feature = "compute")]
mod lattice;
#[cfg(feature = "compute")]
mod learn_patch;
#[cfg(feature = "compute")]
mod learn_universal;
#[cfg(feature = "compute")]
mod observer;
#[cfg(feature = "compute")]
pub mod random;
#[cfg(feature = "compute")]
pub mod robust;
#[cfg(feature = "compute")]
mod run;
#[cfg(feature = "compute")]
mod setup;
#[cfg(feature = "compute")]
mod sign;
#[cfg(feature = "compute")]
pub mod square;
#[cfg(feature = "compute")]
mod tracker;

#[cfg(feature = "compute")]
pub use {
    ensemble::Ensemble,
    eval::{Standing, evaluate},
    gradient::{gradient_at, gradient_at_batch},
    judge::{check_survival, judge, judge_changed},
    learn_patch::{PatchObserver, learn_patch},
    learn_universal::{UniversalObserver, learn_universal, random_view},
    observer::{Flow, NoObserver, Observer},
    run::{MAX_FULL_PIXELS, MAX_FULL_SIDE, run, run_batch, run_ensemble},
};
