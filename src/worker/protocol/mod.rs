//! What the page and the worker say to each other. The page's main thread sends [`Request`]s;
//! the worker, which owns burn (device, models, attacks), answers with [`Event`]s.
//!
//! A message is a JSON text plus binary [`Parts`] by name: pixels and PNG files travel as
//! transferable `ArrayBuffer`s (moved, not copied), a file the user chose as a `File`
//! (read in the worker, never on the page's thread), and a camera frame as an `ImageBitmap`
//! (moved: its pixels are read in the worker). Work that produces results is a job with
//! an id; every event names its job, and every job ends with [`Event::Done`] or
//! [`Event::Failed`] (a live frame with its [`Event::LiveClassified`]), so the page can tell
//! current results from late ones of work it gave up.
//! What goes wrong is said as a typed [`Say`], which the page words in its language.

#[cfg(target_arch = "wasm32")]
mod adapter;
#[cfg(target_arch = "wasm32")]
mod js;
mod parts;
mod say;
mod stage;
mod timing;

#[cfg(target_arch = "wasm32")]
pub use adapter::{Adapter, webgpu_adapter};
#[cfg(target_arch = "wasm32")]
pub use js::{bitmap_of, files_of, parts_of, text_of, to_js};
pub use parts::{Bytes, Part, PartError, Parts, rgb, rgba};
pub use say::{PhotoProblem, Problem, Say};
pub use stage::{
    LivePatch, MAX_PRINT_CM, MAX_STAGE_SIDE, NoiseSpec, PatchSpec, PatchStart, Training, noise_of,
    noise_part, patch_of, patch_part,
};
pub use timing::{DeviceTiming, Measured, Probe, software_adapter};

use crate::attacks::{
    AttackConfig, AttackOutcome, Judgement, PatchConfig, Resolution, StepRecord, Survival, Truth,
    UniversalConfig, Verdict,
};
use crate::prediction::Prediction;
use crate::zoo::{Layout, ModelId};

/// A job's id, chosen by the page.
pub type JobId = u64;

/// Where a model's weights come from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ModelSource {
    /// The compact file the build ships (`models/<id>.int8.safetensors`).
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
    /// Classifies a camera frame with `model`: the message's `ImageBitmap`, the centre of the
    /// frame that the model's preprocessing keeps, already scaled by the browser to the
    /// model's input (a frame of another size is fitted as a photo is). The page sends one
    /// frame at a time; should another come while one is classified, the worker keeps only
    /// the newest waiting and ends the one it drops with `Done { cancelled: true }`.
    ///
    /// With `noise` ([`Part::Noise`]), the frame is also classified with the noise added;
    /// with `patch` ([`Part::Patch`]), the patch is pasted on the frame first, as a printed
    /// one held up to the camera would be.
    LiveFrame {
        job: JobId,
        model: ModelId,
        #[serde(default)]
        noise: Option<NoiseSpec>,
        #[serde(default)]
        patch: Option<LivePatch>,
    },
    /// Learns one noise for `model` from the photos (a gallery path, or the next of the
    /// message's files), with progress ([`Event::UniversalStep`]) and the result
    /// ([`Event::UniversalLearnt`]), also when cancelled (the noise so far).
    LearnUniversal {
        job: JobId,
        model: ModelId,
        config: UniversalConfig,
        photos: Vec<Training>,
    },
    /// Classifies the photo (as prepared for `model`) with and without the noise
    /// ([`Part::Noise`], resized to the model's input when it is of another size).
    ApplyNoise {
        job: JobId,
        model: ModelId,
        noise: NoiseSpec,
    },
    /// Learns a patch towards `config.target` for `model` from the photos, from grey, or from
    /// `start` ([`Part::Patch`], the patch so far): `config.steps` is the whole run's, of
    /// which `start.done` are done. The patch so far comes back now and then
    /// ([`Event::PatchLearnt`]), so that a page that reloads can resume.
    LearnPatch {
        job: JobId,
        model: ModelId,
        config: PatchConfig,
        photos: Vec<Training>,
        start: Option<PatchStart>,
    },
    /// Places the patch ([`Part::Patch`]) on the photo as prepared for `model`, centred at
    /// (`x`, `y`) (shares of the side, 0 to 1), covering `scale` of its area (more than 0, at
    /// most 0.5), and classifies the result.
    PlacePatch {
        job: JobId,
        model: ModelId,
        patch: PatchSpec,
        x: f32,
        y: f32,
        scale: f32,
    },
    /// The patch's PNG to print at `diameter_cm` (1 to [`MAX_PRINT_CM`]; 300 dpi, with a
    /// cut line).
    PrintPatch {
        job: JobId,
        patch: PatchSpec,
        diameter_cm: f32,
    },
    /// Stops job `job` after its current step.
    Cancel { job: JobId },
    /// Reports the worker's memory.
    Stats { job: JobId },
    /// Times attack steps, then live frames (`frames` of them; 0: none), of the default model
    /// on each device (the `?bench` page), or only on the device of kind `only` (the page's
    /// own measurement of which device is faster). Cancelling it stops it after a step.
    Bench {
        job: JobId,
        steps: usize,
        #[serde(default)]
        frames: usize,
        #[serde(default)]
        only: Option<DeviceKind>,
    },
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
    /// The CPU's threads (1 on WebGPU).
    pub threads: usize,
    /// The WebGPU adapter's vendor and architecture ("google swiftshader"; empty on the CPU).
    pub adapter: String,
    pub first_ms: f64,
    pub median_ms: f64,
    pub min_ms: f64,
    pub steps: usize,
}

/// Live classification on one device: the time per camera frame (from the frame's
/// `ImageBitmap` to its top-5: reading its pixels, the forward pass, the probabilities),
/// batch 1, at the default model's input size.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LiveBenchRow {
    pub backend: String,
    pub kind: DeviceKind,
    pub first_ms: f64,
    pub median_ms: f64,
    pub min_ms: f64,
    pub frames: usize,
}

impl LiveBenchRow {
    /// Frames per second at the median time per frame.
    pub fn fps(&self) -> f64 {
        if self.median_ms > 0.0 {
            1000.0 / self.median_ms
        } else {
            0.0
        }
    }
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

/// The square of a `w` x `h` camera frame that the models' preprocessing keeps (the frame
/// resized so that its shorter side is `size + 32`, then the centre `size` x `size`, as
/// [`crate::models::resized`] and `fit` do): its left, top and side, in the frame's pixels.
/// The page has the browser cut it out and scale it to `size`, so that a live frame reaches
/// the worker as the model's input.
pub fn live_crop(w: u32, h: u32, size: u32) -> (u32, u32, u32) {
    let short = w.min(h) as f64;
    let side =
        ((short * size as f64 / (size + 32) as f64).round() as u32).clamp(1, w.min(h).max(1));
    (w.saturating_sub(side) / 2, h.saturating_sub(side) / 2, side)
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
    /// The model's top-5 for the photo; [`Part::Input`]: the model's input (RGBA, `size` x
    /// `size`).
    Classified {
        job: JobId,
        model: ModelId,
        size: u32,
        top: Vec<Prediction>,
    },
    /// A live frame's top-5 (by `model`), and the worker's milliseconds for it (reading the
    /// frame's pixels and classifying them).
    LiveClassified {
        job: JobId,
        model: ModelId,
        top: Vec<Prediction>,
        ms: f64,
        /// The top-5 with the noise added, when the frame came with one.
        #[serde(default)]
        noisy: Option<Vec<Prediction>>,
    },
    /// A step of learning a universal noise: steps done, of all, and the share of the step's
    /// views it fooled.
    UniversalStep {
        job: JobId,
        step: usize,
        steps: usize,
        fooled: f32,
    },
    /// The universal noise ([`Part::Noise`]), after `steps` steps, with its fooling rate on
    /// the photos it was learnt from (`fooled` of `counted`), the photos used, and those
    /// that could not be read.
    UniversalLearnt {
        job: JobId,
        noise: NoiseSpec,
        steps: usize,
        fooled: usize,
        counted: usize,
        photos: usize,
        skipped: Vec<String>,
    },
    /// The photo's top-5 without and with the noise; [`Part::Input`]: the photo with the
    /// noise, as the model sees it (RGBA, `size` x `size`).
    NoiseApplied {
        job: JobId,
        clean: Vec<Prediction>,
        noisy: Vec<Prediction>,
        size: u32,
    },
    /// A step of learning a patch: steps done, of all, and the share of the step's
    /// placements the model saw as the target.
    PatchStep {
        job: JobId,
        step: usize,
        steps: usize,
        hits: f32,
    },
    /// The patch so far ([`Part::Patch`]) after `done` of `steps` steps, and the photos that
    /// could not be read.
    PatchLearnt {
        job: JobId,
        patch: PatchSpec,
        done: usize,
        steps: usize,
        skipped: Vec<String>,
    },
    /// The photo with the patch placed: its top-5; [`Part::Input`]: the photo with the patch
    /// (RGBA, `size` x `size`).
    PatchPlaced {
        job: JobId,
        top: Vec<Prediction>,
        size: u32,
    },
    /// The patch's PNG to print ([`Part::Png`]): its width in pixels at 300 dpi.
    PatchPrinted { job: JobId, width: u32 },
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
    /// One device's live-classification benchmark.
    LiveBench { job: JobId, row: LiveBenchRow },
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
            | Event::LiveClassified { job, .. }
            | Event::UniversalStep { job, .. }
            | Event::UniversalLearnt { job, .. }
            | Event::NoiseApplied { job, .. }
            | Event::PatchStep { job, .. }
            | Event::PatchLearnt { job, .. }
            | Event::PatchPlaced { job, .. }
            | Event::PatchPrinted { job, .. }
            | Event::Step { job, .. }
            | Event::Attacked { job, .. }
            | Event::Judged { job, .. }
            | Event::Survived { job, .. }
            | Event::MatrixPhoto { job, .. }
            | Event::SweepPoint { job, .. }
            | Event::Done { job, .. }
            | Event::BenchRow { job, .. }
            | Event::LiveBench { job, .. }
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

    #[test]
    fn live_frames_and_the_benchmark_travel() {
        let frame = Request::LiveFrame {
            job: 3,
            model: ModelId::EfficientNetLite0,
            noise: None,
            patch: None,
        };
        // A page of an earlier build sends frames without a noise.
        assert_eq!(
            decode::<Request>("{\"LiveFrame\":{\"job\":3,\"model\":\"efficientnet-lite0\"}}")
                .unwrap(),
            frame
        );
        assert_eq!(decode::<Request>(&encode(&frame)).unwrap(), frame);
        // A page of an earlier build asks for no live frames.
        assert_eq!(
            decode::<Request>("{\"Bench\":{\"job\":1,\"steps\":5}}").unwrap(),
            Request::Bench {
                job: 1,
                steps: 5,
                frames: 0,
                only: None
            }
        );
        let event = Event::LiveClassified {
            job: 3,
            model: ModelId::EfficientNetLite0,
            top: vec![Prediction {
                index: 967,
                prob: 0.9,
            }],
            ms: 61.5,
            noisy: None,
        };
        let back = decode::<Event>(&encode(&event)).unwrap();
        assert_eq!(back.job(), Some(3));
        assert!(
            matches!(back, Event::LiveClassified { ms: 61.5, ref top, .. } if top[0].index == 967)
        );
        let row = LiveBenchRow {
            backend: "CPU".into(),
            kind: DeviceKind::Cpu,
            first_ms: 300.0,
            median_ms: 50.0,
            min_ms: 45.0,
            frames: 20,
        };
        assert_eq!(row.fps(), 20.0);
    }

    /// The page's cut of a camera frame is the square the library's preprocessing keeps.
    #[cfg(feature = "compute")]
    #[test]
    fn a_live_frame_is_cut_as_the_preprocessing_cuts() {
        use crate::imaging::Preprocess;
        for (w, h, size) in [
            (640, 480, 224),
            (600, 400, 224),
            (1280, 720, 240),
            (480, 640, 260),
            (1920, 1080, 224),
        ] {
            let (left, top, side) = live_crop(w, h, size);
            let (rows, cols) =
                crate::models::resized(h as usize, w as usize, size as usize, Preprocess::Crop);
            // The crop's side in the frame's pixels, per axis.
            let by_rows = size as f64 * h as f64 / rows as f64;
            let by_cols = size as f64 * w as f64 / cols as f64;
            for kept in [by_rows, by_cols] {
                assert!(
                    (side as f64 - kept).abs() <= 1.0,
                    "{w}x{h} at {size}: {side} vs {kept}"
                );
            }
            assert!((2 * left + side).abs_diff(w) <= 1 && (2 * top + side).abs_diff(h) <= 1);
        }
        assert_eq!(live_crop(1, 1, 224), (0, 0, 1));
    }
}
