//! Which device computes, measured rather than guessed. A browser that offers WebGPU is not
//! always faster on it: a software adapter takes seconds for a step that the CPU does in tens
//! of milliseconds. On a first visit where no device was asked for, the page times a warm
//! attack step of EfficientNet-Lite0 on the CPU (on every core where the page is cross-origin
//! isolated) and on WebGPU, each in a worker of its own while the page is idle, and uses the
//! faster. The timings and the choice are kept in this browser for later visits; the user can
//! still switch, and their switch is kept instead.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

use super::browser;
use super::engine::{Engine, WorkerBuild};
use crate::worker::protocol::{DeviceKind, DeviceTiming, Event, Request};

/// Where the timings are kept (localStorage, JSON).
const TIMING_KEY: &str = "gibbon-device-timing";

/// Steps timed on each device, after two warm-up steps (a software adapter takes seconds a
/// step, so a few are enough).
const STEPS: usize = 1;

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
        }
    }

    /// Whether the page has still to measure.
    pub fn pending(&self) -> bool {
        self.pending.get_value()
    }

    /// Whether a measurement runs now.
    pub fn running(&self) -> bool {
        self.probe.with_value(Option::is_some)
    }

    /// Measures the CPU, then WebGPU, each in a fresh worker, and calls `done` with whether
    /// WebGPU is faster (None: neither could be timed). The timings are kept for the next
    /// visits.
    pub fn measure(&self, done: impl Fn(Option<bool>) + 'static) {
        if self.running() || !self.pending() {
            return;
        }
        let this = *self;
        let timing = Rc::new(RefCell::new(DeviceTiming::default()));
        // The CPU where it is fastest: on every core where the page is isolated.
        let cpu_build = WorkerBuild::for_device(false);
        // Which device the worker times now.
        let device = Rc::new(RefCell::new(DeviceKind::Cpu));
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
        let send = move |engine: &Engine, only: DeviceKind| {
            engine.send(Request::Bench {
                job: engine.job(),
                steps: STEPS,
                frames: 0,
                only: Some(only),
            });
        };
        let engine = Engine::start(cpu_build, move |event, _| {
            let engine = this.probe.with_value(Clone::clone);
            let Some(engine) = engine else {
                return;
            };
            match event {
                Event::Ready => send(&engine, *device.borrow()),
                Event::BenchRow { row, .. } => timing.borrow_mut().record(row),
                Event::Done { .. } if *device.borrow() == DeviceKind::Cpu => {
                    *device.borrow_mut() = DeviceKind::WebGpu;
                    // WebGPU is in trunk's build: another worker where the CPU ran threaded
                    // (its `Ready` sends the request).
                    if !engine.switch(WorkerBuild::WebGpu) {
                        send(&engine, DeviceKind::WebGpu);
                    }
                }
                // WebGPU was timed, or could not be: the faster of what was measured.
                Event::Done { .. } | Event::Failed { .. } | Event::Panicked { .. }
                    if *device.borrow() == DeviceKind::WebGpu =>
                {
                    finish()
                }
                // The CPU could not be timed: nothing to compare.
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
