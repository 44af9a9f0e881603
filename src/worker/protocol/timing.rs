//! The page's timings of its devices: a warm attack step of EfficientNet-Lite0 on the CPU and
//! on WebGPU, from the worker's [`BenchRow`]s, and which device they make the faster one. The
//! page keeps them in the browser (JSON) to use that device on later visits.

use super::{BenchRow, DeviceKind};

/// One device's warm step.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measured {
    /// "CPU: burn flex (WebAssembly SIMD, 2 threads)", "WebGPU: google swiftshader".
    pub backend: String,
    /// Milliseconds of an attack step (forward pass and input gradient, batch 1).
    pub ms: f64,
}

impl Measured {
    /// The threads of a CPU, from its description ("…, 2 threads)"; 1 when it says none).
    pub fn threads(&self) -> usize {
        let tail = self.backend.rsplit(", ").next().unwrap_or_default();
        let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().unwrap_or(1)
    }

    /// A WebGPU adapter's name, from its description ("WebGPU: google swiftshader").
    pub fn adapter(&self) -> &str {
        self.backend
            .strip_prefix("WebGPU: ")
            .unwrap_or(&self.backend)
    }
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
    fn descriptions_give_threads_and_adapter() {
        let cpu = |backend: &str| Measured {
            backend: backend.into(),
            ms: 1.0,
        };
        assert_eq!(
            cpu("CPU: burn flex (WebAssembly SIMD, 2 threads)").threads(),
            2
        );
        assert_eq!(
            cpu("CPU: burn flex (WebAssembly SIMD, 16 threads)").threads(),
            16
        );
        assert_eq!(
            cpu("CPU: burn flex (WebAssembly SIMD, 1 thread)").threads(),
            1
        );
        assert_eq!(cpu("CPU").threads(), 1);
        assert_eq!(
            cpu("WebGPU: google swiftshader").adapter(),
            "google swiftshader"
        );
    }

    #[test]
    fn a_row_is_kept_for_its_device_and_the_timing_reads_back() {
        let mut timing = DeviceTiming::default();
        timing.record(BenchRow {
            backend: "WebGPU: google swiftshader".into(),
            kind: DeviceKind::WebGpu,
            first_ms: 9000.0,
            median_ms: 4210.0,
            min_ms: 4210.0,
            steps: 1,
        });
        assert_eq!(timing.webgpu.as_ref().map(|m| m.ms), Some(4210.0));
        assert_eq!(timing.cpu, None);
        let text = serde_json::to_string(&timing).unwrap();
        assert_eq!(serde_json::from_str::<DeviceTiming>(&text).unwrap(), timing);
    }
}
