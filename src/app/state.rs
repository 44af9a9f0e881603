//! What the page knows and does: the backend, the loaded models, the photo, the attack run and
//! its outcome. Components read these signals; user actions call the functions below, which
//! run the library's model and attack code (the same as the CLI's) on the browser's device.

use std::cell::Cell;
use std::rc::Rc;

use burn::prelude::Device;
use image::RgbImage;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::browser;
use crate::attacks::{self, AttackConfig, AttackOutcome, Flow, Observer, StepRecord};
use crate::backend::{self, BackendKind};
use crate::imaging::{self, Preprocess};
use crate::models::{Classifier, ModelId};
use crate::prediction::{Prediction, read_values};
use crate::samples::Sample;
use crate::weights;

/// The photo the user chose, decoded and upright.
#[derive(Clone)]
pub struct Photo {
    pub name: String,
    pub image: Rc<RgbImage>,
    /// The gallery entry it came from, whose label is known.
    pub sample: Option<&'static Sample>,
}

impl Photo {
    /// The class an attack moves away from: for a gallery photo the model's own answer when it
    /// is a right one (a tabby that the model calls "tiger cat" is a success to attack, not a
    /// failure already), else the photo's label; for the user's own photos, the model's answer.
    pub fn label_for(&self, model_top1: Option<usize>) -> Option<usize> {
        match (self.sample, model_top1) {
            (Some(s), Some(top1)) if s.accepts(top1) => Some(top1),
            (Some(s), _) => Some(s.label),
            (None, top1) => top1,
        }
    }
}

/// Which backend runs, for the badge.
#[derive(Clone, Debug, PartialEq)]
pub struct BackendInfo {
    pub kind: BackendKind,
    pub description: String,
    /// Why the CPU runs although WebGPU was asked for.
    pub fallback_reason: Option<String>,
}

/// A model file being downloaded.
#[derive(Clone, Debug, PartialEq)]
pub struct Loading {
    pub model: ModelId,
    pub received: u64,
    pub total: Option<u64>,
}

/// A message shown above the panels.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    Error(String),
    Info(String),
}

/// One row of the transfer table: how another model judges the original and the adversarial.
#[derive(Clone, Debug, PartialEq)]
pub struct TransferRow {
    pub model: ModelId,
    pub original: Prediction,
    pub adversarial: Prediction,
    pub fooled: bool,
    pub goal_reached: bool,
}

/// Where the weights of a model the user brought come from: kept so that the model can be
/// loaded again on another backend.
#[derive(Clone)]
pub enum UserWeights {
    File(web_sys::File),
    Url(String),
}

impl UserWeights {
    fn describe(&self) -> String {
        match self {
            UserWeights::File(f) => f.name(),
            UserWeights::Url(u) => u.clone(),
        }
    }
}

/// One cell of the transfer matrix: images made on `source`, judged by `judge`.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixCell {
    pub source: ModelId,
    pub judge: ModelId,
    pub fooled: usize,
    pub images: usize,
}

/// The app's state, shared through Leptos context. Every field is a cheap handle.
#[derive(Clone, Copy)]
pub struct AppState {
    pub backend: RwSignal<Option<BackendInfo>>,
    pub use_gpu: RwSignal<bool>,
    device: StoredValue<Option<Device>, LocalStorage>,
    pub model_id: RwSignal<ModelId>,
    models: StoredValue<Vec<(ModelId, Rc<Classifier>)>, LocalStorage>,
    pub loading: RwSignal<Option<Loading>>,
    pub photo: RwSignal<Option<Photo>, LocalStorage>,
    /// The photo resized and cropped for the current model: what is attacked.
    pub input: RwSignal<Option<Rc<RgbImage>>, LocalStorage>,
    pub original_top: RwSignal<Vec<Prediction>>,
    pub running: RwSignal<bool>,
    pub steps_planned: RwSignal<usize>,
    pub history: RwSignal<Vec<StepRecord>>,
    /// The newest iterate while an attack runs (rounded for display).
    pub live: RwSignal<Option<Rc<RgbImage>>, LocalStorage>,
    pub outcome: RwSignal<Option<Rc<AttackOutcome>>, LocalStorage>,
    pub adversarial_top: RwSignal<Vec<Prediction>>,
    pub transfer: RwSignal<Vec<TransferRow>>,
    pub transfer_running: RwSignal<bool>,
    pub notice: RwSignal<Option<Notice>>,
    /// Models whose weights the user brought (besides the built-in ones).
    pub user_models: RwSignal<Vec<ModelId>>,
    user_weights: StoredValue<Vec<(ModelId, UserWeights)>, LocalStorage>,
    /// The largest tensor the device can bind (WebGPU's storage-buffer limit).
    max_tensor_bytes: StoredValue<Option<u64>>,
    /// The settings of the last attack run, reused by the transfer matrix.
    last_config: StoredValue<Option<AttackConfig>>,
    /// Transfer matrix cells, summed over the photos studied so far.
    pub matrix: RwSignal<Vec<MatrixCell>>,
    pub matrix_running: RwSignal<bool>,
    cancel: StoredValue<Rc<Cell<bool>>, LocalStorage>,
    /// Bumped whenever the photo or the model changes, so late results of older work are
    /// dropped instead of shown.
    generation: RwSignal<u64>,
}

impl AppState {
    /// Fresh state; `use_gpu` false starts on the CPU backend.
    pub fn new(use_gpu: bool) -> Self {
        Self {
            backend: RwSignal::new(None),
            use_gpu: RwSignal::new(use_gpu),
            device: StoredValue::new_local(None),
            model_id: RwSignal::new(ModelId::EfficientNetLite0),
            models: StoredValue::new_local(Vec::new()),
            loading: RwSignal::new(None),
            photo: RwSignal::new_local(None),
            input: RwSignal::new_local(None),
            original_top: RwSignal::new(Vec::new()),
            running: RwSignal::new(false),
            steps_planned: RwSignal::new(0),
            history: RwSignal::new(Vec::new()),
            live: RwSignal::new_local(None),
            outcome: RwSignal::new_local(None),
            adversarial_top: RwSignal::new(Vec::new()),
            transfer: RwSignal::new(Vec::new()),
            transfer_running: RwSignal::new(false),
            notice: RwSignal::new(None),
            user_models: RwSignal::new(Vec::new()),
            user_weights: StoredValue::new_local(Vec::new()),
            max_tensor_bytes: StoredValue::new(None),
            last_config: StoredValue::new(None),
            matrix: RwSignal::new(Vec::new()),
            matrix_running: RwSignal::new(false),
            cancel: StoredValue::new_local(Rc::new(Cell::new(false))),
            generation: RwSignal::new(0),
        }
    }

    fn error(&self, message: impl Into<String>) {
        self.notice.set(Some(Notice::Error(message.into())));
    }

    fn info(&self, message: impl Into<String>) {
        self.notice.set(Some(Notice::Info(message.into())));
    }

    fn bump(&self) -> u64 {
        self.generation.update(|g| *g += 1);
        self.generation.get_untracked()
    }

    fn current(&self, generation: u64) -> bool {
        self.generation.get_untracked() == generation
    }

    /// Opens the backend (WebGPU or CPU) the user prefers; drops models of another device.
    async fn open_backend(&self) -> Device {
        if let Some(device) = self.device.get_value() {
            return device;
        }
        let (backend, fallback_reason) =
            backend::select_browser(self.use_gpu.get_untracked()).await;
        let mut description = backend.description.clone();
        if backend.kind == BackendKind::Wgpu {
            if let Some(label) = browser::webgpu_adapter_label().await {
                let software = if backend.software { ", software" } else { "" };
                description = format!("WebGPU: {label}{software}");
            }
        }
        self.backend.set(Some(BackendInfo {
            kind: backend.kind,
            description,
            fallback_reason,
        }));
        self.models.set_value(Vec::new());
        self.max_tensor_bytes.set_value(backend.max_tensor_bytes);
        self.device.set_value(Some(backend.device.clone()));
        backend.device
    }

    /// The built-in models and those the user loaded (tracked, for views).
    pub fn available_models(&self) -> Vec<ModelId> {
        let mut all = ModelId::BUILT_IN.to_vec();
        all.extend(self.user_models.get());
        all
    }

    fn available_models_untracked(&self) -> Vec<ModelId> {
        let mut all = ModelId::BUILT_IN.to_vec();
        all.extend(self.user_models.get_untracked());
        all
    }

    /// The model `id` on the current device, downloading it (with progress, cached by the
    /// browser for the next visit) when needed.
    pub async fn model(&self, id: ModelId) -> Result<Rc<Classifier>, String> {
        let device = self.open_backend().await;
        // Another task is loading this model already: wait for it rather than load it twice.
        while self
            .loading
            .with_untracked(|l| l.as_ref().is_some_and(|l| l.model == id))
        {
            browser::sleep_ms(50).await;
        }
        if let Some(model) = self
            .models
            .with_value(|m| m.iter().find(|(i, _)| *i == id).map(|(_, m)| m.clone()))
        {
            return Ok(model);
        }
        let user = self
            .user_weights
            .with_value(|w| w.iter().find(|(i, _)| *i == id).map(|(_, w)| w.clone()));
        if !id.is_built_in() && user.is_none() {
            return Err(format!(
                "load weights for {} first (Your own model)",
                id.display_name()
            ));
        }
        let what = user.as_ref().map_or_else(
            || format!("models/{}", id.web_file()),
            UserWeights::describe,
        );
        self.loading.set(Some(Loading {
            model: id,
            received: 0,
            total: None,
        }));
        let state = *self;
        let progress = move |received, total| {
            state.loading.set(Some(Loading {
                model: id,
                received,
                total,
            }))
        };
        let bytes = match &user {
            None => browser::fetch_bytes(&what, true, progress).await,
            Some(UserWeights::Url(url)) => browser::fetch_bytes(url, true, progress).await,
            Some(UserWeights::File(file)) => {
                browser::file_bytes_with_progress(file, progress).await
            }
        };
        self.loading.set(None);
        let bytes = bytes.map_err(|e| format!("{} could not be read: {e}", id.display_name()))?;
        let store = weights::read_bytes(&bytes, &what).map_err(|e| format!("{what}: {e}"))?;
        drop(bytes);
        let model = Classifier::load_within(id, store, &device, self.max_tensor_bytes.get_value())
            .map_err(|e| format!("{what}: {e}"))?;
        let model = Rc::new(model);
        self.models.update_value(|m| m.push((id, model.clone())));
        Ok(model)
    }

    /// Loads weights the user brought for architecture `id`; the model joins the model list
    /// and the transfer tests.
    pub fn load_user_model(&self, id: ModelId, source: UserWeights) {
        let state = *self;
        self.models.update_value(|m| m.retain(|(i, _)| *i != id));
        self.user_weights.update_value(|w| {
            w.retain(|(i, _)| *i != id);
            w.push((id, source.clone()));
        });
        spawn_local(async move {
            match state.model(id).await {
                Ok(model) => {
                    if !state.user_models.get_untracked().contains(&id) {
                        state.user_models.update(|m| m.push(id));
                    }
                    state.info(format!(
                        "{} loaded from {} ({:?} layout); choose it in the model list.",
                        id.display_name(),
                        source.describe(),
                        model.layout()
                    ));
                }
                Err(e) => {
                    state
                        .user_weights
                        .update_value(|w| w.retain(|(i, _)| *i != id));
                    state.error(e);
                }
            }
        });
    }

    /// Starts the page: backend, default model, service worker.
    pub fn start(&self) {
        browser::register_service_worker();
        let state = *self;
        spawn_local(async move {
            if let Err(e) = state.model(state.model_id.get_untracked()).await {
                state.error(e);
            }
        });
    }

    /// Decodes a file the user gave; a file that is no image is an error message, nothing more.
    pub fn set_photo_bytes(&self, bytes: Vec<u8>, name: String, sample: Option<&'static Sample>) {
        match imaging::decode(&bytes) {
            Ok(image) => {
                self.notice.set(None);
                self.photo.set(Some(Photo {
                    name,
                    image: Rc::new(image),
                    sample,
                }));
                self.refresh();
            }
            Err(e) => self.error(format!("{name}: {e}")),
        }
    }

    /// Prepares the photo for the current model and classifies it; clears older results.
    pub fn refresh(&self) {
        self.cancel_attack();
        let generation = self.bump();
        self.outcome.set(None);
        self.adversarial_top.set(Vec::new());
        self.transfer.set(Vec::new());
        self.history.set(Vec::new());
        self.live.set(None);
        let Some(photo) = self.photo.get_untracked() else {
            return;
        };
        let state = *self;
        let id = self.model_id.get_untracked();
        spawn_local(async move {
            let size = id.input_size() as u32;
            let input = Rc::new(imaging::prepare(&photo.image, size, Preprocess::Crop));
            state.input.set(Some(input.clone()));
            state.original_top.set(Vec::new());
            let model = match state.model(id).await {
                Ok(m) => m,
                Err(e) => return state.error(e),
            };
            match model.classify(&input).await {
                Ok(probs) if state.current(generation) => state.original_top.set(probs.top(5)),
                Ok(_) => {}
                Err(e) => state.error(e.to_string()),
            }
        });
    }

    /// Switches the model; a running attack is cancelled first.
    pub fn set_model(&self, id: ModelId) {
        if self.model_id.get_untracked() == id {
            return;
        }
        if self.running.get_untracked() {
            self.info("The attack was cancelled because the model changed.");
        }
        self.model_id.set(id);
        self.refresh();
    }

    /// Switches between WebGPU and the CPU; models are loaded again on the new device.
    pub fn set_use_gpu(&self, use_gpu: bool) {
        if self.running.get_untracked() {
            self.info("The attack was cancelled because the backend changed.");
        }
        self.cancel_attack();
        self.use_gpu.set(use_gpu);
        self.device.set_value(None);
        self.backend.set(None);
        let state = *self;
        spawn_local(async move {
            state.open_backend().await;
            state.refresh();
        });
    }

    /// Asks a running attack to stop after its current step.
    pub fn cancel_attack(&self) {
        self.cancel.with_value(|c| c.set(true));
    }

    /// Runs an attack on the current input with the current model.
    pub fn run_attack(&self, config: AttackConfig) {
        if self.running.get_untracked() {
            return;
        }
        let Some(input) = self.input.get_untracked() else {
            return self.error("Choose a photo first.");
        };
        if let Err(e) = config.validate() {
            return self.error(e.to_string());
        }
        let top1 = self
            .original_top
            .with_untracked(|t| t.first().map(|p| p.index));
        let label = self.photo.get_untracked().and_then(|p| p.label_for(top1));
        let generation = self.generation.get_untracked();
        let cancel = Rc::new(Cell::new(false));
        self.cancel.set_value(cancel.clone());
        self.notice.set(None);
        self.outcome.set(None);
        self.transfer.set(Vec::new());
        self.history.set(Vec::new());
        self.steps_planned.set(config.steps());
        self.last_config.set_value(Some(config.clone()));
        self.running.set(true);
        let state = *self;
        spawn_local(async move {
            let result = async {
                let model = state.model(state.model_id.get_untracked()).await?;
                let mut observer = LiveView {
                    state,
                    cancel,
                    last_draw: 0.0,
                };
                attacks::run(&model, &input, label, &config, &mut observer)
                    .await
                    .map_err(|e| e.to_string())
            }
            .await;
            state.running.set(false);
            match result {
                Ok(outcome) if state.current(generation) => {
                    state.live.set(Some(Rc::new(outcome.adversarial.clone())));
                    state.adversarial_top.set(outcome.adversarial_top.clone());
                    // The chart ends with the rounded image's own probabilities.
                    state.history.set(outcome.history.clone());
                    if outcome.cancelled {
                        state.info(format!(
                            "Cancelled after {} step(s); the result so far is shown.",
                            outcome.steps_run
                        ));
                    }
                    state.outcome.set(Some(Rc::new(outcome)));
                }
                Ok(_) => {}
                Err(e) => state.error(e),
            }
        });
    }

    /// Judges the adversarial image with every other model (the seed's transfer test).
    pub fn run_transfer(&self) {
        let Some(outcome) = self.outcome.get_untracked() else {
            return;
        };
        if self.transfer_running.get_untracked() {
            return;
        }
        self.transfer_running.set(true);
        self.transfer.set(Vec::new());
        let state = *self;
        let source = self.model_id.get_untracked();
        spawn_local(async move {
            for id in state
                .available_models_untracked()
                .into_iter()
                .filter(|&m| m != source)
            {
                let model = match state.model(id).await {
                    Ok(m) => m,
                    Err(e) => {
                        state.error(e);
                        break;
                    }
                };
                let Ok(v) = attacks::judge(&model, &outcome).await else {
                    state.error("The transfer test failed on the device.");
                    break;
                };
                let row = TransferRow {
                    model: id,
                    original: v.original,
                    adversarial: v.adversarial,
                    fooled: v.changed(),
                    goal_reached: outcome.goal.target() == Some(v.adversarial.index),
                };
                state.transfer.update(|rows| rows.push(row));
            }
            state.transfer_running.set(false);
        });
    }
}

impl AppState {
    /// The seed's whole experiment for the current photo: attack it on every available model
    /// with the last attack's settings, let every model judge every adversarial image, and add
    /// the results to the matrix (a judge is fooled when its answer changes).
    pub fn run_matrix(&self) {
        let Some(photo) = self.photo.get_untracked() else {
            return self.error("Choose a photo first.");
        };
        if self.matrix_running.get_untracked() || self.running.get_untracked() {
            return;
        }
        let config = self
            .last_config
            .get_value()
            .unwrap_or_else(|| AttackConfig::new(crate::attacks::Method::LeastLikely, 8.0));
        self.matrix_running.set(true);
        let cancel = Rc::new(Cell::new(false));
        self.cancel.set_value(cancel.clone());
        let state = *self;
        spawn_local(async move {
            let result = async {
                let models = state.available_models_untracked();
                for &source in &models {
                    let attacker = state.model(source).await?;
                    let size = source.input_size() as u32;
                    let input = imaging::prepare(&photo.image, size, Preprocess::Crop);
                    let top1 = attacker
                        .classify(&input)
                        .await
                        .map_err(|e| e.to_string())?
                        .top1()
                        .index;
                    let label = photo.label_for(Some(top1));
                    let mut observer = Yield(cancel.clone());
                    let outcome = attacks::run(&attacker, &input, label, &config, &mut observer)
                        .await
                        .map_err(|e| e.to_string())?;
                    for &judge in &models {
                        let model = state.model(judge).await?;
                        let v = attacks::judge(&model, &outcome)
                            .await
                            .map_err(|e| e.to_string())?;
                        let fooled = v.changed() as usize;
                        state.matrix.update(|cells| {
                            match cells
                                .iter_mut()
                                .find(|c| c.source == source && c.judge == judge)
                            {
                                Some(c) => {
                                    c.images += 1;
                                    c.fooled += fooled;
                                }
                                None => cells.push(MatrixCell {
                                    source,
                                    judge,
                                    images: 1,
                                    fooled,
                                }),
                            }
                        });
                        browser::yield_now().await;
                    }
                }
                Ok::<(), String>(())
            }
            .await;
            state.matrix_running.set(false);
            if let Err(e) = result {
                state.error(e);
            }
        });
    }
}

/// Gives the event loop back between steps (and honours Cancel) without drawing anything.
struct Yield(Rc<Cell<bool>>);

impl Observer for Yield {
    async fn on_step(&mut self, _: &StepRecord, _: &burn::prelude::Tensor<4>) -> Flow {
        browser::yield_now().await;
        if self.0.get() {
            Flow::Cancel
        } else {
            Flow::Continue
        }
    }
}

/// Shows an attack as it runs: the chart gets every step, the adversarial canvas a new frame
/// at most every 150 ms, and the browser gets the event loop back after every step.
struct LiveView {
    state: AppState,
    cancel: Rc<Cell<bool>>,
    last_draw: f64,
}

impl Observer for LiveView {
    async fn on_step(&mut self, record: &StepRecord, iterate: &burn::prelude::Tensor<4>) -> Flow {
        self.state.history.update(|h| h.push(*record));
        let now = browser::now_ms();
        if now - self.last_draw > 150.0 {
            let [_, _, h, w] = iterate.dims();
            if let Ok(values) = read_values(iterate.clone()).await {
                self.state
                    .live
                    .set(Some(Rc::new(imaging::from_chw(&values, w, h))));
            }
            self.last_draw = now;
        }
        browser::yield_now().await;
        if self.cancel.get() {
            Flow::Cancel
        } else {
            Flow::Continue
        }
    }
}
