//! What the worker keeps between requests: the device, the models loaded on it (and where the
//! user's own came from, to load them again on another device), the photo, and each running
//! job's cancel flag.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use image::RgbImage;

use super::Cancel;
use super::scope::{self, say};
use crate::backend::{self, Backend, BackendKind};
use crate::models::Classifier;
use crate::weights;
use crate::worker::protocol::{BackendInfo, DeviceKind, Event, JobId, ModelSource, Problem, Say};
use crate::zoo::ModelId;

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
    cancels: HashMap<JobId, Cancel>,
    device_lost: bool,
    /// A job is opening the device: others wait for it (burn opens WebGPU once).
    opening: bool,
}

/// The worker's state, shared by the jobs that run at once (one thread, many futures).
#[derive(Clone)]
pub struct Worker(Rc<RefCell<State>>);

impl Worker {
    /// A worker that prefers WebGPU and holds nothing yet.
    pub fn new() -> Self {
        Worker(Rc::new(RefCell::new(State {
            prefer_gpu: true,
            ..State::default()
        })))
    }

    /// A new job's cancel flag.
    pub fn register(&self, job: JobId) -> Cancel {
        let cancel = Rc::new(Cell::new(false));
        self.0.borrow_mut().cancels.insert(job, cancel.clone());
        cancel
    }

    /// Forgets a finished job.
    pub fn unregister(&self, job: JobId) {
        self.0.borrow_mut().cancels.remove(&job);
    }

    /// Asks job `job` to stop after its current step.
    pub fn cancel(&self, job: JobId) {
        if let Some(c) = self.0.borrow().cancels.get(&job) {
            c.set(true);
        }
    }

    /// Destroys the GPU device, as a driver reset would (a test hook).
    pub fn lose_device(&self) {
        #[cfg(feature = "gpu")]
        let device = self
            .0
            .borrow()
            .backend
            .as_ref()
            .and_then(|b| b.wgpu_device.clone());
        #[cfg(feature = "gpu")]
        if let Some(device) = device {
            device.destroy();
        }
    }

    /// Drops the device and its models; the next job opens the one asked for.
    pub fn switch_device(&self, prefer_gpu: bool) {
        let mut s = self.0.borrow_mut();
        s.prefer_gpu = prefer_gpu;
        s.backend = None;
        s.models.clear();
    }

    /// How many models are loaded.
    pub fn models_kept(&self) -> usize {
        self.0.borrow().models.len()
    }

    /// The open device, if any.
    pub fn backend(&self) -> Option<Backend> {
        self.0.borrow().backend.clone()
    }

    /// The photo, which an attack or check needs.
    pub fn photo(&self) -> Result<Rc<RgbImage>, Problem> {
        self.0
            .borrow()
            .photo
            .clone()
            .ok_or_else(|| Problem::new(Say::ChoosePhoto))
    }

    /// Keeps a decoded photo (replacing the previous one).
    pub fn set_photo(&self, photo: RgbImage) {
        self.0.borrow_mut().photo = Some(Rc::new(photo));
    }

    /// The open device: WebGPU when asked for and available, else the CPU. One job opens it;
    /// others wait. If the page switches device meanwhile, the other one is opened.
    pub async fn open_device(&self) -> Result<Backend, Problem> {
        loop {
            if self.0.borrow().device_lost {
                return Err(Problem::new(Say::DeviceLost));
            }
            if let Some(backend) = self.0.borrow().backend.clone() {
                return Ok(backend);
            }
            if self.0.borrow().opening {
                scope::sleep_ms(20).await;
                continue;
            }
            self.0.borrow_mut().opening = true;
            let prefer_gpu = self.0.borrow().prefer_gpu;
            let (backend, why) = backend::select_browser(prefer_gpu).await;
            let switched = {
                let mut s = self.0.borrow_mut();
                s.opening = false;
                s.prefer_gpu != prefer_gpu
            };
            if switched {
                continue;
            }
            let backend = describe(backend, why).await;
            let mut s = self.0.borrow_mut();
            s.backend = Some(backend.clone());
            s.models.clear();
            return Ok(backend);
        }
    }

    /// Model `id` on the open device: loaded already, or downloaded (built-in), or read from
    /// the user's file or site path, with progress events.
    pub async fn model(&self, id: ModelId) -> Result<Rc<Classifier>, Problem> {
        let backend = self.open_device().await?;
        // Another job is loading this model: wait for it rather than load it twice.
        while self.0.borrow().loading.contains(&id) {
            scope::sleep_ms(50).await;
        }
        if let Some(m) = self.loaded(id) {
            return Ok(m);
        }
        let (source, file) = {
            let s = self.0.borrow();
            match s.user_models.iter().find(|u| u.model == id) {
                Some(u) => (u.source.clone(), u.file.clone()),
                None if id.is_built_in() => (ModelSource::BuiltIn, None),
                None => return Err(Problem::new(Say::LoadWeightsFirst(id))),
            }
        };
        let what = source.describe(id);
        self.0.borrow_mut().loading.push(id);
        let progress = |received, total| {
            say(&Event::Loading {
                model: id,
                received,
                total,
            })
        };
        let bytes = match (&source, &file) {
            (ModelSource::BuiltIn, _) => {
                scope::fetch_bytes(&what, scope::Fetch::BuiltInModel, progress).await
            }
            (ModelSource::Url(url), _) => {
                scope::fetch_bytes(url, scope::Fetch::OwnModel, progress).await
            }
            (ModelSource::File { .. }, Some(file)) => scope::file_bytes(file, progress).await,
            (ModelSource::File { .. }, None) => Err("the file is gone".to_string()),
        };
        let loaded = bytes
            .map_err(|e| Problem::with_detail(Say::ModelUnreadable(id), format!("{what}: {e}")))
            .and_then(|bytes| load(id, &bytes, &what, &backend));
        self.0.borrow_mut().loading.retain(|&m| m != id);
        let model = Rc::new(loaded?);
        say(&Event::ModelReady {
            model: id,
            layout: model.layout(),
        });
        self.0.borrow_mut().models.push((id, model.clone()));
        Ok(model)
    }

    /// Each of `ids`, loaded.
    pub async fn models(&self, ids: &[ModelId]) -> Result<Vec<Rc<Classifier>>, Problem> {
        let mut models = Vec::with_capacity(ids.len());
        for &id in ids {
            models.push(self.model(id).await?);
        }
        Ok(models)
    }

    fn loaded(&self, id: ModelId) -> Option<Rc<Classifier>> {
        self.0
            .borrow()
            .models
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, m)| m.clone())
    }

    /// Loads a model the user brought (or the built-in one again) and keeps its source.
    pub async fn load_user_model(
        &self,
        id: ModelId,
        source: ModelSource,
        file: Option<web_sys::File>,
    ) -> Result<(), Problem> {
        {
            let mut s = self.0.borrow_mut();
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
        if let Err(problem) = self.model(id).await {
            self.0.borrow_mut().user_models.retain(|u| u.model != id);
            return Err(problem);
        }
        Ok(())
    }
}

/// Builds model `id` from a weights file's bytes (`what` names it) on `backend`.
pub fn load(
    id: ModelId,
    bytes: &[u8],
    what: &str,
    backend: &Backend,
) -> Result<Classifier, Problem> {
    let store = weights::read_bytes(bytes, what)
        .map_err(|e| Problem::with_detail(Say::NotWeights(what.to_string()), e.to_string()))?;
    Classifier::load_within(id, store, &backend.device, backend.max_tensor_bytes).map_err(|e| {
        Problem::with_detail(
            Say::WrongWeights {
                file: what.to_string(),
                model: id,
            },
            e.to_string(),
        )
    })
}

/// How the page names a backend's kind.
pub fn device_kind(kind: BackendKind) -> DeviceKind {
    match kind {
        BackendKind::Wgpu => DeviceKind::WebGpu,
        BackendKind::Cpu | BackendKind::Cuda => DeviceKind::Cpu,
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
        #[cfg(feature = "gpu")]
        if let Some(device) = &backend.wgpu_device {
            device.set_device_lost_callback(|reason, message| {
                say(&Event::DeviceLost {
                    reason: format!("{reason:?}: {message}"),
                });
            });
        }
    } else {
        backend.description = cpu_description();
    }
    say(&Event::Backend(BackendInfo {
        kind: device_kind(backend.kind),
        description: backend.description.clone(),
        fallback,
    }));
    backend
}

/// The CPU backend's threads: the threaded worker's pool, else 1.
pub fn cpu_threads() -> usize {
    #[cfg(feature = "threads")]
    let threads = rayon::current_num_threads();
    #[cfg(not(feature = "threads"))]
    let threads = 1;
    threads
}

/// The CPU backend, as the page names it: with the number of threads in the threaded worker.
pub fn cpu_description() -> String {
    let threads = cpu_threads();
    if threads > 1 {
        format!("CPU: burn flex (WebAssembly SIMD, {threads} threads)")
    } else {
        "CPU: burn flex (WebAssembly SIMD, 1 thread)".into()
    }
}
