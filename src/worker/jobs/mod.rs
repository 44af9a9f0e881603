//! The worker's answer to each request: a dispatcher, the worker's state ([`Worker`]: the
//! device, the models it keeps, the photo), and one file per kind of job.

mod attack;
mod bench;
mod judge;
mod live;
mod matrix;
mod patch;
mod photo;
mod scope;
mod state;
mod sweep;
mod universal;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::protocol::{self, Event, JobId, Parts, Problem, Request, Say};
use scope::say;
use state::Worker;

/// What a job is given to tell whether the user cancelled it.
pub type Cancel = Rc<Cell<bool>>;

/// A request's binary parts, and the `File` or camera frame it may carry.
struct Received {
    parts: Parts,
    file: Option<web_sys::File>,
    bitmap: Option<web_sys::ImageBitmap>,
    files: Vec<web_sys::File>,
}

/// Starts the worker: a panic becomes a message to the page (which restarts the worker), and
/// every request is answered by [`handle`].
pub fn run() {
    std::panic::set_hook(Box::new(|info| {
        say(&Event::Panicked {
            message: info.to_string(),
        });
    }));
    let worker = Worker::new();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            let request = match protocol::decode::<Request>(&protocol::text_of(&data)) {
                Ok(r) => r,
                Err(e) => {
                    return say(&Event::Failed {
                        job: None,
                        problem: Problem::with_detail(Say::NotUnderstood, e),
                    });
                }
            };
            let file = js_sys::Reflect::get(&data, &"file".into())
                .ok()
                .and_then(|f| f.dyn_into::<web_sys::File>().ok());
            let received = Received {
                parts: protocol::parts_of(&data),
                file,
                bitmap: protocol::bitmap_of(&data),
                files: protocol::files_of(&data),
            };
            handle(&worker, request, received);
        });
    scope::scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    say(&Event::Ready);
}

fn handle(worker: &Worker, request: Request, received: Received) {
    let w = worker.clone();
    match request {
        Request::Cancel { job } => worker.cancel(job),
        Request::LoseDevice => worker.lose_device(),
        Request::Panic => panic!("the page asked the worker to panic (a test of its recovery)"),
        Request::Open { prefer_gpu } => {
            worker.switch_device(prefer_gpu);
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(problem) = w.open_device().await {
                    say(&Event::Failed { job: None, problem });
                }
            });
        }
        Request::LoadModel { job, model, source } => spawn_job(worker, job, move |_| async move {
            w.load_user_model(model, source, received.file).await?;
            Ok(false)
        }),
        Request::SetPhoto {
            job,
            name,
            source,
            model,
        } => spawn_job(worker, job, move |_| async move {
            photo::set(&w, job, name, source, received).await?;
            photo::classify(&w, job, model).await
        }),
        Request::Classify { job, model } => spawn_job(worker, job, move |_| async move {
            photo::classify(&w, job, model).await
        }),
        Request::Attack {
            job,
            model,
            ensemble,
            truth,
            config,
        } => spawn_job(worker, job, move |cancel| async move {
            attack::run(&w, job, model, ensemble, truth, config, cancel).await
        }),
        Request::Transfer(request) => spawn_job(worker, request.job, move |cancel| async move {
            judge::transfer(&w, request, received.parts, cancel).await
        }),
        Request::Survival(request) => spawn_job(worker, request.job, move |cancel| async move {
            judge::survival(&w, request, received.parts, cancel).await
        }),
        Request::Matrix {
            job,
            truth,
            models,
            config,
        } => spawn_job(worker, job, move |cancel| async move {
            matrix::run(&w, job, truth, models, config, cancel).await
        }),
        Request::Sweep {
            job,
            model,
            truth,
            config,
            eps,
        } => spawn_job(worker, job, move |cancel| async move {
            sweep::run(&w, job, model, truth, config, eps, cancel).await
        }),
        Request::LiveFrame {
            job,
            model,
            noise,
            patch,
        } => {
            let mut parts = received.parts;
            // A noise or patch that does not arrive whole is left out of the frame.
            let noise = noise.and_then(|spec| {
                let bytes = parts.take(protocol::Part::Noise).ok()?;
                protocol::noise_of(&spec, &bytes).ok()
            });
            let patch = patch.and_then(|live| {
                let bytes = parts.take(protocol::Part::Patch).ok()?;
                Some((protocol::patch_of(&live.patch, &bytes).ok()?, live.scale))
            });
            live::take(
                worker,
                live::Frame {
                    job,
                    model,
                    bitmap: received.bitmap,
                    noise,
                    patch,
                },
            )
        }
        Request::LearnUniversal {
            job,
            model,
            config,
            photos,
        } => spawn_job(worker, job, move |cancel| async move {
            universal::learn(&w, job, model, config, photos, received.files, cancel).await
        }),
        Request::ApplyNoise { job, model, noise } => spawn_job(worker, job, move |_| async move {
            universal::apply(&w, job, model, noise, received.parts).await
        }),
        Request::LearnPatch {
            job,
            model,
            config,
            photos,
            start,
        } => spawn_job(worker, job, move |cancel| async move {
            let (parts, files) = (received.parts, received.files);
            patch::learn(&w, job, model, config, photos, start, parts, files, cancel).await
        }),
        Request::PlacePatch {
            job,
            model,
            patch,
            x,
            y,
            scale,
        } => spawn_job(worker, job, move |_| async move {
            patch::place(&w, job, model, patch, (x, y, scale), received.parts).await
        }),
        Request::PrintPatch {
            job,
            patch,
            diameter_cm,
        } => spawn_job(worker, job, move |_| async move {
            patch::print(job, patch, diameter_cm, received.parts)
        }),
        Request::Bench {
            job,
            steps,
            frames,
            only,
        } => spawn_job(worker, job, move |cancel| {
            bench::run(job, (steps, frames), only, cancel)
        }),
        Request::Stats { job } => say(&Event::Stats {
            job,
            wasm_bytes: scope::wasm_memory_bytes(),
            models: worker.models_kept(),
        }),
    }
}

/// Runs a job: its cancel flag is registered while it runs, and its end is always reported
/// (Done, or Failed with the problem).
fn spawn_job<F>(worker: &Worker, job: JobId, work: impl FnOnce(Cancel) -> F)
where
    F: Future<Output = Result<bool, Problem>> + 'static,
{
    let cancel = worker.register(job);
    let future = work(cancel);
    let worker = worker.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let result = future.await;
        worker.unregister(job);
        match result {
            Ok(cancelled) => say(&Event::Done { job, cancelled }),
            Err(problem) => say(&Event::Failed {
                job: Some(job),
                problem,
            }),
        }
    });
}

/// A device failure said for a user.
fn device_problem(e: impl std::fmt::Display) -> Problem {
    Problem::with_detail(Say::DeviceFailed, e.to_string())
}

/// Gives the event loop a turn between steps and honours Cancel, reporting nothing.
struct Quiet(Cancel);

impl crate::attacks::Observer for Quiet {
    async fn on_step(
        &mut self,
        _: &[crate::attacks::StepRecord],
        _: &burn::prelude::Tensor<4>,
    ) -> crate::attacks::Flow {
        scope::yield_now().await;
        if self.0.get() {
            crate::attacks::Flow::Cancel
        } else {
            crate::attacks::Flow::Continue
        }
    }
}
