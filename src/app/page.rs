//! The page: the state types wired to the worker. Each state (the [`Session`], the
//! [`PhotoState`], the [`AttackRun`], the [`MatrixState`], the [`Notices`], the camera and its
//! live classification) owns the actions that change it, and turns a user's action into the
//! request for the worker. [`Page`] holds the worker and the one [`Activity`]: it lets one
//! action run at a time, sends its request, and hands each of the worker's events to the
//! state it concerns. Live classification runs beside the activity, one frame at a time.

use leptos::prelude::*;

use super::activity::Activity;
use super::attack_run::AttackRun;
use super::browser;
use super::camera::CameraState;
use super::device_choice::DeviceChoice;
use super::engine::{Engine, Message, WorkerBuild};
use super::live::{self, LiveState};
use super::matrix::MatrixState;
use super::note::{CameraProblem, Note, Why};
use super::notices::{Notice, Notices};
use super::patch_state::PatchState;
use super::photo::{Photo, PhotoState};
use super::session::{DEVICE_KEY, Loading, Session};
use super::training::TrainingSet;
use super::universal::UniversalState;
use crate::attacks::{AttackConfig, Truth};
use crate::samples::Sample;
use crate::worker::protocol::{
    DeviceKind, Event, JobId, ModelSource, Part, Parts, Problem, Request, Say,
};
use crate::zoo::ModelId;

/// Memory the worker reported (for the memory test and the benchmark).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct WorkerStats {
    pub wasm_bytes: u64,
    pub models: usize,
    pub reports: u64,
}

/// The page: its states, the worker, and the one activity.
#[derive(Clone, Copy)]
pub struct Page {
    engine: StoredValue<Option<Engine>, LocalStorage>,
    pub notices: Notices,
    pub session: Session,
    pub photo: PhotoState,
    pub run: AttackRun,
    pub matrix: MatrixState,
    pub camera: CameraState,
    pub live: LiveState,
    /// The stage: the universal noise, the patch, and the photos they are learnt from. Their
    /// jobs run beside the activity.
    pub universal: UniversalState,
    pub patch: PatchState,
    pub training: TrainingSet,
    /// Which device is faster, measured on a first visit.
    pub device: DeviceChoice,
    pub activity: RwSignal<Activity>,
    pub stats: RwSignal<WorkerStats>,
    /// A job the user cancelled: its results are not counted.
    cancelled: StoredValue<Option<JobId>>,
    /// `?debug`: every event is logged to the console.
    debug: bool,
    /// Why the browser gave no WebGPU adapter, when the page asked before starting its worker.
    no_adapter: StoredValue<Option<String>>,
}

impl Page {
    /// The page's state; `use_gpu` false starts on the CPU, `measure` times both devices
    /// (nothing was asked for or chosen).
    pub fn new(use_gpu: bool, measure: bool) -> Self {
        Self {
            engine: StoredValue::new_local(None),
            notices: Notices::new(),
            session: Session::new(use_gpu),
            photo: PhotoState::new(),
            run: AttackRun::new(),
            matrix: MatrixState::new(),
            camera: CameraState::new(),
            live: LiveState::new(),
            universal: UniversalState::new(),
            patch: PatchState::new(),
            training: TrainingSet::new(),
            device: DeviceChoice::new(measure),
            activity: RwSignal::new(Activity::Idle),
            stats: RwSignal::new(WorkerStats::default()),
            cancelled: StoredValue::new(None),
            debug: browser::query_param("debug").is_some(),
            no_adapter: StoredValue::new(None),
        }
    }

    /// Makes the states available to the components and starts the worker.
    pub fn provide(self) {
        provide_context(self);
        provide_context(self.notices);
        provide_context(self.session);
        provide_context(self.photo);
        provide_context(self.run);
        provide_context(self.matrix);
        provide_context(self.live);
        provide_context(self.universal);
        provide_context(self.patch);
        provide_context(self.training);
        provide_context(self.device);
        // The threaded worker needs a cross-origin isolated page: where the server sends no
        // COOP/COEP, the service worker adds them, and the page reloads once under it (also
        // when the devices are to be timed: the CPU on every core is the one to time).
        let wants_threads = (!self.session.use_gpu.get_untracked() || self.device.pending())
            && WorkerBuild::in_build();
        browser::after_service_worker(wants_threads, move || {
            leptos::task::spawn_local(async move {
                let build = self.first_build().await;
                let engine = Engine::start(build, move |event, parts| self.on_event(event, parts));
                self.engine.set_value(Some(engine));
            });
        });
    }

    /// The worker to start with: the CPU-only threaded build for the CPU, and also where
    /// WebGPU was wanted but the browser has no adapter (then trunk's larger build, which
    /// would run on the CPU too, on one thread, is never downloaded), or only a software one
    /// on a first visit (the CPU is faster; the user may still try WebGPU).
    async fn first_build(&self) -> WorkerBuild {
        if !self.session.use_gpu.get_untracked() {
            return WorkerBuild::for_device(false);
        }
        match browser::webgpu_adapter().await {
            Ok(adapter) => {
                self.device.offered(adapter);
                if self.device.software_first() {
                    self.session.use_gpu.set(false);
                    return WorkerBuild::for_device(false);
                }
                WorkerBuild::WebGpu
            }
            Err(why) => {
                self.no_adapter.set_value(Some(why));
                WorkerBuild::for_device(false)
            }
        }
    }

    fn send(&self, message: impl Into<Message>) {
        let message = message.into();
        self.engine.with_value(|e| {
            if let Some(e) = e {
                e.send(message);
            }
        });
    }

    fn engine_build(&self) -> Option<WorkerBuild> {
        self.engine.with_value(|e| e.as_ref().map(Engine::build))
    }

    fn new_job(&self) -> JobId {
        self.engine
            .with_value(|e| e.as_ref().map(Engine::job))
            .unwrap_or(0)
    }

    /// Starts work: a new job, its request from `request` (nothing happens without one), and
    /// the page busy with it.
    fn begin<M: Into<Message>>(
        &self,
        busy: fn(JobId) -> Activity,
        request: impl FnOnce(JobId) -> Option<M>,
    ) {
        self.device.pause();
        let job = self.new_job();
        if let Some(message) = request(job) {
            self.activity.set(busy(job));
            self.send(message);
        }
    }

    fn is_idle(&self) -> bool {
        self.activity.get_untracked().is_idle()
    }

    /// Idle, and nothing of the camera or the stage runs either.
    fn is_quiet(&self) -> bool {
        self.is_idle()
            && !self.live.on.get_untracked()
            && !self.camera.is_open()
            && self.universal.learning.get_untracked().is_none()
            && self.patch.learning.get_untracked().is_none()
    }

    fn is_current(&self, job: JobId) -> bool {
        self.activity.get_untracked().job() == Some(job)
    }

    /// Stops what runs and says why, when it was work the user started.
    fn interrupt(&self, why: Why) {
        if let Some(work) = self.activity.get_untracked().work() {
            self.cancel();
            self.notices.info(Note::Interrupted { work, why });
        }
        self.activity.set(Activity::Idle);
    }

    // ------------------------------------------------------------------ the user's actions

    /// A photo from the user's disk (picked, dropped, pasted or from the camera).
    pub fn choose_file(&self, file: web_sys::File) {
        self.choose(Photo::from_file(file));
    }

    /// A photo of the gallery.
    pub fn choose_sample(&self, sample: &'static Sample) {
        self.choose(Photo::from_sample(sample));
    }

    fn choose(&self, photo: Photo) {
        self.interrupt(Why::Photo);
        self.notices.clear();
        self.photo.choose(photo);
        self.run.clear();
        self.universal.applied.set(None);
        self.patch.verdict.set(None);
        self.send_photo();
    }

    /// Gives the photo to the worker, which decodes it and classifies it.
    fn send_photo(&self) {
        let model = self.session.chosen();
        self.begin(Activity::Preparing, |job| self.photo.send(job, model));
    }

    /// Loads the chosen model.
    fn load_chosen(&self) {
        let model = self.session.chosen();
        self.begin(Activity::Loading, |job| Some(self.session.load(job, model)));
    }

    /// Classifies the photo with the chosen model, or without a photo, loads the model.
    fn prepare(&self) {
        if self.photo.is_chosen() {
            let model = self.session.chosen();
            self.begin(Activity::Preparing, |job| {
                Some(self.photo.reclassify(job, model))
            });
        } else {
            self.load_chosen();
        }
    }

    /// Chooses the model to attack; the camera closes.
    pub fn set_model(&self, id: ModelId) {
        if !self.session.choose(id) {
            return;
        }
        self.close_camera();
        self.stop_stage();
        self.interrupt(Why::Model);
        self.run.clear();
        self.prepare();
    }

    /// Switches between WebGPU and the CPU; the worker opens the other device, and the
    /// camera closes.
    /// The choice is kept for the next visit. Where the CPU runs on every core, its worker is
    /// another build: the page starts that one, which then gets the model and the photo.
    pub fn set_use_gpu(&self, use_gpu: bool) {
        self.device.cancel();
        self.close_camera();
        self.stop_stage();
        self.interrupt(Why::Device);
        browser::store(DEVICE_KEY, if use_gpu { "webgpu" } else { "cpu" });
        let request = self.session.switch_device(use_gpu);
        let restarted = self.engine.with_value(|e| {
            e.as_ref()
                .is_some_and(|e| e.switch(WorkerBuild::for_device(use_gpu)))
        });
        if restarted {
            // Busy until the new worker has the photo (see `on_ready`).
            self.activity.set(Activity::Preparing(self.new_job()));
        } else {
            self.send(request);
            self.prepare();
        }
    }

    /// Loads weights the user brought; the model joins the list and the transfer tests.
    pub fn load_user_model(&self, id: ModelId, source: ModelSource, file: Option<web_sys::File>) {
        if self.activity.get_untracked().cancellable().is_some() {
            self.interrupt(Why::Loaded);
        }
        self.begin(Activity::Loading, |job| {
            Some(self.session.bring(job, id, source, file))
        });
    }

    /// Runs an attack on the photo with the chosen model, together with `ensemble` (other
    /// models whose losses are averaged with its own). A fooling image needs no photo.
    pub fn run_attack(&self, config: AttackConfig, ensemble: Vec<ModelId>) {
        if !self.is_idle() {
            return;
        }
        let Some(truth) = self.photo.truth_for(config.method) else {
            return self.notices.error(Say::ChoosePhoto);
        };
        if let Err(e) = config.validate() {
            return self.notices.show(e);
        }
        self.notices.clear();
        let model = self.session.chosen();
        self.begin(Activity::Attacking, |job| {
            Some(self.run.start_attack(job, model, ensemble, truth, config))
        });
    }

    /// Closes the camera (its light goes off), and live classification stops.
    pub fn close_camera(&self) {
        self.live.stop();
        self.camera.close();
    }

    /// Starts classifying the camera's frames with the chosen model.
    pub fn start_live(&self) {
        if !self.camera.is_open() {
            return;
        }
        self.device.pause();
        self.live.start();
        self.next_frame();
    }

    /// Stops live classification; the camera stays open.
    pub fn stop_live(&self) {
        self.live.stop();
    }

    /// Grabs the camera's current frame and sends it to the worker, unless live is off or a
    /// frame is under way. A camera without a frame is tried again shortly, and closed when
    /// it gives none for a while.
    fn next_frame(&self) {
        let Some(ticket) = self.live.begin_grab() else {
            return;
        };
        let model = self.session.chosen();
        let video = self.camera.video();
        let page = *self;
        leptos::task::spawn_local(async move {
            let grabbed = live::grab(video, model.input_size() as u32).await;
            if !page.live.wants(ticket) {
                if let Ok(bitmap) = grabbed {
                    bitmap.close();
                }
                return;
            }
            match grabbed {
                Ok(bitmap) => {
                    let job = page.new_job();
                    page.live.sent(job);
                    let mut parts = Parts::new();
                    let noise = page.universal.live_noise().map(|(spec, bytes)| {
                        parts.insert(Part::Noise, bytes);
                        spec
                    });
                    let patch = page.patch.live_patch().map(|(live, bytes)| {
                        parts.insert(Part::Patch, bytes);
                        live
                    });
                    let request = Request::LiveFrame {
                        job,
                        model,
                        noise,
                        patch,
                    };
                    page.send(Message::from(request).with_parts(parts).with_bitmap(bitmap));
                }
                Err(why) if page.live.grab_failed(browser::now_ms()) => {
                    page.close_camera();
                    let notice = Notice::error(CameraProblem::NoFrames).with_detail(why);
                    page.notices.show(notice);
                }
                Err(_) => set_timeout(
                    move || page.next_frame(),
                    std::time::Duration::from_millis(100),
                ),
            }
        });
    }

    /// Sends a request of the stage's, which runs beside the activity (nothing without one).
    pub fn stage_job(&self, request: impl FnOnce(JobId) -> Option<Message>) {
        self.device.pause();
        let job = self.new_job();
        if let Some(message) = request(job) {
            self.send(message);
        }
    }

    /// Asks job `job` to stop after its current step.
    pub fn cancel_job(&self, job: JobId) {
        self.send(Request::Cancel { job });
    }

    /// Places the patch on the photo and asks the model what it sees (once the placement
    /// before is answered).
    pub fn place_patch(&self) {
        if !self.photo.is_chosen() {
            return;
        }
        let model = self.session.chosen();
        self.stage_job(|job| self.patch.place(job, model));
    }

    /// Stops learning a noise or a patch (the model or device changes), and says so.
    fn stop_stage(&self) {
        if let Some(job) = self.universal.stop() {
            self.cancel_job(job);
            self.notices.info(Note::StageStopped { patch: false });
        }
        if let Some(job) = self.patch.stop() {
            self.cancel_job(job);
            self.notices.info(Note::StageStopped { patch: true });
        }
    }

    /// Whether job `job` is the stage's.
    fn stage_owns(&self, job: JobId) -> bool {
        self.universal.owns(job) || self.patch.owns(job)
    }

    /// The end of a job of the stage's, with its problem if it failed.
    fn stage_end(&self, job: JobId, problem: Option<Problem>) {
        if let Some(notice) = self.universal.end(job, problem.clone()) {
            self.notices.show(notice);
        }
        let (again, notice) = self.patch.end(job, problem);
        if let Some(notice) = notice {
            self.notices.show(notice);
        }
        if again {
            self.place_patch();
        }
    }

    /// Asks the running attack, study or matrix photo to stop.
    pub fn cancel(&self) {
        if let Some(job) = self.activity.get_untracked().cancellable() {
            self.cancelled.set_value(Some(job));
            self.send(Request::Cancel { job });
        }
    }

    /// What is known of the photo, when the page is idle and has one (else a notice says to
    /// choose one); for the studies of the current photo.
    fn idle_with_photo(&self) -> Option<Truth> {
        if !self.is_idle() {
            return None;
        }
        let truth = self.photo.truth();
        if truth.is_none() {
            self.notices.error(Say::ChoosePhoto);
        }
        truth
    }

    /// Attacks the photo at each budget of the eps sweep.
    pub fn run_sweep(&self) {
        let Some(truth) = self.idle_with_photo() else {
            return;
        };
        let model = self.session.chosen();
        self.begin(Activity::Sweep, |job| {
            Some(self.run.start_sweep(job, model, truth))
        });
    }

    /// Lets every other model judge the last result (the transfer test).
    pub fn run_transfer(&self) {
        if !self.is_idle() {
            return;
        }
        let source = self.session.chosen();
        let models = self
            .session
            .models_untracked()
            .into_iter()
            .filter(|&m| m != source)
            .collect();
        self.begin(Activity::Transfer, |job| {
            self.run.start_transfer(job, models)
        });
    }

    /// Checks whether the last result survives JPEG (the browser's encoder), downscaling,
    /// 5-bit colour and a median filter.
    pub fn run_survival(&self) {
        if !self.is_idle() {
            return;
        }
        let model = self.session.chosen();
        self.begin(Activity::Survival, |job| {
            self.run.start_survival(job, model)
        });
    }

    /// Adds the photo to the transfer matrix, with the last attack's settings.
    pub fn run_matrix(&self) {
        let Some(truth) = self.idle_with_photo() else {
            return;
        };
        let models = self.session.models_untracked();
        let config = self.run.last_config.get_untracked();
        self.begin(Activity::Matrix, |job| {
            Some(self.matrix.add_photo(job, truth, models, config))
        });
    }

    /// Asks the worker for its memory figures (tests read them from the page).
    pub fn request_stats(&self) {
        let job = self.new_job();
        self.send(Request::Stats { job });
    }

    /// Makes the worker destroy its GPU device, as a driver reset would (tests).
    pub fn simulate_device_loss(&self) {
        self.send(Request::LoseDevice);
    }

    /// Makes the worker panic, as a bug would (tests).
    pub fn simulate_worker_crash(&self) {
        self.send(Request::Panic);
    }

    // ------------------------------------------------------------------ the worker's events

    /// Hands an event to the state it concerns; events of work given up are dropped.
    fn on_event(&self, event: Event, mut parts: Parts) {
        if self.debug {
            self.log(&event);
        }
        let current = event.job().is_some_and(|job| self.is_current(job));
        match event {
            Event::Ready => self.on_ready(),
            Event::Backend(mut info) => {
                // The CPU-only worker started because there is no adapter: the browser's words.
                if let (Some(fallback), Some(why)) =
                    (&mut info.fallback, self.no_adapter.get_value())
                    && self.engine_build() == Some(WorkerBuild::Threads)
                {
                    fallback.detail = Some(why);
                }
                self.session.backend.set(Some(info));
            }
            Event::Loading {
                model,
                received,
                total,
            } => self.session.downloading(Loading {
                model,
                received,
                total,
            }),
            Event::ModelReady { model, layout } => self.session.model_ready(model, layout),
            Event::PhotoDecoded { width, height, .. } if current => {
                self.photo.decoded(width, height)
            }
            Event::Classified { size, top, .. } if current => {
                let classified = self.photo.classified(size, top, &mut parts);
                self.notices.report(classified);
            }
            Event::Step {
                record,
                width,
                height,
                ..
            } if current => {
                let step = self.run.step(record, (width, height), &mut parts);
                self.notices.report(step);
            }
            Event::Attacked {
                outcome,
                width,
                height,
                preview,
                note,
                ..
            } if current => {
                let size = (width, height);
                if let Some(notice) = self.run.attacked(*outcome, size, preview, note, &mut parts) {
                    self.notices.show(notice);
                }
            }
            Event::Judged {
                judgement, verdict, ..
            } if current => self.run.judged(judgement, verdict),
            Event::Survived { checks, .. } if current => {
                let survived = self.run.survived(checks, &mut parts);
                self.notices.report(survived);
            }
            Event::SweepPoint { point, .. } if current => self.run.swept(point),
            Event::LiveClassified {
                job,
                top,
                ms,
                noisy,
                ..
            } => {
                if self.live.answered(job, (top, noisy), ms, browser::now_ms()) {
                    self.next_frame();
                }
            }
            Event::UniversalStep {
                job,
                step,
                steps,
                fooled,
            } => self.universal.step(job, step, steps, fooled),
            Event::UniversalLearnt {
                job,
                noise,
                steps,
                fooled,
                counted,
                skipped,
                ..
            } => match self
                .universal
                .learnt(job, noise, steps, fooled, counted, skipped, &mut parts)
            {
                Ok(Some(notice)) => self.notices.show(notice),
                Ok(None) => {}
                Err(e) => self.notices.show(e),
            },
            Event::NoiseApplied {
                job,
                clean,
                noisy,
                size,
            } => {
                let applied = self.universal.applied(job, clean, noisy, size, &mut parts);
                self.notices.report(applied);
            }
            Event::PatchStep {
                job,
                step,
                steps,
                hits,
            } => self.patch.step(job, step, steps, hits),
            Event::PatchLearnt {
                job,
                patch,
                done,
                steps,
                skipped,
            } => match self
                .patch
                .learnt(job, patch, done, steps, skipped, &mut parts)
            {
                Ok(Some(notice)) => self.notices.show(notice),
                Ok(None) => {}
                Err(e) => self.notices.show(e),
            },
            Event::PatchPlaced { job, top, .. } => self.patch.placed(job, top),
            Event::PatchPrinted { job, width } => {
                if let Some(notice) = self.patch.printed(job, width, &mut parts) {
                    self.notices.show(notice);
                }
            }
            Event::MatrixPhoto { job, verdicts } if current => {
                if self.cancelled.get_value() != Some(job) {
                    self.matrix.count(verdicts);
                }
            }
            // A live frame the worker dropped for a newer one.
            Event::Done { job, .. } if self.live.ended(job) => self.next_frame(),
            Event::Done { job, .. } if self.stage_owns(job) => self.stage_end(job, None),
            Event::Done { job, .. } => self.end(Some(job), None),
            Event::Failed {
                job: Some(job),
                problem,
            } if self.live.ended(job) => {
                self.stop_live();
                self.notices.show(problem);
            }
            Event::Failed {
                job: Some(job),
                problem,
            } if self.stage_owns(job) => self.stage_end(job, Some(problem)),
            Event::Failed { job, problem } => self.end(job, Some(problem)),
            Event::DeviceLost { reason } => self.recover(Note::DeviceStopped, reason),
            Event::Panicked { message } => self.recover(Note::WorkerBroke, message),
            Event::Stats {
                wasm_bytes, models, ..
            } => self.stats.update(|s| {
                s.wasm_bytes = wasm_bytes;
                s.models = models;
                s.reports += 1;
            }),
            // Late events of work given up, and the benchmark page's.
            Event::PhotoDecoded { .. }
            | Event::Classified { .. }
            | Event::Step { .. }
            | Event::Attacked { .. }
            | Event::Judged { .. }
            | Event::Survived { .. }
            | Event::SweepPoint { .. }
            | Event::MatrixPhoto { .. }
            | Event::BenchRow { .. }
            | Event::LiveBench { .. } => {}
        }
    }

    fn log(&self, event: &Event) {
        let kind: String = format!("{event:?}").chars().take(120).collect();
        let activity = self.activity.get_untracked();
        let line = format!("gibbon event {kind} (activity {activity:?})");
        web_sys::console::debug_1(&line.into());
    }

    /// A (new) worker runs: it opens the device, and gets the user's models and the photo
    /// again after a restart.
    fn on_ready(&self) {
        self.send(self.session.open());
        for message in self.session.reload_own(|| self.new_job()) {
            self.send(message);
        }
        if self.photo.is_chosen() {
            let result = self.run.result.get_untracked();
            self.send_photo();
            self.run.show_again(result);
        } else {
            self.load_chosen();
        }
    }

    /// The end of a job, with its problem if it failed (a problem without a job is about
    /// nothing the page asked). The user's model load says how it went, whenever it ends;
    /// other work only while it is current.
    fn end(&self, job: Option<JobId>, problem: Option<Problem>) {
        let current = job.is_some_and(|j| self.is_current(j));
        if current {
            self.activity.set(Activity::Idle);
            self.measure_devices();
        }
        let own_load = job.and_then(|j| self.session.finish_load(j, problem.clone()));
        match (own_load, problem) {
            (Some(notice), _) => self.notices.show(notice),
            (None, Some(problem)) if current || job.is_none() => self.notices.show(problem),
            (None, _) => {}
        }
    }

    /// Times the devices once, where WebGPU is offered and no device was asked for or chosen,
    /// while the page is quiet (see [`DeviceChoice`]).
    fn measure_devices(&self) {
        if !self.device.pending() || self.device.running() || !self.is_quiet() {
            return;
        }
        // A page that wanted WebGPU and got the CPU (the worker found no adapter after all)
        // has nothing to compare; without an adapter, `measure` measures nothing either.
        match self.session.backend.get_untracked() {
            None => return,
            Some(info)
                if self.session.use_gpu.get_untracked() && info.kind != DeviceKind::WebGpu =>
            {
                return self.device.cancel();
            }
            Some(_) => {}
        }
        let page = *self;
        self.device.measure(move |webgpu| page.measured(webgpu));
    }

    /// Uses the device measured faster, and keeps the choice for the next visits; a page
    /// that got busy meanwhile switches on its next visit.
    fn measured(&self, webgpu: Option<bool>) {
        let Some(webgpu) = webgpu else {
            return;
        };
        if webgpu != self.session.use_gpu.get_untracked() && self.is_quiet() {
            self.set_use_gpu(webgpu);
        } else {
            browser::store(DEVICE_KEY, if webgpu { "webgpu" } else { "cpu" });
        }
    }

    /// A new worker after the old one died; the photo and the last result stay.
    fn recover(&self, note: Note, detail: String) {
        self.session.worker_lost();
        // Its frame under way is lost with the worker; so is the stage's learning (the
        // noise and the patch so far are kept here).
        self.stop_live();
        self.universal.stop();
        self.patch.stop();
        let restarted = self
            .engine
            .with_value(|e| e.as_ref().is_some_and(Engine::recover));
        if !restarted {
            self.activity.set(Activity::Idle);
            let notice = Notice::error(Note::WorkerKeepsStopping).with_detail(detail);
            return self.notices.show(notice);
        }
        self.notices.show(Notice::error(note).with_detail(detail));
        // Busy until the new worker has the photo again: a Run meanwhile would reach a worker
        // that has no photo yet.
        self.activity.set(Activity::Preparing(self.new_job()));
    }
}
