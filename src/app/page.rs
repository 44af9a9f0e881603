//! What the page knows and what the user can do. The state lives in a few small contexts
//! (the session, the photo, the attack run, the matrix, the notices, and the one
//! [`Activity`]); the user's actions and the worker's events are methods of [`Page`], the one
//! place that turns them into requests and state.

use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;

use super::activity::Activity;
use super::browser::{self, Pixels};
use super::engine::Engine;
use super::i18n::{Language, Texts, Why, Work};
use super::notices::Notices;
use super::session::{Loading, Session};
use crate::attacks::{
    AttackConfig, AttackOutcome, Judgement, Method, StepRecord, TransferMatrix, Truth, Verdict,
};
use crate::models::{Layout, ModelId};
use crate::prediction::Prediction;
use crate::samples::Sample;
use crate::worker::protocol::{
    AttackImages, Event, JobId, ModelSource, PhotoSource, Problem, Request, SurvivalCheck,
    SweepPoint,
};

/// The photo the user chose, as the page can send it to a (new) worker again.
#[derive(Clone)]
pub struct Photo {
    pub name: String,
    source: PhotoSource,
    file: Option<web_sys::File>,
    /// The gallery entry it came from, whose right classes are known.
    pub sample: Option<&'static Sample>,
}

impl Photo {
    /// What is known to be right for it.
    pub fn truth(&self) -> Truth {
        self.sample.map_or(Truth::Unknown, Truth::of_sample)
    }
}

/// The photo and what the chosen model sees in it.
#[derive(Clone, Copy)]
pub struct PhotoState {
    pub photo: RwSignal<Option<Photo>, LocalStorage>,
    /// The photo resized and cropped for the chosen model: what is attacked.
    pub input: RwSignal<Option<Rc<Pixels>>, LocalStorage>,
    /// The chosen model's top-5 for it.
    pub top: RwSignal<Vec<Prediction>>,
    /// The photo's own size, once decoded.
    pub size: RwSignal<Option<(u32, u32)>>,
}

/// A finished attack: the outcome and exactly the pixels that were classified.
pub struct AttackResult {
    pub outcome: AttackOutcome,
    pub original: Rc<Pixels>,
    pub adversarial: Rc<Pixels>,
    /// What the page draws: the two images, or smaller copies of a large result.
    pub shown_original: Rc<Pixels>,
    pub shown_adversarial: Rc<Pixels>,
    /// The PNG the user downloads (the worker's encoding of `adversarial`).
    pub png: Vec<u8>,
}

impl AttackResult {
    /// What a request carrying its two images says about them.
    pub fn images(&self) -> AttackImages {
        AttackImages {
            width: self.original.width,
            height: self.original.height,
            resolution: self.outcome.config.resolution,
        }
    }
}

/// One survival check of the last result, with the changed adversarial image.
#[derive(Clone, Debug, PartialEq)]
pub struct SurvivalView {
    pub check: SurvivalCheck,
    pub image: Pixels,
}

/// One row of the transfer table.
#[derive(Clone, Debug, PartialEq)]
pub struct TransferRow {
    pub judgement: Judgement,
    pub verdict: Verdict,
}

/// The attack run on the current photo.
#[derive(Clone, Copy)]
pub struct AttackRun {
    pub steps_planned: RwSignal<usize>,
    pub history: RwSignal<Vec<StepRecord>>,
    /// The newest iterate while an attack runs, then the rounded result.
    pub live: RwSignal<Option<Rc<Pixels>>, LocalStorage>,
    pub result: RwSignal<Option<Rc<AttackResult>>, LocalStorage>,
    pub transfer: RwSignal<Vec<TransferRow>>,
    /// The eps sweep of the photo: the method swept and a point per budget done.
    pub sweep: RwSignal<Option<(Method, Vec<SweepPoint>)>>,
    /// The survival checks of the last result.
    pub survival: RwSignal<Vec<Arc<SurvivalView>>>,
    /// The models the last attack ran on: the chosen one first, then the ensemble's others.
    pub attacked_on: RwSignal<Vec<ModelId>>,
}

/// The transfer matrix over the photos added so far.
#[derive(Clone, Copy)]
pub struct MatrixState {
    pub matrix: RwSignal<TransferMatrix>,
    /// The settings of the last attack, which the matrix reuses.
    pub last_config: RwSignal<Option<AttackConfig>>,
}

/// The budgets of the page's eps sweep, in pixel levels.
pub const SWEEP_EPS: [f32; 5] = [1.0, 2.0, 4.0, 8.0, 16.0];

/// Memory the worker reported (for the memory test and the benchmark).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct WorkerStats {
    pub wasm_bytes: u64,
    pub models: usize,
    pub reports: u64,
}

/// A model the user brought, kept so that a new worker can load it again.
#[derive(Clone)]
struct UserLoad {
    model: ModelId,
    source: ModelSource,
    file: Option<web_sys::File>,
}

/// A model the user asked to load, until the worker says how it went.
#[derive(Clone)]
struct PendingLoad {
    job: JobId,
    model: ModelId,
    /// Where from, as the user named it.
    what: String,
    /// Its weights' layout, once the worker has loaded it.
    layout: Option<Layout>,
}

/// The page: its contexts, the worker, and every action.
#[derive(Clone, Copy)]
pub struct Page {
    engine: StoredValue<Option<Engine>, LocalStorage>,
    pub notices: Notices,
    pub session: Session,
    pub photo: PhotoState,
    pub run: AttackRun,
    pub matrix: MatrixState,
    pub activity: RwSignal<Activity>,
    pub stats: RwSignal<WorkerStats>,
    /// A job the user cancelled: its results are not counted.
    cancelled: StoredValue<Option<JobId>>,
    /// When the worker was restarted lately (to give up on a worker that cannot run here).
    restarts: StoredValue<Vec<f64>>,
    /// `?debug`: every event is logged to the console.
    debug: bool,
    user_loads: StoredValue<Vec<UserLoad>, LocalStorage>,
    /// The user's model load under way.
    pending_user: StoredValue<Option<PendingLoad>>,
    /// The page's language, for the notices it writes.
    language: Language,
}

impl Page {
    /// The page's state; `use_gpu` false starts on the CPU; notices are in `language`.
    pub fn new(use_gpu: bool, language: Language) -> Self {
        Self {
            engine: StoredValue::new_local(None),
            notices: Notices::new(),
            session: Session::new(use_gpu),
            photo: PhotoState {
                photo: RwSignal::new_local(None),
                input: RwSignal::new_local(None),
                top: RwSignal::new(Vec::new()),
                size: RwSignal::new(None),
            },
            run: AttackRun {
                steps_planned: RwSignal::new(0),
                history: RwSignal::new(Vec::new()),
                live: RwSignal::new_local(None),
                result: RwSignal::new_local(None),
                transfer: RwSignal::new(Vec::new()),
                sweep: RwSignal::new(None),
                attacked_on: RwSignal::new(Vec::new()),
                survival: RwSignal::new(Vec::new()),
            },
            matrix: MatrixState {
                matrix: RwSignal::new(TransferMatrix::default()),
                last_config: RwSignal::new(None),
            },
            activity: RwSignal::new(Activity::Idle),
            stats: RwSignal::new(WorkerStats::default()),
            cancelled: StoredValue::new(None),
            restarts: StoredValue::new(Vec::new()),
            debug: browser::query_param("debug").is_some(),
            user_loads: StoredValue::new_local(Vec::new()),
            pending_user: StoredValue::new(None),
            language,
        }
    }

    /// The words of the page's language now.
    fn t(&self) -> &'static Texts {
        self.language.0.get_untracked().texts()
    }

    /// Makes the contexts available to the components and starts the worker.
    pub fn provide(self) {
        provide_context(self);
        provide_context(self.notices);
        provide_context(self.session);
        provide_context(self.photo);
        provide_context(self.run);
        provide_context(self.matrix);
        browser::after_service_worker(move || {
            let engine = Engine::start(move |event, buffers| self.on_event(event, buffers));
            self.engine.set_value(Some(engine));
        });
    }

    fn send(&self, request: Request, buffers: Vec<Vec<u8>>, file: Option<&web_sys::File>) {
        self.engine.with_value(|e| {
            if let Some(e) = e {
                e.send(&request, buffers, file);
            }
        });
    }

    fn new_job(&self) -> JobId {
        self.engine
            .with_value(|e| e.as_ref().map(Engine::job))
            .unwrap_or(0)
    }

    fn is_current(&self, job: JobId) -> bool {
        self.activity.get_untracked().job() == Some(job)
    }

    fn source_of(&self, model: ModelId) -> (ModelSource, Option<web_sys::File>) {
        self.user_loads
            .with_value(|u| {
                u.iter()
                    .find(|l| l.model == model)
                    .map(|l| (l.source.clone(), l.file.clone()))
            })
            .unwrap_or((ModelSource::BuiltIn, None))
    }

    /// Stops what runs (a Cancel for the worker) and says why, when it was an attack.
    fn interrupt(&self, why: Why) {
        let activity = self.activity.get_untracked();
        if let Some(job) = activity.cancellable() {
            self.send(Request::Cancel { job }, Vec::new(), None);
            self.cancelled.set_value(Some(job));
            let work = match activity {
                Activity::Attacking(_) => Work::Attack,
                Activity::Transfer(_) => Work::Transfer,
                Activity::Survival(_) => Work::Survival,
                _ => Work::Matrix,
            };
            self.notices.info((self.t().interrupted)(work, why));
        }
        self.activity.set(Activity::Idle);
    }

    fn clear_results(&self) {
        self.run.result.set(None);
        self.run.live.set(None);
        self.run.history.set(Vec::new());
        self.run.transfer.set(Vec::new());
        self.run.survival.set(Vec::new());
    }

    // ------------------------------------------------------------------ the user's actions

    /// A photo from the user's disk (picked, dropped or pasted).
    pub fn choose_file(&self, file: web_sys::File) {
        let photo = Photo {
            name: file.name(),
            source: PhotoSource::File,
            file: Some(file),
            sample: None,
        };
        self.choose(photo);
    }

    /// A photo of the gallery.
    pub fn choose_sample(&self, sample: &'static Sample) {
        self.choose(Photo {
            name: sample.title.to_string(),
            source: PhotoSource::Url(format!("samples/{}", sample.file)),
            file: None,
            sample: Some(sample),
        });
    }

    fn choose(&self, photo: Photo) {
        self.interrupt(Why::Photo);
        self.notices.clear();
        self.photo.photo.set(Some(photo));
        self.clear_results();
        self.run.sweep.set(None);
        self.send_photo();
    }

    /// Sends the current photo to the worker, which decodes and classifies it.
    fn send_photo(&self) {
        let Some(photo) = self.photo.photo.get_untracked() else {
            return;
        };
        let job = self.new_job();
        self.activity.set(Activity::Preparing(job));
        self.photo.input.set(None);
        self.photo.top.set(Vec::new());
        self.send(
            Request::SetPhoto {
                job,
                name: photo.name.clone(),
                source: photo.source.clone(),
                model: self.session.model.get_untracked(),
            },
            Vec::new(),
            photo.file.as_ref(),
        );
    }

    /// Classifies the photo with the chosen model (after a model or device switch).
    fn reclassify(&self) {
        if self.photo.photo.with_untracked(Option::is_none) {
            return;
        }
        let job = self.new_job();
        self.activity.set(Activity::Preparing(job));
        self.photo.top.set(Vec::new());
        self.send(
            Request::Classify {
                job,
                model: self.session.model.get_untracked(),
            },
            Vec::new(),
            None,
        );
    }

    /// Chooses the model to attack.
    pub fn set_model(&self, id: ModelId) {
        if self.session.model.get_untracked() == id {
            return;
        }
        self.interrupt(Why::Model);
        self.session.model.set(id);
        self.clear_results();
        self.run.sweep.set(None);
        if self.photo.photo.with_untracked(Option::is_some) {
            self.reclassify();
        } else {
            self.load(id);
        }
    }

    fn load(&self, id: ModelId) {
        let job = self.new_job();
        let (source, file) = self.source_of(id);
        self.activity.set(Activity::Loading(job));
        self.send(
            Request::LoadModel {
                job,
                model: id,
                source,
            },
            Vec::new(),
            file.as_ref(),
        );
    }

    /// Switches between WebGPU and the CPU; the worker opens the other device.
    pub fn set_use_gpu(&self, use_gpu: bool) {
        self.interrupt(Why::Device);
        self.session.use_gpu.set(use_gpu);
        self.session.backend.set(None);
        self.send(
            Request::Open {
                prefer_gpu: use_gpu,
            },
            Vec::new(),
            None,
        );
        if self.photo.photo.with_untracked(Option::is_some) {
            self.reclassify();
        } else {
            self.load(self.session.model.get_untracked());
        }
    }

    /// Loads weights the user brought; the model joins the list and the transfer tests.
    pub fn load_user_model(&self, id: ModelId, source: ModelSource, file: Option<web_sys::File>) {
        if !self.activity.get_untracked().is_idle()
            && self.activity.get_untracked().cancellable().is_some()
        {
            self.interrupt(Why::Loaded);
        }
        let job = self.new_job();
        let what = source.describe(id);
        self.user_loads.update_value(|u| {
            u.retain(|l| l.model != id);
            u.push(UserLoad {
                model: id,
                source: source.clone(),
                file: file.clone(),
            });
        });
        self.pending_user.set_value(Some(PendingLoad {
            job,
            model: id,
            what,
            layout: None,
        }));
        self.activity.set(Activity::Loading(job));
        self.send(
            Request::LoadModel {
                job,
                model: id,
                source,
            },
            Vec::new(),
            file.as_ref(),
        );
    }

    /// Runs an attack on the photo with the chosen model, together with `ensemble` (other
    /// models whose losses are averaged with its own). A fooling image needs no photo.
    pub fn run_attack(&self, config: AttackConfig, ensemble: Vec<ModelId>) {
        if !self.activity.get_untracked().is_idle() {
            return;
        }
        let photo = self.photo.photo.get_untracked();
        let truth = match (&photo, config.method) {
            (_, Method::Fooling) => Truth::Unknown,
            (Some(photo), _) => photo.truth(),
            (None, _) => {
                return self
                    .notices
                    .error(Problem::new(self.t().choose_photo_first));
            }
        };
        let model = self.session.model.get_untracked();
        let ensemble: Vec<ModelId> = ensemble.into_iter().filter(|&m| m != model).collect();
        if let Err(e) = config.validate() {
            return self.notices.error(Problem::new(e.to_string()));
        }
        let job = self.new_job();
        self.notices.clear();
        self.clear_results();
        self.run.steps_planned.set(config.total_steps());
        self.matrix.last_config.set(Some(config.clone()));
        self.activity.set(Activity::Attacking(job));
        self.run.attacked_on.set(
            std::iter::once(model)
                .chain(ensemble.iter().copied())
                .collect(),
        );
        self.send(
            Request::Attack {
                job,
                model,
                ensemble,
                truth,
                config,
            },
            Vec::new(),
            None,
        );
    }

    /// Asks the running attack, transfer test or matrix photo to stop.
    pub fn cancel(&self) {
        if let Some(job) = self.activity.get_untracked().cancellable() {
            self.cancelled.set_value(Some(job));
            self.send(Request::Cancel { job }, Vec::new(), None);
        }
    }

    /// The photo, when the page is idle and has one (else a notice says to choose one); for
    /// the studies of the current photo.
    fn idle_with_photo(&self) -> Option<Photo> {
        if !self.activity.get_untracked().is_idle() {
            return None;
        }
        let photo = self.photo.photo.get_untracked();
        if photo.is_none() {
            self.notices
                .error(Problem::new(self.t().choose_photo_first));
        }
        photo
    }

    /// Attacks the photo at eps 1, 2, 4, 8 and 16 with the last attack's method (I-FGSM
    /// before any attack, or when the last one has no eps), for the sweep chart.
    pub fn run_sweep(&self) {
        let Some(photo) = self.idle_with_photo() else {
            return;
        };
        let config = self
            .matrix
            .last_config
            .get_untracked()
            .filter(|c| c.method.uses_eps())
            .unwrap_or_else(|| AttackConfig::new(Method::Ifgsm, 8.0));
        let job = self.new_job();
        self.run.sweep.set(Some((config.method, Vec::new())));
        self.activity.set(Activity::Sweep(job));
        self.send(
            Request::Sweep {
                job,
                model: self.session.model.get_untracked(),
                truth: photo.truth(),
                eps: SWEEP_EPS.to_vec(),
                // Each budget takes the seed's default steps and step size for itself.
                config: AttackConfig {
                    alpha: None,
                    steps: None,
                    ..config
                },
            },
            Vec::new(),
            None,
        );
    }

    /// Lets every other model judge the last result (the seed's transfer test).
    pub fn run_transfer(&self) {
        if !self.activity.get_untracked().is_idle() {
            return;
        }
        let Some(result) = self.run.result.get_untracked() else {
            return;
        };
        let source = self.session.model.get_untracked();
        let models: Vec<ModelId> = self
            .session
            .models_untracked()
            .into_iter()
            .filter(|&m| m != source)
            .collect();
        let job = self.new_job();
        self.run.transfer.set(Vec::new());
        self.activity.set(Activity::Transfer(job));
        self.send(
            Request::Transfer {
                job,
                images: result.images(),
                truth: result.outcome.truth.clone(),
                target: result.outcome.goal.target(),
                models,
            },
            vec![
                result.original.rgba.clone(),
                result.adversarial.rgba.clone(),
            ],
            None,
        );
    }

    /// Checks whether the last result survives JPEG (the browser's encoder), downscaling,
    /// 5-bit colour and a median filter, judged by the model(s) it was made on.
    pub fn run_survival(&self) {
        if !self.activity.get_untracked().is_idle() {
            return;
        }
        let Some(result) = self.run.result.get_untracked() else {
            return;
        };
        let mut models = self.run.attacked_on.get_untracked();
        if models.is_empty() {
            models.push(self.session.model.get_untracked());
        }
        let job = self.new_job();
        self.run.survival.set(Vec::new());
        self.activity.set(Activity::Survival(job));
        self.send(
            Request::Survival {
                job,
                images: result.images(),
                truth: result.outcome.truth.clone(),
                target: result.outcome.goal.target(),
                models,
            },
            vec![
                result.original.rgba.clone(),
                result.adversarial.rgba.clone(),
            ],
            None,
        );
    }

    /// The seed's whole experiment for the photo: attack it on every model with the last
    /// attack's settings and let every model judge every result. Counted only when complete.
    pub fn run_matrix(&self) {
        let Some(photo) = self.idle_with_photo() else {
            return;
        };
        let config = self
            .matrix
            .last_config
            .get_untracked()
            .unwrap_or_else(|| AttackConfig::new(Method::LeastLikely, 8.0));
        let job = self.new_job();
        self.activity.set(Activity::Matrix(job));
        self.send(
            Request::Matrix {
                job,
                truth: photo.truth(),
                models: self.session.models_untracked(),
                config,
            },
            Vec::new(),
            None,
        );
    }

    /// Asks the worker for its memory figures (tests read them from the page).
    pub fn request_stats(&self) {
        let job = self.new_job();
        self.send(Request::Stats { job }, Vec::new(), None);
    }

    /// Makes the worker destroy its GPU device, as a driver reset would (tests).
    pub fn simulate_device_loss(&self) {
        self.send(Request::LoseDevice, Vec::new(), None);
    }

    /// Makes the worker panic, as a bug would (tests).
    pub fn simulate_worker_crash(&self) {
        self.send(Request::Panic, Vec::new(), None);
    }

    // ------------------------------------------------------------------ the worker's events

    fn on_event(&self, event: Event, mut buffers: Vec<Vec<u8>>) {
        if self.debug {
            let kind = format!("{event:?}");
            let kind: String = kind.chars().take(120).collect();
            web_sys::console::debug_1(
                &format!(
                    "gibbon event {kind} (activity {:?})",
                    self.activity.get_untracked()
                )
                .into(),
            );
        }
        let take = |buffers: &mut Vec<Vec<u8>>, i: usize| {
            buffers.get_mut(i).map(std::mem::take).unwrap_or_default()
        };
        match event {
            Event::Ready => self.on_ready(),
            Event::Backend(info) => self.session.backend.set(Some(info)),
            Event::Loading {
                model,
                received,
                total,
            } => self.session.loading.set(Some(Loading {
                model,
                received,
                total,
            })),
            Event::ModelReady { model, layout } => {
                if self
                    .session
                    .loading
                    .with_untracked(|l| l.as_ref().is_some_and(|l| l.model == model))
                {
                    self.session.loading.set(None);
                }
                self.pending_user.update_value(|p| {
                    if let Some(p) = p.as_mut().filter(|p| p.model == model) {
                        p.layout = Some(layout);
                    }
                });
            }
            Event::PhotoDecoded { job, width, height } => {
                if self.is_current(job) {
                    self.photo.size.set(Some((width, height)));
                }
            }
            Event::BenchRow { .. } => {}
            Event::Classified { job, size, top, .. } => {
                if self.is_current(job) {
                    self.photo
                        .input
                        .set(Pixels::square(size, take(&mut buffers, 0)).map(Rc::new));
                    self.photo.top.set(top);
                }
            }
            Event::Step {
                job,
                record,
                width,
                height,
            } => {
                if self.is_current(job) {
                    self.run.history.update(|h| h.push(record));
                    if let Some(p) = Pixels::new(width, height, take(&mut buffers, 0)) {
                        self.run.live.set(Some(Rc::new(p)));
                    }
                }
            }
            Event::Attacked {
                job,
                outcome,
                width,
                height,
                preview,
                note,
                ..
            } => {
                if self.is_current(job) {
                    if let Some(note) = note {
                        self.notices.info(note);
                    }
                    self.on_attacked(*outcome, (width, height), preview, buffers);
                }
            }
            Event::Judged {
                job,
                judgement,
                verdict,
            } => {
                if self.is_current(job) {
                    self.run
                        .transfer
                        .update(|rows| rows.push(TransferRow { judgement, verdict }));
                }
            }
            Event::Survived { job, checks } => {
                if self.is_current(job) {
                    let views = checks
                        .into_iter()
                        .zip(buffers.drain(..))
                        .filter(|(c, b)| b.len() as u64 == c.width as u64 * c.height as u64 * 4)
                        .map(|(check, rgba)| {
                            Arc::new(SurvivalView {
                                check,
                                image: Pixels {
                                    width: check.width,
                                    height: check.height,
                                    rgba,
                                },
                            })
                        })
                        .collect();
                    self.run.survival.set(views);
                }
            }
            Event::SweepPoint { job, point } => {
                if self.is_current(job) {
                    self.run.sweep.update(|s| {
                        if let Some((_, points)) = s {
                            points.push(point);
                        }
                    });
                }
            }
            Event::MatrixPhoto { job, verdicts } => {
                if self.is_current(job) && self.cancelled.get_value() != Some(job) {
                    self.matrix.matrix.update(|m| {
                        for (source, judge, verdict) in verdicts {
                            m.add(source, judge, verdict);
                        }
                    });
                }
            }
            Event::Done { job, .. } => {
                self.finish_user_load(job, None);
                if self.is_current(job) {
                    self.activity.set(Activity::Idle);
                }
            }
            Event::Failed { job, problem } => {
                let current = job.is_some_and(|j| self.is_current(j));
                if let Some(j) = job
                    && self.finish_user_load(j, Some(problem.clone()))
                {
                    return;
                }
                if current || job.is_none() {
                    self.notices.error(problem);
                }
                if current {
                    self.activity.set(Activity::Idle);
                }
            }
            Event::DeviceLost { reason } => {
                self.recover(Problem::with_detail(self.t().device_lost, reason))
            }
            Event::Panicked { message } => {
                self.recover(Problem::with_detail(self.t().worker_broke, message))
            }
            Event::Stats {
                wasm_bytes, models, ..
            } => self.stats.update(|s| {
                s.wasm_bytes = wasm_bytes;
                s.models = models;
                s.reports += 1;
            }),
        }
    }

    fn on_ready(&self) {
        self.send(
            Request::Open {
                prefer_gpu: self.session.use_gpu.get_untracked(),
            },
            Vec::new(),
            None,
        );
        // A new worker after a restart: the user's models and the photo again.
        for load in self.user_loads.get_value() {
            let job = self.new_job();
            self.send(
                Request::LoadModel {
                    job,
                    model: load.model,
                    source: load.source.clone(),
                },
                Vec::new(),
                load.file.as_ref(),
            );
        }
        if self.photo.photo.with_untracked(Option::is_some) {
            let result = self.run.result.get_untracked();
            self.send_photo();
            // The last result stays on screen.
            self.run.result.set(result.clone());
            if let Some(r) = result {
                self.run.live.set(Some(r.shown_adversarial.clone()));
            }
        } else {
            self.load(self.session.model.get_untracked());
        }
    }

    fn on_attacked(
        &self,
        outcome: AttackOutcome,
        (width, height): (u32, u32),
        preview: Option<(u32, u32)>,
        buffers: Vec<Vec<u8>>,
    ) {
        let mut buffers = buffers.into_iter();
        let mut next = || buffers.next().unwrap_or_default();
        let (original, adversarial, png) = (next(), next(), next());
        let images = Pixels::new(width, height, original)
            .zip(Pixels::new(width, height, adversarial))
            .map(|(o, a)| (Rc::new(o), Rc::new(a)));
        let shown = match (preview, &images) {
            (None, Some((o, a))) => Some((o.clone(), a.clone())),
            (Some((w, h)), Some(_)) => Pixels::new(w, h, next())
                .zip(Pixels::new(w, h, next()))
                .map(|(o, a)| (Rc::new(o), Rc::new(a))),
            (_, None) => None,
        };
        let (Some((original, adversarial)), Some((shown_original, shown_adversarial))) =
            (images, shown)
        else {
            return self.notices.error(Problem::new(self.t().images_not_whole));
        };
        if outcome.cancelled {
            self.notices
                .info((self.t().cancelled_after)(outcome.steps_run));
        }
        // The chart ends with the rounded image's own probabilities.
        self.run.history.set(outcome.history.clone());
        self.run.live.set(Some(shown_adversarial.clone()));
        self.run.result.set(Some(Rc::new(AttackResult {
            outcome,
            original,
            adversarial,
            shown_original,
            shown_adversarial,
            png,
        })));
    }

    /// The end of the user's model load, if `job` is it: says how it went. Returns whether
    /// the event was about it.
    fn finish_user_load(&self, job: JobId, problem: Option<Problem>) -> bool {
        let Some(PendingLoad {
            job: pending,
            model: id,
            what,
            layout,
        }) = self.pending_user.get_value()
        else {
            return false;
        };
        if pending != job {
            return false;
        }
        self.pending_user.set_value(None);
        if self.is_current(job) {
            self.activity.set(Activity::Idle);
        }
        match problem {
            None => {
                if !self.session.user_models.get_untracked().contains(&id) {
                    self.session.user_models.update(|m| m.push(id));
                }
                let layout = layout.map(|l| format!("{l:?}"));
                self.notices.info((self.t().model_loaded)(
                    id.display_name(),
                    &what,
                    layout.as_deref(),
                ));
            }
            Some(problem) => {
                self.user_loads
                    .update_value(|u| u.retain(|l| l.model != id));
                self.notices.error(problem);
            }
        }
        true
    }

    /// A new worker after the old one died; the photo and the last result stay.
    fn recover(&self, problem: Problem) {
        let now = js_sys::Date::now();
        let mut recent = self.restarts.get_value();
        recent.retain(|&t| now - t < 60_000.0);
        recent.push(now);
        self.restarts.set_value(recent.clone());
        self.session.backend.set(None);
        self.session.loading.set(None);
        if recent.len() > 3 {
            self.activity.set(Activity::Idle);
            return self.notices.error(Problem::with_detail(
                self.t().worker_keeps_stopping,
                problem
                    .detail
                    .unwrap_or_else(|| self.t().word(&problem.summary)),
            ));
        }
        self.notices.error(problem);
        // Busy until the new worker has the photo again: a Run meanwhile would reach a worker
        // that has no photo yet.
        self.activity.set(Activity::Preparing(self.new_job()));
        self.engine.with_value(|e| {
            if let Some(e) = e {
                e.restart();
            }
        });
    }
}
