//! The worker's state (device, models, photo) and its answer to each request.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

use image::RgbImage;
use js_sys::Reflect;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::protocol::{
    self, AttackImages, BackendInfo, BenchRow, Event, JobId, MAX_SWEEP_POINTS, ModelSource,
    PhotoProblem, PhotoSource, Problem, Request, Say, SurvivalCheck, SweepPoint, rgb, rgba,
};
use super::scope::{self, post};
use crate::attacks::{
    self, AttackConfig, Flow, Method, Observer, Resolution, StepRecord, Transform, Truth, survival,
};
use crate::backend::{self, Backend, BackendKind};
use crate::imaging::{self, Preprocess};
use crate::models::{Classifier, ModelId};
use crate::prediction::read_values;
use crate::weights;

/// The binary parts of a request.
struct Parts {
    buffers: Vec<js_sys::ArrayBuffer>,
    file: Option<web_sys::File>,
}

impl Parts {
    fn bytes(&self, i: usize) -> Option<Vec<u8>> {
        self.buffers
            .get(i)
            .map(|b| js_sys::Uint8Array::new(b).to_vec())
    }
}

/// A model the user brought: kept so that it can be loaded again on another device.
struct UserModel {
    model: ModelId,
    source: ModelSource,
    file: Option<web_sys::File>,
}

#[derive(Default)]
struct State {
    prefer_gpu: bool,
    backend: Option<Backend>,
    models: Vec<(ModelId, Rc<Classifier>)>,
    /// Models being downloaded or read right now.
    loading: Vec<ModelId>,
    user_models: Vec<UserModel>,
    photo: Option<Rc<RgbImage>>,
    cancels: HashMap<JobId, Rc<Cell<bool>>>,
    device_lost: bool,
    /// A job is opening the device: others wait for it (burn opens WebGPU once).
    opening: bool,
}

type Shared = Rc<RefCell<State>>;

/// Starts the worker: a panic becomes a message to the page (which restarts the worker), and
/// every request is answered by [`handle`].
pub fn run() {
    std::panic::set_hook(Box::new(|info| {
        post(
            &Event::Panicked {
                message: info.to_string(),
            },
            Vec::new(),
        );
    }));
    let state: Shared = Rc::new(RefCell::new(State {
        prefer_gpu: true,
        ..State::default()
    }));
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            let text = Reflect::get(&data, &"msg".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_default();
            let request = match protocol::decode::<Request>(&text) {
                Ok(r) => r,
                Err(e) => {
                    return post(
                        &Event::Failed {
                            job: None,
                            problem: Problem::with_detail(Say::NotUnderstood, e),
                        },
                        Vec::new(),
                    );
                }
            };
            let buffers = Reflect::get(&data, &"bufs".into())
                .ok()
                .filter(|b| b.is_array())
                .map(|b| {
                    js_sys::Array::from(&b)
                        .iter()
                        .filter_map(|v| v.dyn_into::<js_sys::ArrayBuffer>().ok())
                        .collect()
                })
                .unwrap_or_default();
            let file = Reflect::get(&data, &"file".into())
                .ok()
                .and_then(|f| f.dyn_into::<web_sys::File>().ok());
            handle(&state, request, Parts { buffers, file });
        });
    scope::scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&Event::Ready, Vec::new());
}

fn handle(state: &Shared, request: Request, parts: Parts) {
    match request {
        Request::Cancel { job } => {
            if let Some(c) = state.borrow().cancels.get(&job) {
                c.set(true);
            }
        }
        Request::LoseDevice => {
            let device = state
                .borrow()
                .backend
                .as_ref()
                .and_then(|b| b.wgpu_device.clone());
            if let Some(device) = device {
                device.destroy();
            }
        }
        Request::Panic => panic!("the page asked the worker to panic (a test of its recovery)"),
        Request::Open { prefer_gpu } => {
            {
                let mut s = state.borrow_mut();
                s.prefer_gpu = prefer_gpu;
                s.backend = None;
                s.models.clear();
            }
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(problem) = open_device(&state).await {
                    post(&Event::Failed { job: None, problem }, Vec::new());
                }
            });
        }
        Request::LoadModel { job, model, source } => {
            let s = state.clone();
            spawn_job(state, job, move |_| {
                load_user_model(s, model, source, parts.file)
            });
        }
        Request::SetPhoto {
            job,
            name,
            source,
            model,
        } => {
            let s = state.clone();
            spawn_job(state, job, move |_| async move {
                set_photo(s.clone(), job, name, source, parts).await?;
                classify(s, job, model).await
            });
        }
        Request::Classify { job, model } => {
            let s = state.clone();
            spawn_job(state, job, move |_| classify(s, job, model));
        }
        Request::Attack {
            job,
            model,
            ensemble,
            truth,
            config,
        } => {
            let s = state.clone();
            spawn_job(state, job, move |cancel| {
                attack(s, job, model, ensemble, truth, config, cancel)
            });
        }
        Request::Transfer {
            job,
            images,
            truth,
            target,
            models,
        } => {
            let s = state.clone();
            spawn_job(state, job, move |cancel| {
                transfer(s, job, images, truth, target, models, parts, cancel)
            });
        }
        Request::Survival {
            job,
            images,
            truth,
            target,
            models,
        } => {
            let s = state.clone();
            spawn_job(state, job, move |cancel| {
                survival(s, job, images, truth, target, models, parts, cancel)
            });
        }
        Request::Matrix {
            job,
            truth,
            models,
            config,
        } => {
            let s = state.clone();
            spawn_job(state, job, move |cancel| {
                matrix(s, job, truth, models, config, cancel)
            });
        }
        Request::Sweep {
            job,
            model,
            truth,
            config,
            eps,
        } => {
            let s = state.clone();
            spawn_job(state, job, move |cancel| {
                sweep(s, job, model, truth, config, eps, cancel)
            });
        }
        Request::Bench { job, steps } => {
            spawn_job(state, job, move |_| bench(job, steps));
        }
        Request::Stats { job } => {
            let models = state.borrow().models.len();
            post(
                &Event::Stats {
                    job,
                    wasm_bytes: scope::wasm_memory_bytes(),
                    models,
                },
                Vec::new(),
            );
        }
    }
}

/// Runs a job: its cancel flag is registered while it runs, and its end is always reported
/// (Done, or Failed with the problem).
fn spawn_job<F>(state: &Shared, job: JobId, work: impl FnOnce(Rc<Cell<bool>>) -> F)
where
    F: Future<Output = Result<bool, Problem>> + 'static,
{
    let cancel = Rc::new(Cell::new(false));
    state.borrow_mut().cancels.insert(job, cancel.clone());
    let future = work(cancel);
    let state = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let result = future.await;
        state.borrow_mut().cancels.remove(&job);
        match result {
            Ok(cancelled) => post(&Event::Done { job, cancelled }, Vec::new()),
            Err(problem) => post(
                &Event::Failed {
                    job: Some(job),
                    problem,
                },
                Vec::new(),
            ),
        }
    });
}

/// The open device: WebGPU when asked for and available, else the CPU. One job opens it;
/// others wait. If the page switches device meanwhile, the other one is opened.
async fn open_device(state: &Shared) -> Result<Backend, Problem> {
    loop {
        if state.borrow().device_lost {
            return Err(Problem::new(Say::DeviceLost));
        }
        if let Some(backend) = state.borrow().backend.clone() {
            return Ok(backend);
        }
        if state.borrow().opening {
            sleep_ms(20).await;
            continue;
        }
        state.borrow_mut().opening = true;
        let prefer_gpu = state.borrow().prefer_gpu;
        let (backend, why) = backend::select_browser(prefer_gpu).await;
        let switched = {
            let mut s = state.borrow_mut();
            s.opening = false;
            s.prefer_gpu != prefer_gpu
        };
        if switched {
            continue;
        }
        let backend = describe(backend, why).await;
        let mut s = state.borrow_mut();
        s.backend = Some(backend.clone());
        s.models.clear();
        return Ok(backend);
    }
}

/// Names the device for the page (and says why the CPU runs, when WebGPU was asked for),
/// and listens for the loss of a GPU device.
async fn describe(mut backend: Backend, why: Option<String>) -> Backend {
    let fallback = why.map(|detail| {
        let summary = if scope::scope().is_secure_context() {
            Say::NoWebGpu
        } else {
            Say::PlainHttp
        };
        Problem::with_detail(summary, detail)
    });
    if backend.kind == BackendKind::Wgpu {
        let label = scope::webgpu_adapter_label()
            .await
            .unwrap_or_else(|| "GPU".into());
        let software = if backend.software { ", software" } else { "" };
        backend.description = format!("WebGPU: {label}{software}");
        if let Some(device) = &backend.wgpu_device {
            device.set_device_lost_callback(|reason, message| {
                post(
                    &Event::DeviceLost {
                        reason: format!("{reason:?}: {message}"),
                    },
                    Vec::new(),
                );
            });
        }
    } else {
        backend.description = "CPU: burn flex (WebAssembly SIMD)".into();
    }
    post(
        &Event::Backend(BackendInfo {
            kind: backend.kind,
            description: backend.description.clone(),
            fallback,
        }),
        Vec::new(),
    );
    backend
}

/// Model `id` on the open device: loaded already, or downloaded (built-in), or read from the
/// user's file or site path, with progress events.
async fn model(state: &Shared, id: ModelId) -> Result<Rc<Classifier>, Problem> {
    let backend = open_device(state).await?;
    // Another job is loading this model: wait for it rather than load it twice.
    while state.borrow().loading.contains(&id) {
        sleep_ms(50).await;
    }
    if let Some(m) = find_model(state, id) {
        return Ok(m);
    }
    let (source, file) = {
        let s = state.borrow();
        match s.user_models.iter().find(|u| u.model == id) {
            Some(u) => (u.source.clone(), u.file.clone()),
            None if id.is_built_in() => (ModelSource::BuiltIn, None),
            None => {
                return Err(Problem::new(Say::LoadWeightsFirst(id)));
            }
        }
    };
    let what = source.describe(id);
    state.borrow_mut().loading.push(id);
    let progress = |received, total| {
        post(
            &Event::Loading {
                model: id,
                received,
                total,
            },
            Vec::new(),
        )
    };
    let bytes = match (&source, &file) {
        (ModelSource::BuiltIn, _) => scope::fetch_bytes(&what, true, progress).await,
        (ModelSource::Url(url), _) => scope::fetch_bytes(url, true, progress).await,
        (ModelSource::File { .. }, Some(file)) => scope::file_bytes(file, progress).await,
        (ModelSource::File { .. }, None) => Err("the file is gone".to_string()),
    };
    let loaded = bytes
        .map_err(|e| Problem::with_detail(Say::ModelUnreadable(id), format!("{what}: {e}")))
        .and_then(|bytes| {
            let store = weights::read_bytes(&bytes, &what)
                .map_err(|e| Problem::with_detail(Say::NotWeights(what.clone()), e.to_string()))?;
            drop(bytes);
            Classifier::load_within(id, store, &backend.device, backend.max_tensor_bytes).map_err(
                |e| {
                    Problem::with_detail(
                        Say::WrongWeights {
                            file: what.clone(),
                            model: id,
                        },
                        e.to_string(),
                    )
                },
            )
        });
    state.borrow_mut().loading.retain(|&m| m != id);
    let model = Rc::new(loaded?);
    post(
        &Event::ModelReady {
            model: id,
            layout: model.layout(),
        },
        Vec::new(),
    );
    state.borrow_mut().models.push((id, model.clone()));
    Ok(model)
}

fn find_model(state: &Shared, id: ModelId) -> Option<Rc<Classifier>> {
    state
        .borrow()
        .models
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, m)| m.clone())
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope::scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Loads a model the user brought (or the built-in one again) and keeps its source.
async fn load_user_model(
    state: Shared,
    id: ModelId,
    source: ModelSource,
    file: Option<web_sys::File>,
) -> Result<bool, Problem> {
    {
        let mut s = state.borrow_mut();
        s.models.retain(|(m, _)| *m != id);
        s.user_models.retain(|u| u.model != id);
        if source != ModelSource::BuiltIn {
            s.user_models.push(UserModel {
                model: id,
                source,
                file,
            });
        }
    }
    match model(&state, id).await {
        Ok(_) => Ok(false),
        Err(problem) => {
            state.borrow_mut().user_models.retain(|u| u.model != id);
            Err(problem)
        }
    }
}

async fn set_photo(
    state: Shared,
    job: JobId,
    name: String,
    source: PhotoSource,
    parts: Parts,
) -> Result<bool, Problem> {
    let bytes = match &source {
        PhotoSource::Bytes => parts
            .bytes(0)
            .ok_or("no bytes came with the photo".to_string()),
        PhotoSource::File => match &parts.file {
            Some(file) => scope::file_bytes(file, |_, _| {}).await,
            None => Err("no file came with the request".to_string()),
        },
        PhotoSource::Url(url) => scope::fetch_bytes(url, false, |_, _| {}).await,
    }
    .map_err(|e| Problem::with_detail(Say::PhotoUnreadable(name.clone()), e))?;
    let image = imaging::decode(&bytes).map_err(|e| {
        let detail = e.to_string();
        match PhotoProblem::of(&e) {
            // What the decoder said, where the kind alone does not say it all.
            Some(why @ (PhotoProblem::Truncated | PhotoProblem::Corrupt)) => {
                Problem::with_detail(Say::BadPhoto { name, why }, detail)
            }
            Some(why) => Problem::new(Say::BadPhoto { name, why }),
            None => Problem::with_detail(Say::PhotoUnreadable(name), detail),
        }
    })?;
    drop(bytes);
    post(
        &Event::PhotoDecoded {
            job,
            width: image.width(),
            height: image.height(),
        },
        Vec::new(),
    );
    state.borrow_mut().photo = Some(Rc::new(image));
    Ok(false)
}

fn photo(state: &Shared) -> Result<Rc<RgbImage>, Problem> {
    state
        .borrow()
        .photo
        .clone()
        .ok_or_else(|| Problem::new(Say::ChoosePhoto))
}

fn device_problem(e: impl std::fmt::Display) -> Problem {
    Problem::with_detail(Say::DeviceFailed, e.to_string())
}

async fn classify(state: Shared, job: JobId, id: ModelId) -> Result<bool, Problem> {
    let photo = photo(&state)?;
    let model = model(&state, id).await?;
    let size = id.input_size() as u32;
    // The photo itself through the one preprocessing (as `gibbon classify` does); the
    // page shows the model's input rounded to 8 bits.
    let probs = model.classify(&photo).await.map_err(device_problem)?;
    let input = imaging::prepare(&photo, size, Preprocess::Crop);
    post(
        &Event::Classified {
            job,
            model: id,
            size,
            top: probs.top(5),
        },
        vec![rgba(&input)],
    );
    Ok(false)
}

/// Reports every step (and the iterate's pixels at most every 150 ms), gives the worker's
/// event loop a turn so that a Cancel can arrive, and honours it.
struct LiveSteps {
    job: JobId,
    cancel: Rc<Cell<bool>>,
    last_pixels: f64,
}

impl Observer for LiveSteps {
    async fn on_step(
        &mut self,
        records: &[StepRecord],
        iterate: &burn::prelude::Tensor<4>,
    ) -> Flow {
        let record = &records[0];
        let mut buffers = Vec::new();
        let now = scope::now_ms();
        let [_, _, h, w] = iterate.dims();
        // A large photo's iterate would cost more to read and send than the step itself.
        if now - self.last_pixels > 150.0 && w * h <= LIVE_PIXELS {
            if let Ok(values) = read_values(iterate.clone()).await {
                buffers.push(rgba(&imaging::from_chw(&values, w, h)));
            }
            self.last_pixels = now;
        }
        post(
            &Event::Step {
                job: self.job,
                record: *record,
                width: w as u32,
                height: h as u32,
            },
            buffers,
        );
        scope::yield_now().await;
        if self.cancel.get() {
            Flow::Cancel
        } else {
            Flow::Continue
        }
    }
}

/// The long side of a survival check's thumbnail, at most.
const THUMBNAIL_SIDE: u32 = 448;

/// The long side of the copies of a large result that the page shows.
const PREVIEW_SIDE: u32 = 1024;

/// The largest iterate the live view shows, in pixels.
const LIVE_PIXELS: usize = 1 << 20;

/// The largest photo the page attacks at its own size, in pixels: the browser's memory holds
/// a 12-megapixel attack (about 1.3 GB natively), and on WebGPU one f32 copy of the photo
/// must fit one storage binding.
fn full_resolution_pixels(backend: Option<&Backend>) -> u64 {
    let memory = 12_000_000u64.min(attacks::step::MAX_FULL_PIXELS);
    match backend.and_then(|b| b.max_tensor_bytes) {
        Some(bytes) => memory.min(bytes / 12),
        None => memory,
    }
}

/// The photo an attack at full resolution works on: the photo itself, or, when this device
/// cannot hold it, a smaller copy, with a note that says so.
fn full_resolution_photo(photo: &RgbImage, backend: Option<&Backend>) -> (RgbImage, Option<Say>) {
    let (w, h) = photo.dimensions();
    let limit = full_resolution_pixels(backend) as f64;
    let pixels = w as f64 * h as f64;
    let long = w.max(h);
    let scale = (limit / pixels)
        .sqrt()
        .min(attacks::step::MAX_FULL_SIDE as f64 / long as f64);
    if scale >= 1.0 {
        return (photo.clone(), None);
    }
    let copy = imaging::shrink_to(photo, ((long as f64 * scale).floor() as u32).max(1));
    let note = Say::Downscaled {
        size: (w, h),
        megapixels: limit / 1e6,
        copy: copy.dimensions(),
    };
    (copy, Some(note))
}

/// Gives the event loop a turn between steps and honours Cancel, reporting nothing.
struct Quiet(Rc<Cell<bool>>);

impl Observer for Quiet {
    async fn on_step(&mut self, _: &[StepRecord], _: &burn::prelude::Tensor<4>) -> Flow {
        scope::yield_now().await;
        if self.0.get() {
            Flow::Cancel
        } else {
            Flow::Continue
        }
    }
}

fn attack_problem(e: attacks::AttackError) -> Problem {
    match e {
        attacks::AttackError::Device(d) => device_problem(d),
        other => Problem::new(Say::Settings(other.to_string())),
    }
}

async fn attack(
    state: Shared,
    job: JobId,
    id: ModelId,
    also: Vec<ModelId>,
    truth: Truth,
    config: AttackConfig,
    cancel: Rc<Cell<bool>>,
) -> Result<bool, Problem> {
    config.validate().map_err(attack_problem)?;
    let size = id.input_size() as u32;
    let mut note = None;
    let input = if config.method == Method::Fooling {
        // A fooling image starts from grey or noise: the photo, if any, plays no part.
        RgbImage::new(size, size)
    } else if config.resolution == Resolution::Full {
        let backend = state.borrow().backend.clone();
        let (input, why) = full_resolution_photo(photo(&state)?.as_ref(), backend.as_ref());
        note = why;
        input
    } else {
        imaging::prepare(photo(&state)?.as_ref(), size, Preprocess::Crop)
    };
    let mut members = vec![model(&state, id).await?];
    for other in also {
        members.push(model(&state, other).await?);
    }
    let ensemble =
        attacks::Ensemble::new(members.iter().map(Rc::as_ref).collect()).map_err(attack_problem)?;
    let mut observer = LiveSteps {
        job,
        cancel,
        last_pixels: scope::now_ms(),
    };
    let outcome = attacks::run_ensemble(&ensemble, &[input], &[truth], &config, &mut observer)
        .await
        .map_err(attack_problem)?
        .pop()
        .ok_or_else(|| Problem::new(Say::NoResult))?;
    let png = imaging::encode_png(&outcome.adversarial)
        .map_err(|e| Problem::with_detail(Say::PngFailed, e.to_string()))?;
    let mut buffers = vec![rgba(&outcome.original), rgba(&outcome.adversarial), png];
    let cancelled = outcome.cancelled;
    let (width, height) = outcome.adversarial.dimensions();
    // The page shows a large result smaller: drawing it whole would freeze the page.
    let preview = (width as usize * height as usize > LIVE_PIXELS).then(|| {
        let original = imaging::shrink_to(&outcome.original, PREVIEW_SIDE);
        let adversarial = imaging::shrink_to(&outcome.adversarial, PREVIEW_SIDE);
        buffers.push(rgba(&original));
        buffers.push(rgba(&adversarial));
        original.dimensions()
    });
    post(
        &Event::Attacked {
            job,
            model: id,
            outcome: Box::new(outcome),
            width,
            height,
            preview,
            note,
        },
        buffers,
    );
    Ok(cancelled)
}

/// The attack's original and adversarial image a request carries (buffers 0 and 1, RGBA).
fn attack_images(parts: &Parts, images: AttackImages) -> Result<(RgbImage, RgbImage), Problem> {
    let image = |i| {
        parts
            .bytes(i)
            .and_then(|b| rgb(&b, images.width, images.height))
            .ok_or_else(|| Problem::new(Say::ImagesMissing))
    };
    Ok((image(0)?, image(1)?))
}

#[allow(clippy::too_many_arguments)]
async fn transfer(
    state: Shared,
    job: JobId,
    images: AttackImages,
    truth: Truth,
    target: Option<usize>,
    models: Vec<ModelId>,
    parts: Parts,
    cancel: Rc<Cell<bool>>,
) -> Result<bool, Problem> {
    let (original, adversarial) = attack_images(&parts, images)?;
    for id in models {
        if cancel.get() {
            return Ok(true);
        }
        let model = model(&state, id).await?;
        let judgement = attacks::judge(&model, &original, &adversarial, images.resolution)
            .await
            .map_err(device_problem)?;
        post(
            &Event::Judged {
                job,
                judgement,
                verdict: judgement.verdict(&truth, target),
            },
            Vec::new(),
        );
        scope::yield_now().await;
    }
    Ok(false)
}

#[allow(clippy::too_many_arguments)]
async fn survival(
    state: Shared,
    job: JobId,
    images: AttackImages,
    truth: Truth,
    target: Option<usize>,
    models: Vec<ModelId>,
    parts: Parts,
    cancel: Rc<Cell<bool>>,
) -> Result<bool, Problem> {
    let (original, adversarial) = attack_images(&parts, images)?;
    let mut changed = Vec::new();
    for t in Transform::CHECKS {
        if cancel.get() {
            return Ok(true);
        }
        let apply = async |image: &RgbImage| match t {
            // The browser's own JPEG encoder: what a user's "save as JPEG" gives.
            Transform::Jpeg { quality } => {
                let bytes = scope::encode_jpeg(image, quality).await?;
                survival::decode_jpeg(&bytes)
            }
            _ => t.apply(image),
        };
        let problem = |why: String| Problem::with_detail(Say::CheckFailed(t), why);
        let o = apply(&original).await.map_err(problem)?;
        let a = apply(&adversarial).await.map_err(problem)?;
        changed.push((t, o, a));
        scope::yield_now().await;
    }
    let mut members = Vec::new();
    for id in models {
        members.push(model(&state, id).await?);
    }
    let ensemble =
        attacks::Ensemble::new(members.iter().map(Rc::as_ref).collect()).map_err(attack_problem)?;
    let judged = survival::judge_changed(&ensemble, images.resolution, &truth, target, &changed)
        .await
        .map_err(attack_problem)?;
    // Thumbnails: a full-resolution photo's changed images are shown smaller.
    let thumbnails: Vec<RgbImage> = changed
        .iter()
        .map(|(_, _, a)| imaging::shrink_to(a, THUMBNAIL_SIDE))
        .collect();
    let checks = judged
        .into_iter()
        .zip(&thumbnails)
        .map(|(survival, a)| SurvivalCheck {
            survival,
            width: a.width(),
            height: a.height(),
        })
        .collect();
    let buffers = thumbnails.iter().map(rgba).collect();
    post(&Event::Survived { job, checks }, buffers);
    Ok(false)
}

async fn matrix(
    state: Shared,
    job: JobId,
    truth: Truth,
    models: Vec<ModelId>,
    config: AttackConfig,
    cancel: Rc<Cell<bool>>,
) -> Result<bool, Problem> {
    config.validate().map_err(attack_problem)?;
    let photo = photo(&state)?;
    let mut verdicts = Vec::new();
    for &source in &models {
        let attacker = model(&state, source).await?;
        let input = imaging::prepare(&photo, source.input_size() as u32, Preprocess::Crop);
        let mut observer = Quiet(cancel.clone());
        let outcome = attacks::run(&attacker, &input, &truth, &config, &mut observer)
            .await
            .map_err(attack_problem)?;
        if outcome.cancelled || cancel.get() {
            // A cancelled photo is not counted at all.
            return Ok(true);
        }
        for &judge in &models {
            let model = model(&state, judge).await?;
            let judgement = attacks::judge(
                &model,
                &outcome.original,
                &outcome.adversarial,
                outcome.config.resolution,
            )
            .await
            .map_err(device_problem)?;
            verdicts.push((
                source,
                judge,
                judgement.verdict(&truth, outcome.goal.target()),
            ));
            scope::yield_now().await;
            if cancel.get() {
                return Ok(true);
            }
        }
    }
    post(&Event::MatrixPhoto { job, verdicts }, Vec::new());
    Ok(false)
}

/// The eps sweep for the photo: one attack per budget, each reported as it is done.
async fn sweep(
    state: Shared,
    job: JobId,
    id: ModelId,
    truth: Truth,
    config: AttackConfig,
    eps: Vec<f32>,
    cancel: Rc<Cell<bool>>,
) -> Result<bool, Problem> {
    if eps.is_empty() || eps.len() > MAX_SWEEP_POINTS {
        return Err(Problem::new(Say::SweepPoints(MAX_SWEEP_POINTS)));
    }
    let configs = eps
        .iter()
        .map(|&e| {
            let c = AttackConfig {
                eps: e,
                ..config.clone()
            };
            c.validate()
                .map(|_| c)
                .map_err(|e| Problem::new(Say::Settings(e.to_string())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let photo = photo(&state)?;
    let model = model(&state, id).await?;
    let input = imaging::prepare(&photo, id.input_size() as u32, Preprocess::Crop);
    drop(photo);
    for config in configs {
        let mut observer = Quiet(cancel.clone());
        let outcome = attacks::run(&model, &input, &truth, &config, &mut observer)
            .await
            .map_err(attack_problem)?;
        if outcome.cancelled || cancel.get() {
            return Ok(true);
        }
        let point = SweepPoint {
            eps: config.eps,
            success: outcome.success(),
            true_prob: outcome.adversarial_true_prob,
            linf: outcome.distance.linf,
        };
        post(&Event::SweepPoint { job, point }, Vec::new());
    }
    Ok(false)
}

/// Times attack steps of EfficientNet-Lite0 (forward pass and input gradient, batch 1) on
/// WebGPU, when there is one, and on the CPU: median of `steps` after two warm-up steps.
async fn bench(job: JobId, steps: usize) -> Result<bool, Problem> {
    let steps = steps.clamp(1, 100);
    let id = ModelId::EfficientNetLite0;
    let bytes = scope::fetch_bytes(&format!("models/{}", id.web_file()), true, |_, _| {})
        .await
        .map_err(|e| Problem::with_detail("The model could not be downloaded.", e))?;
    let (gpu, _) = backend::select_browser(true).await;
    let mut backends = Vec::new();
    if gpu.kind == BackendKind::Wgpu {
        let mut gpu = gpu;
        let label = scope::webgpu_adapter_label().await.unwrap_or_default();
        gpu.description = format!("WebGPU: {label}");
        backends.push(gpu);
    }
    let mut cpu = Backend::cpu();
    cpu.description = "CPU: burn flex (WebAssembly SIMD)".into();
    backends.push(cpu);
    let size = id.input_size() as u32;
    let image = RgbImage::from_fn(size, size, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    for backend in backends {
        let store = weights::read_bytes(&bytes, "model")
            .map_err(|e| Problem::with_detail("The model file is broken.", e.to_string()))?;
        let model = Classifier::load(id, store, &backend.device)
            .map_err(|e| Problem::with_detail("The model could not be built.", e.to_string()))?;
        let x = imaging::to_tensor(&image, &backend.device);
        let mut times = Vec::new();
        for _ in 0..steps + 2 {
            let start = scope::now_ms();
            let (gradient, _) = attacks::step::gradient_at(&model, &x, 0)
                .await
                .map_err(device_problem)?;
            read_values(gradient.slice([0..1, 0..1, 0..1, 0..1]))
                .await
                .map_err(device_problem)?;
            times.push(scope::now_ms() - start);
            scope::yield_now().await;
        }
        let first_ms = times[0];
        let mut timed = times[2..].to_vec();
        timed.sort_by(f64::total_cmp);
        post(
            &Event::BenchRow {
                job,
                row: BenchRow {
                    backend: backend.description.clone(),
                    kind: backend.kind,
                    first_ms,
                    median_ms: timed[timed.len() / 2],
                    min_ms: timed[0],
                    steps,
                },
            },
            Vec::new(),
        );
    }
    Ok(false)
}
