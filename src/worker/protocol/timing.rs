//! The page's timings of its devices: a warm attack step of EfficientNet-Lite0 on the CPU and
//! on WebGPU, from the worker's [`BenchRow`]s, and which device they make the faster one. The
//! page keeps them in the browser (JSON) to use that device on later visits.

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
        Some(Measured {
            backend: String::new(),
            ms,
            threads: 1,
            adapter: String::new(),
        })
    }

    #[test]
    fn the_faster_device_wins_and_an_untimed_one_loses() {
        let timing = |cpu, webgpu| DeviceTiming { cpu, webgpu }.webgpu_faster();
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
