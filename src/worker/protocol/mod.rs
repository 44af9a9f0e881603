//! What the page and the worker say to each other. The page's main thread sends [`Request`]s;
//! the worker, which owns burn (device, models, attacks), answers with [`Event`]s.
//!
//! A message is a JSON text plus binary [`Parts`] by name: pixels and PNG files travel as
//! transferable `ArrayBuffer`s (moved, not copied), and a file the user chose as a `File`
//! (read in the worker, never on the page's thread). Work that produces results is a job with
//! an id; every event names its job, and every job ends with [`Event::Done`] or
//! [`Event::Failed`], so the page can tell current results from late ones of work it gave up.
//! What goes wrong is said as a typed [`Say`], which the page words in its language.

#[cfg(target_arch = "wasm32")]
mod js;
mod parts;
mod say;

#[cfg(target_arch = "wasm32")]
pub use js::{parts_of, text_of, to_js};
pub use parts::{Part, PartError, Parts, rgb, rgba};
pub use say::{PhotoProblem, Problem, Say};

use crate::attacks::{
    AttackConfig, AttackOutcome, Judgement, Resolution, StepRecord, Survival, Truth, Verdict,
};
use crate::prediction::Prediction;
use crate::zoo::{Layout, ModelId};

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
    /// The message's [`Part::Photo`] holds the file's bytes.
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
    /// Judges an attack's images with each of the models, one by one (the transfer test).
    Transfer(Judge),
    /// Checks whether an attack's images survive JPEG (the browser's own encoder),
    /// downscaling, 5-bit colour and a median filter, judged by the models together (the
    /// attack's model, or its ensemble).
    Survival(Judge),
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

/// An attack's images to judge, with what is known about the photo: the parts
/// [`Part::Original`] and [`Part::Adversarial`] hold them (RGBA).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Judge {
    pub job: JobId,
    pub images: AttackImages,
    pub truth: Truth,
    /// The attack's target, for targeted attacks.
    pub target: Option<usize>,
    pub models: Vec<ModelId>,
}

/// The two images of an attack that a message carries: their size, and the resolution the
/// attack worked at, which says how they reach a model of another size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttackImages {
    pub width: u32,
    pub height: u32,
    pub resolution: Resolution,
}

/// What kind of device the worker computes on, as the page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    /// burn's CPU backend in WebAssembly.
    Cpu,
    /// The browser's WebGPU.
    WebGpu,
}

/// The device the worker computes on.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BackendInfo {
    pub kind: DeviceKind,
    /// "WebGPU: google swiftshader" or "CPU: burn flex (WebAssembly SIMD)".
    pub description: String,
    /// Why the CPU runs although WebGPU was asked for.
    pub fallback: Option<Problem>,
}

/// Milliseconds per attack step (forward pass and input gradient, batch 1) on one device.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BenchRow {
    pub backend: String,
    pub kind: DeviceKind,
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
    /// The model's top-5 for the photo; [`Part::Input`]: the model's input (RGBA, `size` x
    /// `size`).
    Classified {
        job: JobId,
        model: ModelId,
        size: u32,
        top: Vec<Prediction>,
    },
    /// An attack step; [`Part::Iterate`], when present (at most every 150 ms, and not for a
    /// photo above a megapixel): the iterate (RGBA, `width` x `height`).
    Step {
        job: JobId,
        record: StepRecord,
        width: u32,
        height: u32,
    },
    /// The attack's result (its images are not in the JSON); parts: [`Part::Original`] and
    /// [`Part::Adversarial`] (RGBA, `width` x `height`), [`Part::Png`] (exactly the pixels
    /// that were classified), and for an image above a megapixel, smaller copies to show,
    /// [`Part::ShownOriginal`] and [`Part::ShownAdversarial`] (RGBA, `preview`'s width x
    /// height). `note` says what the user should know, such as a photo attacked as a smaller
    /// copy.
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
    /// The survival checks, in [`crate::attacks::Transform::CHECKS`] order; part
    /// [`Part::Check`] `i`: check `i`'s changed adversarial image (RGBA, its `width` x
    /// `height`).
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
}
