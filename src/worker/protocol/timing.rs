//! The page's timings of its devices: a warm attack step of EfficientNet-Lite0 on the CPU and
//! on WebGPU, from the worker's [`BenchRow`]s, and which device they make the faster one. The
//! page keeps them in the browser (JSON) to use that device on later visits.
//!
//! The order of the timings keeps a first visit small: a software renderer (SwiftShader,
//! llvmpipe, WARP) is not timed at all, since it cannot beat the CPU it runs on, so such a
//! browser never downloads the WebGPU worker; on a real GPU the CPU is timed first on one
//! thread in the WebGPU worker the page already has, and the threaded CPU worker is
//! downloaded and timed only where WebGPU did not beat the one-thread step divided by the
//! cores (the best the threads could do).

use super::{BenchRow, DeviceKind};

/// One device's warm step. A record kept before 2026-12-07, without `threads` and `adapter`,
/// no longer reads: the page then measures again.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measured {
    /// "CPU: burn flex (WebAssembly SIMD, 2 threads)", "WebGPU: google swiftshader".
    pub backend: String,
    /// Milliseconds of an attack step (forward pass and input gradient, batch 1).
    pub ms: f64,
    /// The CPU's threads (1 on WebGPU).
    pub threads: usize,
    /// The WebGPU adapter's vendor and architecture (empty on the CPU).
    pub adapter: String,
}

/// What was measured in this browser: a device that could not be timed (no adapter after
/// all, a failure) has none.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DeviceTiming {
    pub cpu: Option<Measured>,
    pub webgpu: Option<Measured>,
    /// The adapter the browser offered is a software renderer (its label): WebGPU was not
    /// timed, the CPU is faster.
    #[serde(default)]
    pub software_adapter: Option<String>,
}

/// What the page times, one after another, each a warm attack step in a worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The CPU in the worker that starts the measurement: on one thread in the WebGPU
    /// worker, or on every core in the threaded worker where the adapter is a software one.
    Cpu,
    /// WebGPU, in the WebGPU worker.
    WebGpu,
    /// The CPU on every core, in the threaded worker.
    CpuThreads,
}

impl Probe {
    /// The device the probe times.
    pub fn device(self) -> DeviceKind {
        match self {
            Probe::Cpu | Probe::CpuThreads => DeviceKind::Cpu,
            Probe::WebGpu => DeviceKind::WebGpu,
        }
    }
}

/// Whether an adapter is a software renderer, from the label of its vendor, architecture and
/// description (`GPUAdapterInfo`) and whether the browser calls it a fallback adapter.
pub fn software_adapter(label: &str, fallback: bool) -> bool {
    let label = label.to_lowercase();
    fallback
        || [
            "swiftshader",
            "llvmpipe",
            "lavapipe",
            "softpipe",
            "basic render",
        ]
        .iter()
        .any(|name| label.contains(name))
}

impl DeviceTiming {
    /// Whether WebGPU is the faster device: the faster of the two where both were timed, the
    /// one that was where only one was, and no choice where neither was.
    pub fn webgpu_faster(&self) -> Option<bool> {
        match (&self.webgpu, &self.cpu) {
            (Some(gpu), Some(cpu)) => Some(gpu.ms < cpu.ms),
            (Some(_), None) => Some(true),
            (None, Some(_)) => Some(false),
            (None, None) => None,
        }
    }

    /// What to time after `done`, or None when the choice can be made. `threads` is the
    /// number of threads the CPU would run on (1 where the page cannot run threads).
    pub fn next_probe(&self, done: Probe, threads: usize) -> Option<Probe> {
        match done {
            Probe::Cpu if self.software_adapter.is_some() => None,
            Probe::Cpu => Some(Probe::WebGpu),
            Probe::WebGpu => {
                let one_thread = self.cpu.as_ref().filter(|c| c.threads == 1)?;
                // WebGPU beats even a perfect scaling of the CPU over its threads: the
                // threaded worker would not be used, so it is not downloaded.
                let beaten = self
                    .webgpu
                    .as_ref()
                    .is_some_and(|gpu| gpu.ms * (threads as f64) < one_thread.ms);
                (threads > 1 && !beaten).then_some(Probe::CpuThreads)
            }
            Probe::CpuThreads => None,
        }
    }

    /// Keeps a bench row's median for its device.
    pub fn record(&mut self, row: BenchRow) {
        let measured = Some(Measured {
            backend: row.backend,
            ms: row.median_ms,
            threads: row.threads,
            adapter: row.adapter,
        });
        match row.kind {
            DeviceKind::Cpu => self.cpu = measured,
            DeviceKind::WebGpu => self.webgpu = measured,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(ms: f64) -> Option<Measured> {
        on_threads(ms, 1)
    }

    fn on_threads(ms: f64, threads: usize) -> Option<Measured> {
        Some(Measured {
            backend: String::new(),
            ms,
            threads,
            adapter: String::new(),
        })
    }

    #[test]
    fn software_renderers_are_known_by_name_or_as_the_fallback() {
        assert!(software_adapter("google swiftshader", false));
        assert!(software_adapter(
            "mesa llvmpipe (LLVM 19.1.7, 256 bits)",
            false
        ));
        assert!(software_adapter("Microsoft Basic Render Driver", false));
        assert!(software_adapter("", true));
        assert!(!software_adapter("nvidia ampere", false));
        assert!(!software_adapter("apple metal-3", false));
        assert!(!software_adapter("", false));
    }

    #[test]
    fn the_threaded_cpu_is_timed_only_where_it_could_win() {
        let after = |cpu, webgpu, software: bool, done, threads| {
            DeviceTiming {
                cpu,
                webgpu,
                software_adapter: software.then(|| "google swiftshader".to_string()),
            }
            .next_probe(done, threads)
        };
        // A software renderer: the CPU alone, on every core.
        assert_eq!(after(on_threads(61.0, 2), None, true, Probe::Cpu, 2), None);
        // A GPU: the CPU on one thread, then WebGPU.
        assert_eq!(
            after(measured(90.0), None, false, Probe::Cpu, 4),
            Some(Probe::WebGpu)
        );
        // WebGPU at 12 ms beats 90 ms over 4 threads (22.5): no threaded worker.
        assert_eq!(
            after(measured(90.0), measured(12.0), false, Probe::WebGpu, 4),
            None
        );
        // At 30 ms it does not: the threads are timed.
        assert_eq!(
            after(measured(90.0), measured(30.0), false, Probe::WebGpu, 4),
            Some(Probe::CpuThreads)
        );
        // WebGPU failed: the CPU is the device, timed on its threads.
        assert_eq!(
            after(measured(90.0), None, false, Probe::WebGpu, 2),
            Some(Probe::CpuThreads)
        );
        // No threads on this page, or the CPU could not be timed: nothing more.
        assert_eq!(
            after(measured(90.0), measured(300.0), false, Probe::WebGpu, 1),
            None
        );
        assert_eq!(after(None, measured(300.0), false, Probe::WebGpu, 2), None);
        assert_eq!(
            after(
                on_threads(50.0, 2),
                measured(300.0),
                false,
                Probe::CpuThreads,
                2
            ),
            None
        );
    }

    #[test]
    fn a_record_kept_before_software_adapters_still_reads() {
        let kept = r#"{"cpu":{"backend":"CPU","ms":61.0,"threads":2,"adapter":""},"webgpu":null}"#;
        let timing: DeviceTiming = serde_json::from_str(kept).unwrap();
        assert_eq!(timing.software_adapter, None);
        assert_eq!(timing.webgpu_faster(), Some(false));
    }

    #[test]
    fn the_faster_device_wins_and_an_untimed_one_loses() {
        let timing = |cpu, webgpu| {
            DeviceTiming {
                cpu,
                webgpu,
                software_adapter: None,
            }
            .webgpu_faster()
        };
        assert_eq!(timing(measured(61.0), measured(4210.0)), Some(false));
        assert_eq!(timing(measured(61.0), measured(12.0)), Some(true));
        assert_eq!(timing(measured(61.0), None), Some(false));
        assert_eq!(timing(None, measured(300.0)), Some(true));
        assert_eq!(timing(None, None), None);
    }

    #[test]
    fn a_record_kept_before_threads_and_adapter_has_to_be_measured_again() {
        let old = r#"{"cpu":{"backend":"CPU: burn flex (WebAssembly SIMD, 2 threads)","ms":61.0},"webgpu":null}"#;
        assert!(serde_json::from_str::<DeviceTiming>(old).is_err());
    }

    #[test]
    fn a_row_is_kept_for_its_device_and_the_timing_reads_back() {
        let mut timing = DeviceTiming::default();
        timing.record(BenchRow {
            backend: "WebGPU: google swiftshader".into(),
            kind: DeviceKind::WebGpu,
            threads: 1,
            adapter: "google swiftshader".into(),
            first_ms: 9000.0,
            median_ms: 4210.0,
            min_ms: 4210.0,
            steps: 1,
        });
        assert_eq!(timing.webgpu.as_ref().map(|m| m.ms), Some(4210.0));
        assert_eq!(
            timing.webgpu.as_ref().map(|m| m.adapter.as_str()),
            Some("google swiftshader")
        );
        assert_eq!(timing.cpu, None);
        let text = serde_json::to_string(&timing).unwrap();
        assert_eq!(serde_json::from_str::<DeviceTiming>(&text).unwrap(), timing);
    }
}
