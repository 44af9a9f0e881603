//! What the page is doing: one value, from which every button's state and every cancel
//! derives. Each busy state holds the id of its job in the worker, which is its cancel handle.

use super::note::Work;
use crate::worker::protocol::JobId;

/// The page's one activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Activity {
    /// Waiting for the user.
    #[default]
    Idle,
    /// Loading a model the user chose (or the default one at start).
    Loading(JobId),
    /// Decoding a photo and classifying it, or classifying it with another model.
    Preparing(JobId),
    /// Attacking the photo.
    Attacking(JobId),
    /// Letting the other models judge the last result.
    Transfer(JobId),
    /// Checking whether the last result survives JPEG, downscaling and the like.
    Survival(JobId),
    /// Adding the photo to the transfer matrix (an attack on every model).
    Matrix(JobId),
    /// Attacking the photo at several budgets (the eps sweep).
    Sweep(JobId),
}

impl Activity {
    /// The job in the worker, if busy.
    pub fn job(&self) -> Option<JobId> {
        match *self {
            Activity::Idle => None,
            Activity::Loading(j)
            | Activity::Preparing(j)
            | Activity::Attacking(j)
            | Activity::Transfer(j)
            | Activity::Survival(j)
            | Activity::Matrix(j)
            | Activity::Sweep(j) => Some(j),
        }
    }

    /// Whether nothing runs.
    pub fn is_idle(&self) -> bool {
        *self == Activity::Idle
    }

    /// The job a Cancel button stops (attacks, transfer tests and the matrix).
    pub fn cancellable(&self) -> Option<JobId> {
        match *self {
            Activity::Attacking(j)
            | Activity::Transfer(j)
            | Activity::Survival(j)
            | Activity::Matrix(j)
            | Activity::Sweep(j) => Some(j),
            _ => None,
        }
    }

    /// The work a cancel stops, as a notice names it.
    pub fn work(&self) -> Option<Work> {
        Some(match *self {
            Activity::Attacking(_) => Work::Attack,
            Activity::Transfer(_) => Work::Transfer,
            Activity::Survival(_) => Work::Survival,
            Activity::Matrix(_) => Work::Matrix,
            Activity::Sweep(_) => Work::Sweep,
            Activity::Idle | Activity::Loading(_) | Activity::Preparing(_) => return None,
        })
    }
}
