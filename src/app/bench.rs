//! The benchmark page (`?bench`): milliseconds per attack step (forward pass + input gradient,
//! batch 1) of the default model on WebGPU and on the CPU backend, computed in the worker as
//! on the main page; frames per second of live classification (a camera frame's bitmap to its
//! top-5, as the live camera does it) on each; and the longest task the page's main thread ran
//! meanwhile. `?bench&steps=N&frames=M` sets how many of each are timed.
//!
//! Where the page is cross-origin isolated and the build has the threaded worker, the CPU is
//! timed twice: on one thread (trunk's worker, beside WebGPU) and on every core (the threaded
//! worker). The page says which case it is in.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::browser;
use super::engine::{Engine, WorkerBuild};
use super::i18n::Lang;
use crate::worker::protocol::{BenchRow, DeviceKind, Event, LiveBenchRow, Request};

/// Runs the benchmark on load and shows a table.
#[component]
pub fn BenchPage() -> impl IntoView {
    let rows = RwSignal::new(Vec::<BenchRow>::new());
    let live_rows = RwSignal::new(Vec::<LiveBenchRow>::new());
    let status = RwSignal::new("Starting the worker…".to_string());
    let longest = RwSignal::new(0.0f64);
    let steps: usize = browser::query_param("steps")
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .clamp(1, 100);
    let frames: usize = browser::query_param("frames")
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
        .min(200);
    watch_long_tasks(longest);
    let case = threading_case();
    browser::after_service_worker(WorkerBuild::in_build(), move || {
        run_benchmarks(steps, frames, status, rows, live_rows)
    });
    view! {
        <main class="bench">
            <h1>"Gibbon benchmark"</h1>
            <p>
                {format!(
                    "EfficientNet-Lite0, 224×224, batch 1: one attack step is a forward pass and the gradient with respect to the input, computed in the worker. Median of {steps} steps after 2 warm-up steps."
                )}
            </p>
            <p data-testid="bench-threads" data-threads=case.0>{case.1}</p>
            <p data-testid="bench-status">{move || status.get()}</p>
            <table data-testid="bench">
                <thead>
                    <tr>
                        <th scope="col">"Backend"</th>
                        <th scope="col">"First step (ms)"</th>
                        <th scope="col">"Median (ms/step)"</th>
                        <th scope="col">"Min (ms/step)"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        rows.get()
                            .into_iter()
                            .map(|r| {
                                let kind = if r.kind == DeviceKind::WebGpu { "webgpu" } else { "cpu" };
                                view! {
                                    <tr data-kind=kind data-median-ms=r.median_ms data-steps=r.steps>
                                        <td>{r.backend}</td>
                                        <td>{format!("{:.0}", r.first_ms)}</td>
                                        <td>{format!("{:.1}", r.median_ms)}</td>
                                        <td>{format!("{:.1}", r.min_ms)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
            <h2>"Live classification"</h2>
            <p>
                {format!(
                    "Frames per second of the live camera's work in the worker: a fresh 224×224 ImageBitmap (what the page's createImageBitmap of the camera gives), its pixels read through an OffscreenCanvas, the forward pass and the top-5. Median of {frames} frames after 2 warm-up frames."
                )}
            </p>
            <table data-testid="bench-live">
                <thead>
                    <tr>
                        <th scope="col">"Backend"</th>
                        <th scope="col">"First frame (ms)"</th>
                        <th scope="col">"Median (ms/frame)"</th>
                        <th scope="col">"Min (ms/frame)"</th>
                        <th scope="col">"Frames per second"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        live_rows
                            .get()
                            .into_iter()
                            .map(|r| {
                                let kind = if r.kind == DeviceKind::WebGpu { "webgpu" } else { "cpu" };
                                let fps = r.fps();
                                view! {
                                    <tr data-kind=kind data-median-ms=r.median_ms data-fps=fps data-frames=r.frames>
                                        <td>{r.backend}</td>
                                        <td>{format!("{:.0}", r.first_ms)}</td>
                                        <td>{format!("{:.1}", r.median_ms)}</td>
                                        <td>{format!("{:.1}", r.min_ms)}</td>
                                        <td>{format!("{fps:.1}")}</td>
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
            <p data-testid="longest-task" data-ms=move || longest.get()>
                {move || format!(
                    "Longest task on the page's main thread so far: {:.0} ms (tasks under 50 ms are not recorded; a page that stays smooth has none).",
                    longest.get()
                )}
            </p>
            <p>
                <a href="./">"Back to Gibbon"</a>
            </p>
        </main>
    }
}

/// Runs the benchmark in trunk's worker (WebGPU, and the CPU on one thread), then, where it can
/// run, in the threaded worker (the CPU on every core).
fn run_benchmarks(
    steps: usize,
    frames: usize,
    status: RwSignal<String>,
    rows: RwSignal<Vec<BenchRow>>,
    live_rows: RwSignal<Vec<LiveBenchRow>>,
) {
    let engine: Rc<Cell<Option<Engine>>> = Rc::new(Cell::new(None));
    let handle = engine.clone();
    let started = Engine::start(WorkerBuild::WebGpu, move |event, _| match event {
        Event::Ready => {
            status.set("Running…".into());
            if let Some(engine) = handle.take() {
                let job = engine.job();
                engine.send(Request::Bench {
                    job,
                    steps,
                    frames,
                    only: None,
                });
                handle.set(Some(engine));
            }
        }
        Event::BenchRow { row, .. } => rows.update(|r| r.push(row)),
        Event::LiveBench { row, .. } => live_rows.update(|r| r.push(row)),
        Event::Done { .. } => {
            let engine = handle.take();
            let next = engine.as_ref().is_some_and(|e| {
                e.build() == WorkerBuild::WebGpu && WorkerBuild::threads_available()
            });
            if let (true, Some(engine)) = (next, &engine) {
                // Its `Ready` starts the same benchmark there.
                status.set("Running on every core…".into());
                engine.switch(WorkerBuild::Threads);
            } else {
                status.set("Done".into());
            }
            handle.set(engine);
        }
        // The benchmark page is English.
        Event::Failed { problem, .. } => status.set((Lang::En.texts().say)(&problem.summary)),
        Event::Panicked { message } => status.set(format!("the worker stopped: {message}")),
        _ => {}
    });
    engine.set(Some(started));
    // The engine lives as long as the page.
    std::mem::forget(engine);
}

/// Which case the page is in, for threads: a short name (`data-threads`) and a sentence.
fn threading_case() -> (&'static str, String) {
    let cores = web_sys::window()
        .map(|w| w.navigator().hardware_concurrency())
        .unwrap_or(1.0);
    if !browser::cross_origin_isolated() {
        (
            "one",
            "Not cross-origin isolated (plain http, or a server without COOP/COEP and no service worker): the CPU runs on one thread.".into(),
        )
    } else if !WorkerBuild::in_build() {
        (
            "not-built",
            "Cross-origin isolated, but this build has no threaded worker (scripts/build-threads.sh): the CPU runs on one thread.".into(),
        )
    } else {
        (
            "every-core",
            format!(
                "Cross-origin isolated: the CPU is timed on one thread and on every core ({cores} here)."
            ),
        )
    }
}

/// Records the longest main-thread task (the browser's `longtask` entries, 50 ms and more).
fn watch_long_tasks(longest: RwSignal<f64>) {
    let callback = Closure::<dyn FnMut(web_sys::PerformanceObserverEntryList)>::new(
        move |list: web_sys::PerformanceObserverEntryList| {
            for entry in list.get_entries().iter() {
                if let Ok(entry) = entry.dyn_into::<web_sys::PerformanceEntry>() {
                    let duration = entry.duration();
                    if duration > longest.get_untracked() {
                        longest.set(duration);
                    }
                }
            }
        },
    );
    let Ok(observer) = web_sys::PerformanceObserver::new(callback.as_ref().unchecked_ref()) else {
        return;
    };
    // `{type: "longtask", buffered: true}` (web-sys knows only the older `entryTypes` form,
    // which cannot ask for the entries recorded before the observer existed).
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"type".into(), &"longtask".into());
    let _ = js_sys::Reflect::set(&options, &"buffered".into(), &true.into());
    // Browsers without long-task timing ignore the type; the figure then stays at 0.
    observer.observe(options.unchecked_ref());
    callback.forget();
}
