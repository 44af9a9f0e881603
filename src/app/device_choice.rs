//! Which device computes, measured rather than guessed. A browser that offers WebGPU is not
//! always faster on it: a software adapter takes seconds for a step that the CPU does in tens
//! of milliseconds. On a first visit where no device was asked for, the page times a warm
//! attack step of EfficientNet-Lite0 on the CPU and on WebGPU, in a worker of its own while
//! the page is idle, and uses the faster. The order keeps the download small (see
//! [`DeviceTiming::next_probe`]): a software adapter is not timed (the page starts on the CPU
//! and never fetches the WebGPU worker); on a GPU the CPU is timed on one thread in the WebGPU
//! worker the page has, and on every core (the threaded worker, downloaded) only where WebGPU
//! did not beat what the threads could at best do. The timings and the choice are kept in
//! this browser for later visits; the user can still switch, and their switch is kept instead.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;

use super::browser::{self, Adapter};
use super::engine::{Engine, WorkerBuild};
use crate::worker::protocol::{DeviceTiming, Event, Probe, Request};

/// Where the timings are kept (localStorage, JSON).
const TIMING_KEY: &str = "gibbon-device-timing";

/// Steps timed on each device after two warm-up steps; the median is kept. One step alone
/// gave 73 to 152 ms for the same threaded worker on fresh visits (2 cores, shared with the
/// page's own worker while it loads). A software adapter, seconds a step, is not timed.
const STEPS: usize = 3;

/// The page's measurement of its devices.
#[derive(Clone, Copy)]
pub struct DeviceChoice {
    /// What was measured, now or on an earlier visit.
    pub timing: RwSignal<Option<DeviceTiming>>,
    /// A measurement runs now.
    pub measuring: RwSignal<bool>,
    /// The page has yet to measure (no device was asked for, and none was measured before).
    pending: StoredValue<bool>,
    /// The worker that measures, while it runs.
    probe: StoredValue<Option<Engine>, LocalStorage>,
    /// The WebGPU adapter the browser offered (none: no second device to time).
    adapter: StoredValue<Option<Adapter>>,
}

impl DeviceChoice {
    /// The timings kept from an earlier visit; `measure` says whether this visit still has to
    /// measure (no device asked for, and none chosen before).
    pub fn new(measure: bool) -> Self {
        let kept = browser::stored(TIMING_KEY).and_then(|t| serde_json::from_str(&t).ok());
        Self {
            pending: StoredValue::new(measure && kept.is_none()),
            timing: RwSignal::new(kept),
            measuring: RwSignal::new(false),
            probe: StoredValue::new_local(None),
            adapter: StoredValue::new(None),
        }
    }

    /// The browser offers WebGPU on this adapter.
    pub fn offered(&self, adapter: Adapter) {
        self.adapter.set_value(Some(adapter));
    }

    /// Whether this first visit starts on the CPU without timing WebGPU: the adapter is a
    /// software renderer.
    pub fn software_first(&self) -> bool {
        self.pending()
            && self
                .adapter
                .with_value(|a| a.as_ref().is_some_and(|a| a.software))
    }

    /// Whether the page has still to measure.
    pub fn pending(&self) -> bool {
        self.pending.get_value()
    }

    /// Whether a measurement runs now.
    pub fn running(&self) -> bool {
        self.probe.with_value(Option::is_some)
    }

    /// Times the devices in a fresh worker, one [`Probe`] after another, and calls `done`
    /// with whether WebGPU is faster (None: neither could be timed). The timings are kept for
    /// the next visits. Without an adapter there is nothing to compare: nothing is measured.
    pub fn measure(&self, done: impl Fn(Option<bool>) + 'static) {
        if self.running() || !self.pending() {
            return;
        }
        let Some(adapter) = self.adapter.get_value() else {
            return self.cancel();
        };
        let this = *self;
        let timing = Rc::new(RefCell::new(DeviceTiming {
            software_adapter: adapter.software.then(|| adapter.label.clone()),
            ..DeviceTiming::default()
        }));
        // The threads the CPU would run on: the threaded worker's, where the page may run it.
        let threads = if WorkerBuild::threads_available() {
            browser::hardware_threads()
        } else {
            1
        };
        // The CPU on every core where the adapter is a software one; else on one thread in the
        // WebGPU worker, which the page has already downloaded.
        let first = if adapter.software {
            WorkerBuild::for_device(false)
        } else {
            WorkerBuild::WebGpu
        };
        let probe = Rc::new(Cell::new(Probe::Cpu));
        let finish = {
            let timing = timing.clone();
            Rc::new(move || {
                let timing = timing.borrow().clone();
                this.stop();
                this.pending.set_value(false);
                browser::store(
                    TIMING_KEY,
                    &serde_json::to_string(&timing).unwrap_or_default(),
                );
                let faster = timing.webgpu_faster();
                this.timing.set(Some(timing));
                done(faster);
            })
        };
        let send = move |engine: &Engine, probe: Probe| {
            engine.send(Request::Bench {
                job: engine.job(),
                steps: STEPS,
                frames: 0,
                only: Some(probe.device()),
            });
        };
        let engine = Engine::start(first, move |event, _| {
            let engine = this.probe.with_value(Clone::clone);
            let Some(engine) = engine else {
                return;
            };
            match event {
                Event::Ready => send(&engine, probe.get()),
                Event::BenchRow { row, .. } => timing.borrow_mut().record(row),
                // WebGPU that fails leaves the CPU as the device: it is timed on its threads.
                Event::Done { .. } | Event::Failed { .. } | Event::Panicked { .. }
                    if matches!(event, Event::Done { .. }) || probe.get() == Probe::WebGpu =>
                {
                    let next = timing.borrow().next_probe(probe.get(), threads);
                    let Some(next) = next else {
                        return finish();
                    };
                    probe.set(next);
                    let build = match next {
                        Probe::CpuThreads => WorkerBuild::Threads,
                        Probe::Cpu | Probe::WebGpu => engine.build(),
                    };
                    // Another build starts another worker, whose `Ready` sends the request.
                    if !engine.switch(build) {
                        send(&engine, next);
                    }
                }
                // The CPU could not be timed: the faster of what was measured.
                Event::Failed { .. } | Event::Panicked { .. } => finish(),
                _ => {}
            }
        });
        self.probe.set_value(Some(engine));
        self.measuring.set(true);
    }

    /// Stops a measurement under way (the user started work: it would share the cores or the
    /// GPU and time both wrong); it starts again from the beginning when the page is idle.
    pub fn pause(&self) {
        self.stop();
    }

    /// The user chose a device: nothing more is measured on this visit.
    pub fn cancel(&self) {
        self.stop();
        self.pending.set_value(false);
    }

    fn stop(&self) {
        if let Some(engine) = self.probe.with_value(Clone::clone) {
            engine.stop();
        }
        self.probe.set_value(None);
        self.measuring.set(false);
    }
}
