//! The page's handle on the worker that computes (`gibbon-worker`, see `crate::worker`): it
//! starts the worker, sends it requests, hands its events to the page, and replaces it with a
//! fresh one when it dies (a panic, a lost GPU device).
//!
//! The worker comes in two builds: trunk's (WebGPU, and the CPU on one thread), and the
//! threaded CPU build (every core; scripts/build-threads.sh), which needs a cross-origin
//! isolated page. The page picks one with [`Engine::switch`].

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::browser;
use crate::worker::protocol::{self, Event, JobId, Parts, Request};

/// Called with each event and its binary parts.
type Listener = Rc<dyn Fn(Event, Parts)>;

/// A request and what travels beside it: binary parts by name, a file the user chose, and a
/// camera frame.
pub struct Message {
    pub request: Request,
    pub parts: Parts,
    pub file: Option<web_sys::File>,
    pub bitmap: Option<web_sys::ImageBitmap>,
    /// Files the user chose, for requests that take many (the photos to learn from).
    pub files: Vec<web_sys::File>,
}

impl Message {
    /// The request with these parts.
    pub fn with_parts(self, parts: Parts) -> Self {
        Self { parts, ..self }
    }

    /// The request with a file (shared with the worker, which reads it).
    pub fn with_file(self, file: Option<web_sys::File>) -> Self {
        Self { file, ..self }
    }

    /// The request with files (shared with the worker, which reads them).
    pub fn with_files(self, files: Vec<web_sys::File>) -> Self {
        Self { files, ..self }
    }

    /// The request with a camera frame (moved to the worker, which reads its pixels).
    pub fn with_bitmap(self, bitmap: web_sys::ImageBitmap) -> Self {
        Self {
            bitmap: Some(bitmap),
            ..self
        }
    }
}

impl From<Request> for Message {
    fn from(request: Request) -> Self {
        Self {
            request,
            parts: Parts::new(),
            file: None,
            bitmap: None,
            files: Vec::new(),
        }
    }
}

/// Which build of the worker runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerBuild {
    /// trunk's build: WebGPU, and the CPU on one thread where there is no adapter.
    WebGpu,
    /// The CPU on every core (WebAssembly threads).
    Threads,
}

impl WorkerBuild {
    /// The threaded build when it can run here: the page is cross-origin isolated (shared
    /// memory between workers) and the build has it.
    pub fn threads_available() -> bool {
        browser::cross_origin_isolated()
            && !threads_url().is_empty()
            && !THREADS_FAILED.with(std::cell::Cell::get)
    }

    /// Whether the app was built with the threaded worker.
    pub fn in_build() -> bool {
        !threads_url().is_empty()
    }

    /// The build for a user who wants WebGPU (`use_gpu`) or the CPU.
    pub fn for_device(use_gpu: bool) -> Self {
        if !use_gpu && Self::threads_available() {
            WorkerBuild::Threads
        } else {
            WorkerBuild::WebGpu
        }
    }
}

thread_local! {
    /// The threaded worker failed to start once: the page keeps to trunk's build.
    static THREADS_FAILED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

struct Inner {
    worker: Option<web_sys::Worker>,
    build: WorkerBuild,
    /// Whether the worker said `Ready` (a threaded worker that dies before failed to start).
    ready: bool,
    next_job: JobId,
    listener: Listener,
    /// Kept alive as long as the worker they listen to.
    handlers: Vec<Closure<dyn FnMut(JsValue)>>,
    /// When workers died lately (to give up on workers that cannot run here).
    deaths: Vec<f64>,
}

/// The worker and the jobs given to it.
#[derive(Clone)]
pub struct Engine {
    inner: Rc<RefCell<Inner>>,
}

/// Where trunk's build put the worker's loader (written into the page by
/// `scripts/web-post-build.py`, with a content hash in its name).
fn worker_url() -> String {
    meta("gibbon-worker").unwrap_or_else(|| "./gibbon-worker_loader.js".into())
}

/// The threaded worker's loader, empty when the build has none.
fn threads_url() -> String {
    meta("gibbon-worker-threads").unwrap_or_default()
}

fn meta(name: &str) -> Option<String> {
    browser::document()
        .and_then(|d| {
            d.query_selector(&format!("meta[name={name}]"))
                .ok()
                .flatten()
        })
        .and_then(|m| m.get_attribute("content"))
}

impl Engine {
    /// Starts a worker of `build`; `listener` receives every event.
    pub fn start(build: WorkerBuild, listener: impl Fn(Event, Parts) + 'static) -> Self {
        let engine = Engine {
            inner: Rc::new(RefCell::new(Inner {
                worker: None,
                build,
                ready: false,
                next_job: 1,
                listener: Rc::new(listener),
                handlers: Vec::new(),
                deaths: Vec::new(),
            })),
        };
        engine.restart();
        engine
    }

    /// A fresh job id.
    pub fn job(&self) -> JobId {
        let mut inner = self.inner.borrow_mut();
        inner.next_job += 1;
        inner.next_job
    }

    /// Replaces a worker that died with a new one, unless workers died more than three times
    /// in the last minute (then they cannot run in this browser): whether it did.
    pub fn recover(&self) -> bool {
        let now = js_sys::Date::now();
        let too_often = {
            let mut inner = self.inner.borrow_mut();
            inner.deaths.retain(|&t| now - t < 60_000.0);
            inner.deaths.push(now);
            inner.deaths.len() > 3
        };
        if !too_often {
            self.restart();
        }
        !too_often
    }

    /// Runs the worker of `build`: a new one (which says `Ready`) when another build runs now;
    /// whether it started one.
    pub fn switch(&self, build: WorkerBuild) -> bool {
        if self.inner.borrow().build == build {
            return false;
        }
        self.inner.borrow_mut().build = build;
        self.restart();
        true
    }

    /// The build that runs.
    pub fn build(&self) -> WorkerBuild {
        self.inner.borrow().build
    }

    /// Ends the worker for good: nothing of it calls the listener any more.
    pub fn stop(&self) {
        let mut inner = self.inner.borrow_mut();
        if let Some(old) = inner.worker.take() {
            old.set_onmessage(None);
            old.set_onerror(None);
            old.terminate();
        }
        inner.handlers.clear();
    }

    /// Ends the current worker, if any, and starts a new one (which says `Ready`).
    fn restart(&self) {
        if self.inner.borrow().build == WorkerBuild::Threads && !WorkerBuild::threads_available() {
            self.inner.borrow_mut().build = WorkerBuild::WebGpu;
        }
        self.inner.borrow_mut().ready = false;
        let build = self.inner.borrow().build;
        let listener = self.inner.borrow().listener.clone();
        self.stop();
        let options = web_sys::WorkerOptions::new();
        options.set_name("gibbon-worker");
        let url = match build {
            WorkerBuild::WebGpu => worker_url(),
            WorkerBuild::Threads => {
                options.set_type(web_sys::WorkerType::Module);
                threads_url()
            }
        };
        let worker = match web_sys::Worker::new_with_options(&url, &options) {
            Ok(w) => w,
            Err(e) => {
                let message = format!("the worker could not start: {e:?}");
                return listener(Event::Panicked { message }, Parts::new());
            }
        };
        let on_message = {
            let listener = listener.clone();
            let inner = Rc::downgrade(&self.inner);
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                let data = Reflect::get(&event, &"data".into()).unwrap_or(JsValue::UNDEFINED);
                let Ok(event) = protocol::decode::<Event>(&protocol::text_of(&data)) else {
                    return;
                };
                if matches!(event, Event::Ready)
                    && let Some(inner) = inner.upgrade()
                {
                    inner.borrow_mut().ready = true;
                }
                listener(event, protocol::parts_of(&data));
            })
        };
        // The worker's script failed to load, or threw outside any handler. A threaded worker
        // that never got ready (no shared memory after all, a thread that could not start)
        // is not tried again: its replacement is trunk's build.
        let inner = Rc::downgrade(&self.inner);
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let message = Reflect::get(&event, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| "the worker stopped".into());
            if let Some(inner) = inner.upgrade()
                && inner.borrow().build == WorkerBuild::Threads
                && !inner.borrow().ready
            {
                THREADS_FAILED.with(|f| f.set(true));
            }
            listener(Event::Panicked { message }, Parts::new());
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let mut inner = self.inner.borrow_mut();
        inner.handlers = vec![on_message, on_error];
        inner.worker = Some(worker);
    }

    /// Sends a request; its parts and camera frame are moved to the worker, its file is
    /// shared with it.
    pub fn send(&self, message: impl Into<Message>) {
        let Message {
            request,
            parts,
            file,
            bitmap,
            files,
        } = message.into();
        let inner = self.inner.borrow();
        let Some(worker) = &inner.worker else {
            if let Some(bitmap) = &bitmap {
                bitmap.close();
            }
            return;
        };
        let data = js_sys::Object::new();
        let (named, transfer) = protocol::to_js(parts);
        let _ = Reflect::set(&data, &"msg".into(), &protocol::encode(&request).into());
        let _ = Reflect::set(&data, &"parts".into(), &named);
        if let Some(file) = &file {
            let _ = Reflect::set(&data, &"file".into(), file);
        }
        if !files.is_empty() {
            let list: js_sys::Array = files.iter().collect();
            let _ = Reflect::set(&data, &"files".into(), &list);
        }
        if let Some(bitmap) = &bitmap {
            let _ = Reflect::set(&data, &"bitmap".into(), bitmap);
            transfer.push(bitmap);
        }
        if let Err(e) = worker.post_message_with_transfer(&data, &transfer) {
            web_sys::console::error_2(&"gibbon: cannot reach the worker".into(), &e);
        }
    }
}
