//! What the worker says to a user: typed cases with their facts, worded by the page.

use super::PartError;
use crate::attacks::{AttackError, Param, Transform};
use crate::zoo::ModelId;

/// A failure, said for a user: one sentence, and the technical details apart.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub summary: Say,
    pub detail: Option<String>,
}

impl Problem {
    /// A problem with a summary only.
    pub fn new(summary: Say) -> Self {
        Self {
            summary,
            detail: None,
        }
    }

    /// A problem with technical details.
    pub fn with_detail(summary: Say, detail: impl Into<String>) -> Self {
        Self {
            summary,
            detail: Some(detail.into()),
        }
    }
}

/// What the worker has to tell a user, named with its facts but not worded: the page words
/// it in its own language (`app::i18n`) when it shows it, so the worker never needs to know
/// which, and a notice on screen follows a language switch.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Say {
    /// A request the worker could not parse (a page and a worker of different builds).
    NotUnderstood,
    /// The GPU device was lost; the worker starts again.
    DeviceLost,
    /// WebGPU was asked for but the browser gives none; the CPU computes.
    NoWebGpu,
    /// The page came over plain http: no WebGPU, no offline use; the CPU computes.
    PlainHttp,
    /// A model of the user's own whose weights were not loaded yet.
    LoadWeightsFirst(ModelId),
    /// A model's file could not be read (downloaded or from the disk).
    ModelUnreadable(ModelId),
    /// The file (name or path) is not a weights file.
    NotWeights(String),
    /// The file (name or path) holds weights, but not those of the model.
    WrongWeights { file: String, model: ModelId },
    /// The photo (its name) could not be read.
    PhotoUnreadable(String),
    /// The photo (its name) was read but cannot be used.
    BadPhoto { name: String, why: PhotoProblem },
    /// An attack or check needs a photo.
    ChoosePhoto,
    /// A camera frame could not be read (live classification).
    FrameUnreadable,
    /// The device failed during a computation.
    DeviceFailed,
    /// A photo too large for the device was attacked as a smaller copy: the photo's size, the
    /// device's limit in megapixels, the copy's size.
    Downscaled {
        size: (u32, u32),
        megapixels: f64,
        copy: (u32, u32),
    },
    /// The attack ended without an image.
    NoResult,
    /// The adversarial image could not be encoded as PNG.
    PngFailed,
    /// A message's binary part was missing or of the wrong size.
    Part(PartError),
    /// A survival check could not change the images.
    CheckFailed(Transform),
    /// A sweep takes 1 to this many budgets.
    SweepPoints(usize),
    /// An attack parameter out of its range: which, and its value.
    BadSetting { param: Param, value: String },
    /// Settings the attack refuses for another reason (the detail has the library's words).
    SettingsRefused,
    /// None of the photos to learn from could be read.
    NoTrainingPhotos,
    /// More photos to learn from than one run takes (its most).
    TooManyPhotos(usize),
    /// Photos to learn from that could not be read (their names), left out.
    TrainingSkipped(Vec<String>),
    /// A patch's share of the photo's area outside (0, 0.5].
    PatchScale(f32),
    /// A print diameter outside 1 to [`super::MAX_PRINT_CM`] cm.
    PrintSize(f32),
}

/// Why a photo that was read cannot be used ([`crate::imaging::ImageError`], by kind).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum PhotoProblem {
    /// Not PNG, JPEG, WebP, BMP or GIF.
    UnknownFormat,
    /// Above the pixel limit (megapixels); its size when known.
    TooLarge {
        size: Option<(u32, u32)>,
        max_megapixels: u64,
    },
    Empty,
    /// Too narrow: its size, and the widest ratio taken.
    AspectRatio {
        size: (u32, u32),
        max_ratio: u32,
    },
    /// Cut short (a partly downloaded file).
    Truncated,
    /// Damaged, or not what its header says.
    Corrupt,
}

impl PhotoProblem {
    /// The kind of a decoding error; None for errors that decoding does not give.
    pub fn of(error: &crate::imaging::ImageError) -> Option<Self> {
        use crate::imaging::{ImageError as E, MAX_ASPECT, MAX_PIXELS};
        Some(match error {
            E::UnknownFormat => Self::UnknownFormat,
            E::TooLarge { size } => Self::TooLarge {
                size: *size,
                max_megapixels: MAX_PIXELS / 1_000_000,
            },
            E::Empty => Self::Empty,
            E::AspectRatio { width, height } => Self::AspectRatio {
                size: (*width, *height),
                max_ratio: MAX_ASPECT,
            },
            E::Truncated(_) => Self::Truncated,
            E::Corrupt(_) => Self::Corrupt,
            E::Encode(_) | E::Io { .. } => return None,
        })
    }
}

impl Problem {
    /// An attack that refused its settings: the parameter, when the error names one.
    pub fn of_attack(error: &AttackError) -> Self {
        match error {
            AttackError::OutOfRange { param, value } => Problem::new(Say::BadSetting {
                param: *param,
                value: value.clone(),
            }),
            AttackError::Device(e) => Problem::with_detail(Say::DeviceFailed, e.to_string()),
            other => Problem::with_detail(Say::SettingsRefused, other.to_string()),
        }
    }
}

impl From<PartError> for Problem {
    fn from(e: PartError) -> Self {
        Problem::new(Say::Part(e))
    }
}
