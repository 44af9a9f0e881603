//! The computing side as the user sees it: which device computes, which model is chosen,
//! which models there are (with the user's own, kept so that a new worker can load them
//! again), and the download under way; with the actions that change them.

use leptos::prelude::*;

use super::engine::Message;
use super::note::Note;
use super::notices::Notice;
use crate::worker::protocol::{BackendInfo, JobId, ModelSource, Problem, Request};
use crate::zoo::{Layout, ModelId};

/// Where the page keeps the user's choice of device ("cpu" or "webgpu") for the next visit.
pub const DEVICE_KEY: &str = "gibbon-device";

/// A model file being downloaded or read.
#[derive(Clone, Debug, PartialEq)]
pub struct Loading {
    pub model: ModelId,
    pub received: u64,
    pub total: Option<u64>,
}

/// A model the user brought: where its weights are, for a new worker.
#[derive(Clone)]
struct OwnModel {
    model: ModelId,
    source: ModelSource,
    file: Option<web_sys::File>,
}

impl OwnModel {
    fn load(&self, job: JobId) -> Message {
        let request = Request::LoadModel {
            job,
            model: self.model,
            source: self.source.clone(),
        };
        Message::from(request).with_file(self.file.clone())
    }
}

/// The user's model load under way, until the worker says how it went.
#[derive(Clone)]
struct PendingLoad {
    job: JobId,
    model: ModelId,
    /// Where from, as the user named it.
    what: String,
    /// Its weights' layout, once the worker has loaded it.
    layout: Option<Layout>,
}

/// Device, model choice and model list.
#[derive(Clone, Copy)]
pub struct Session {
    /// The device the worker opened (None while it starts).
    pub backend: RwSignal<Option<BackendInfo>>,
    /// Whether the user wants WebGPU (else the CPU).
    pub use_gpu: RwSignal<bool>,
    /// The model attacked.
    pub model: RwSignal<ModelId>,
    /// Models whose weights the user brought, besides the built-in ones.
    pub user_models: RwSignal<Vec<ModelId>>,
    pub loading: RwSignal<Option<Loading>>,
    own: StoredValue<Vec<OwnModel>, LocalStorage>,
    pending: StoredValue<Option<PendingLoad>>,
}

impl Session {
    pub fn new(use_gpu: bool) -> Self {
        Self {
            backend: RwSignal::new(None),
            use_gpu: RwSignal::new(use_gpu),
            model: RwSignal::new(ModelId::EfficientNetLite0),
            user_models: RwSignal::new(Vec::new()),
            loading: RwSignal::new(None),
            own: StoredValue::new_local(Vec::new()),
            pending: StoredValue::new(None),
        }
    }

    /// The built-in models and those the user loaded (tracked, for views).
    pub fn models(&self) -> Vec<ModelId> {
        let mut all = ModelId::BUILT_IN.to_vec();
        all.extend(self.user_models.get());
        all
    }

    /// The same, outside reactive views.
    pub fn models_untracked(&self) -> Vec<ModelId> {
        let mut all = ModelId::BUILT_IN.to_vec();
        all.extend(self.user_models.get_untracked());
        all
    }

    /// The model chosen now (untracked).
    pub fn chosen(&self) -> ModelId {
        self.model.get_untracked()
    }

    /// Chooses the model to attack; false when it is chosen already.
    pub fn choose(&self, id: ModelId) -> bool {
        if self.chosen() == id {
            return false;
        }
        self.model.set(id);
        true
    }

    /// The request that opens the device the user wants.
    pub fn open(&self) -> Request {
        Request::Open {
            prefer_gpu: self.use_gpu.get_untracked(),
        }
    }

    /// Switches between WebGPU and the CPU: the request that opens the other device.
    pub fn switch_device(&self, use_gpu: bool) -> Request {
        self.use_gpu.set(use_gpu);
        self.backend.set(None);
        self.open()
    }

    /// The worker is gone: no device, no download.
    pub fn worker_lost(&self) {
        self.backend.set(None);
        self.loading.set(None);
    }

    /// The request that loads `model`: the user's weights for it if they brought them,
    /// else the built-in ones.
    pub fn load(&self, job: JobId, model: ModelId) -> Message {
        self.own
            .with_value(|own| own.iter().find(|o| o.model == model).map(|o| o.load(job)))
            .unwrap_or_else(|| {
                Request::LoadModel {
                    job,
                    model,
                    source: ModelSource::BuiltIn,
                }
                .into()
            })
    }

    /// Starts loading weights the user brought for `model`: the request. The model joins the
    /// list once loaded, and a new worker loads it again.
    pub fn bring(
        &self,
        job: JobId,
        model: ModelId,
        source: ModelSource,
        file: Option<web_sys::File>,
    ) -> Message {
        self.pending.set_value(Some(PendingLoad {
            job,
            model,
            what: source.describe(model),
            layout: None,
        }));
        let own = OwnModel {
            model,
            source,
            file,
        };
        let message = own.load(job);
        self.own.update_value(|o| {
            o.retain(|o| o.model != model);
            o.push(own);
        });
        message
    }

    /// The requests that load the user's models in a new worker, each with a job of `job`.
    pub fn reload_own(&self, mut job: impl FnMut() -> JobId) -> Vec<Message> {
        self.own
            .with_value(|own| own.iter().map(|o| o.load(job())).collect())
    }

    /// Bytes of a model file received so far.
    pub fn downloading(&self, loading: Loading) {
        self.loading.set(Some(loading));
    }

    /// A model is loaded: its download is over, and the user's load learns its layout.
    pub fn model_ready(&self, model: ModelId, layout: Layout) {
        if self
            .loading
            .with_untracked(|l| l.as_ref().is_some_and(|l| l.model == model))
        {
            self.loading.set(None);
        }
        self.pending.update_value(|p| {
            if let Some(p) = p.as_mut().filter(|p| p.model == model) {
                p.layout = Some(layout);
            }
        });
    }

    /// The end of job `job`, with its problem if it failed. When it was the user's model
    /// load, the model joins the list (or its weights are forgotten), and the notice that
    /// says how it went is returned; None for any other job.
    pub fn finish_load(&self, job: JobId, problem: Option<Problem>) -> Option<Notice> {
        let pending = self.pending.get_value().filter(|p| p.job == job)?;
        self.pending.set_value(None);
        let model = pending.model;
        Some(match problem {
            None => {
                if !self.user_models.get_untracked().contains(&model) {
                    self.user_models.update(|m| m.push(model));
                }
                Notice::info(Note::ModelLoaded {
                    model,
                    from: pending.what,
                    layout: pending.layout,
                })
            }
            Some(problem) => {
                self.own.update_value(|o| o.retain(|o| o.model != model));
                Notice::from(problem)
            }
        })
    }
}
