//! What the page and the worker say to each other. The page's main thread sends [`Request`]s;
//! the worker, which owns burn (device, models, attacks), answers with [`Event`]s.
//!
//! A message is a JSON text plus binary parts: pixels and PNG files travel as transferable
//! `ArrayBuffer`s (moved, not copied), and a file the user chose as a `File` (read in the
//! worker, never on the page's thread). Work that produces results is a job with an id; every
//! event names its job, and every job ends with [`Event::Done`] or [`Event::Failed`], so the
//! page can tell current results from late ones of work it gave up.

use crate::attacks::{
    AttackConfig, AttackOutcome, Judgement, Resolution, StepRecord, Survival, Transform, Truth,
    Verdict,
};
use crate::backend::BackendKind;
use crate::models::{Layout, ModelId};
use crate::prediction::Prediction;

/// A job's id, chosen by the page.
pub type JobId = u64;

/// Where a model's weights come from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ModelSource {
    /// The compact file the build ships (`models/<id>.f16.safetensors`).
    BuiltIn,
    /// A file the user chose: the message's `File`.
    File { name: String },
    /// A path on the page's own site.
    Url(String),
}

impl ModelSource {
    /// How the source is named in messages.
    pub fn describe(&self, model: ModelId) -> String {
        match self {
            ModelSource::BuiltIn => format!("models/{}", model.web_file()),
            ModelSource::File { name } => name.clone(),
            ModelSource::Url(url) => url.clone(),
        }
    }
}

/// Where a photo comes from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum PhotoSource {
    /// The message's first buffer holds the file's bytes.
    Bytes,
    /// The message's `File`.
    File,
    /// A path on the page's own site (the gallery).
    Url(String),
}

/// What the page asks the worker to do.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Request {
    /// Opens the device: WebGPU when `prefer_gpu` and the worker gets an adapter, else the
    /// CPU. Models loaded on another device are dropped.
    Open { prefer_gpu: bool },
    /// Loads a model and keeps it.
    LoadModel {
        job: JobId,
        model: ModelId,
        source: ModelSource,
    },
    /// Decodes a photo, keeps it (replacing the previous one) and classifies it with `model`.
    SetPhoto {
        job: JobId,
        name: String,
        source: PhotoSource,
        model: ModelId,
    },
    /// Prepares the photo for `model` and classifies it.
    Classify { job: JobId, model: ModelId },
    /// Attacks the photo (as prepared for `model`) on `model`, or on the ensemble of `model`
    /// and `ensemble` (their losses averaged). A fooling image needs no photo.
    Attack {
        job: JobId,
        model: ModelId,
        #[serde(default)]
        ensemble: Vec<ModelId>,
        truth: Truth,
        config: AttackConfig,
    },
    /// Judges an attack's images (buffers: original RGBA, adversarial RGBA) with each of
    /// `models`.
    Transfer {
        job: JobId,
        images: AttackImages,
        truth: Truth,
        target: Option<usize>,
        models: Vec<ModelId>,
    },
    /// Checks whether an attack's images (buffers as for `Transfer`) survive JPEG (the
    /// browser's own encoder), downscaling, 5-bit colour and a median filter, judged by
    /// `models` together (the attack's model, or its ensemble).
    Survival {
        job: JobId,
        images: AttackImages,
        truth: Truth,
        target: Option<usize>,
        models: Vec<ModelId>,
    },
    /// One photo of the transfer matrix: attack it on each of `models`, let each judge each.
    /// Nothing is reported unless every attack completes.
    Matrix {
        job: JobId,
        truth: Truth,
        models: Vec<ModelId>,
        config: AttackConfig,
    },
    /// Attack the photo at each eps of the list (the config's method), for the eps sweep.
    Sweep {
        job: JobId,
        model: ModelId,
        truth: Truth,
        config: AttackConfig,
        eps: Vec<f32>,
    },
    /// Stops job `job` after its current step.
    Cancel { job: JobId },
    /// Reports the worker's memory.
    Stats { job: JobId },
    /// Times attack steps of the default model on each device (the `?bench` page).
    Bench { job: JobId, steps: usize },
    /// Destroys the GPU device, as a driver reset would (a hook for tests).
    LoseDevice,
    /// Panics, as a bug would (a hook for tests of the page's recovery).
    Panic,
}

/// The two images of an attack that a request carries (buffers 0 and 1: original and
/// adversarial, RGBA): their size, and the resolution the attack worked at, which says how
/// they reach a model of another size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttackImages {
    pub width: u32,
    pub height: u32,
    pub resolution: Resolution,
}

/// The device the worker computes on.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BackendInfo {
    pub kind: BackendKind,
    /// "WebGPU: google swiftshader" or "CPU: burn flex (WebAssembly SIMD)".
    pub description: String,
    /// Why the CPU runs although WebGPU was asked for.
    pub fallback: Option<Problem>,
}

/// Milliseconds per attack step (forward pass and input gradient, batch 1) on one device.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BenchRow {
    pub backend: String,
    pub kind: BackendKind,
    pub first_ms: f64,
    pub median_ms: f64,
    pub min_ms: f64,
    pub steps: usize,
}

/// How the photo fared at one eps of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepPoint {
    pub eps: f32,
    /// The attacked model's verdict: the goal was reached.
    pub success: bool,
    /// Probability of the true class on the rounded adversarial image.
    pub true_prob: f32,
    pub linf: f32,
}

/// The most budgets one sweep runs.
pub const MAX_SWEEP_POINTS: usize = 16;

/// A failure, said for a user: one sentence, and the technical details apart.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub summary: Say,
    pub detail: Option<String>,
}

impl Problem {
    /// A problem with a summary only.
    pub fn new(summary: impl Into<Say>) -> Self {
        Self {
            summary: summary.into(),
            detail: None,
        }
    }

    /// A problem with technical details.
    pub fn with_detail(summary: impl Into<Say>, detail: impl Into<String>) -> Self {
        Self {
            summary: summary.into(),
            detail: Some(detail.into()),
        }
    }
}

/// What the worker has to tell a user, named with its facts but not worded: the page words
/// it in its own language (`app::i18n`), so the worker never needs to know which. Texts the
/// page already worded travel as [`Say::Text`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Say {
    /// Worded already (by the page, in its language; or the benchmark page's English).
    Text(String),
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
    /// A request's images were missing or of the wrong size.
    ImagesMissing,
    /// A survival check could not change the images.
    CheckFailed(Transform),
    /// A sweep takes 1 to this many budgets.
    SweepPoints(usize),
    /// Settings the attack refuses, with the library's (English) reason.
    Settings(String),
}

impl From<&str> for Say {
    fn from(text: &str) -> Self {
        Say::Text(text.to_string())
    }
}

impl From<String> for Say {
    fn from(text: String) -> Self {
        Say::Text(text)
    }
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

/// What the worker tells the page.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Event {
    /// The worker runs and takes requests.
    Ready,
    /// The device is open.
    Backend(BackendInfo),
    /// Bytes of a model file received so far.
    Loading {
        model: ModelId,
        received: u64,
        total: Option<u64>,
    },
    /// A model is loaded and kept (whichever job needed it).
    ModelReady { model: ModelId, layout: Layout },
    /// The photo is decoded.
    PhotoDecoded { job: JobId, width: u32, height: u32 },
    /// The model's top-5 for the photo; buffer 0: the model's input (RGBA, `size` x `size`).
    Classified {
        job: JobId,
        model: ModelId,
        size: u32,
        top: Vec<Prediction>,
    },
    /// An attack step; buffer 0, when present (at most every 150 ms, and not for a photo
    /// above a megapixel): the iterate (RGBA, `width` x `height`).
    Step {
        job: JobId,
        record: StepRecord,
        width: u32,
        height: u32,
    },
    /// The attack's result (its images are not in the JSON); buffers: original RGBA,
    /// adversarial RGBA (both `width` x `height`), adversarial PNG (exactly the pixels that
    /// were classified), and for an image above a megapixel, smaller copies of the original
    /// and the adversarial image to show (RGBA, `preview`'s width x height). `note` says what
    /// the user should know, such as a photo attacked as a smaller copy.
    Attacked {
        job: JobId,
        model: ModelId,
        outcome: Box<AttackOutcome>,
        width: u32,
        height: u32,
        preview: Option<(u32, u32)>,
        note: Option<Say>,
    },
    /// How one model judged an attack's images.
    Judged {
        job: JobId,
        judgement: Judgement,
        verdict: Verdict,
    },
    /// The survival checks, in [`crate::attacks::Transform::CHECKS`] order; buffers: each
    /// changed adversarial image (RGBA, `width` x `height` of its check).
    Survived {
        job: JobId,
        checks: Vec<SurvivalCheck>,
    },
    /// One eps of the sweep, done.
    SweepPoint { job: JobId, point: SweepPoint },
    /// A complete photo of the matrix: (made on, judged by, verdict) for every pair.
    MatrixPhoto {
        job: JobId,
        verdicts: Vec<(ModelId, ModelId, Verdict)>,
    },
    /// A job is over.
    Done { job: JobId, cancelled: bool },
    /// A job failed (or, without a job, something outside any job).
    Failed {
        job: Option<JobId>,
        problem: Problem,
    },
    /// The GPU device was lost; this worker cannot compute on it again.
    DeviceLost { reason: String },
    /// One device's benchmark.
    BenchRow { job: JobId, row: BenchRow },
    /// Memory in use.
    Stats {
        job: JobId,
        wasm_bytes: u64,
        models: usize,
    },
    /// The worker's code panicked; it must be restarted.
    Panicked { message: String },
}

impl Event {
    /// The job the event belongs to, if any.
    pub fn job(&self) -> Option<JobId> {
        match self {
            Event::PhotoDecoded { job, .. }
            | Event::Classified { job, .. }
            | Event::Step { job, .. }
            | Event::Attacked { job, .. }
            | Event::Judged { job, .. }
            | Event::Survived { job, .. }
            | Event::MatrixPhoto { job, .. }
            | Event::SweepPoint { job, .. }
            | Event::Done { job, .. }
            | Event::BenchRow { job, .. }
            | Event::Stats { job, .. } => Some(*job),
            Event::Failed { job, .. } => *job,
            Event::Ready
            | Event::Backend(_)
            | Event::Loading { .. }
            | Event::ModelReady { .. }
            | Event::DeviceLost { .. }
            | Event::Panicked { .. } => None,
        }
    }
}

/// One survival check and the size of its changed image's thumbnail (the image itself, or
/// a copy at most 448 pixels on the long side).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SurvivalCheck {
    pub survival: Survival,
    pub width: u32,
    pub height: u32,
}

/// Encodes a message's JSON part.
pub fn encode<T: serde::Serialize>(message: &T) -> String {
    serde_json::to_string(message).expect("protocol messages always serialise")
}

/// Decodes a message's JSON part.
pub fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("malformed message: {e}"))
}

/// RGBA bytes (opaque) of an RGB image, as canvases take them.
pub fn rgba(image: &image::RgbImage) -> Vec<u8> {
    let mut out = Vec::with_capacity(image.as_raw().len() / 3 * 4);
    for p in image.pixels() {
        out.extend_from_slice(&[p.0[0], p.0[1], p.0[2], 255]);
    }
    out
}

/// The RGB image of RGBA bytes (alpha ignored); None when the size does not fit.
pub fn rgb(rgba: &[u8], width: u32, height: u32) -> Option<image::RgbImage> {
    if rgba.len() as u64 != width as u64 * height as u64 * 4 {
        return None;
    }
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    image::RgbImage::from_raw(width, height, rgb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attacks::Method;

    #[test]
    fn requests_and_events_round_trip() {
        let request = Request::Attack {
            job: 7,
            model: ModelId::EfficientNetLite1,
            ensemble: vec![ModelId::EfficientNetLite2],
            truth: Truth::Known {
                label: 281,
                also: vec![282],
            },
            config: AttackConfig::new(Method::MiFgsm, 8.0),
        };
        assert_eq!(decode::<Request>(&encode(&request)).unwrap(), request);
        let event = Event::Loading {
            model: ModelId::EfficientNetLite0,
            received: 10,
            total: None,
        };
        assert!(matches!(
            decode::<Event>(&encode(&event)).unwrap(),
            Event::Loading { received: 10, .. }
        ));
        assert!(decode::<Request>("{\"Nope\":1}").is_err());
    }

    #[test]
    fn pixels_round_trip() {
        let image = image::RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8, y as u8, 9]));
        let bytes = rgba(&image);
        assert_eq!(bytes.len(), 24);
        assert_eq!(rgb(&bytes, 3, 2).unwrap(), image);
        assert!(rgb(&bytes, 2, 2).is_none());
    }
}
