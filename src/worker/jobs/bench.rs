//! The `?bench` page's measurement: attack steps of EfficientNet-Lite0 on each device.

use image::RgbImage;

use super::device_problem;
use super::scope::{self, say};
use super::state::{self, CPU_DESCRIPTION};
use crate::attacks;
use crate::backend::{self, Backend, BackendKind, read_values};
use crate::models;
use crate::worker::protocol::{BenchRow, Event, JobId, Problem, Say};
use crate::zoo::ModelId;

/// Times attack steps of EfficientNet-Lite0 (forward pass and input gradient, batch 1) on
/// WebGPU, when there is one, and on the CPU: median of `steps` after two warm-up steps.
pub async fn run(job: JobId, steps: usize) -> Result<bool, Problem> {
    let steps = steps.clamp(1, 100);
    let id = ModelId::EfficientNetLite0;
    let file = format!("models/{}", id.web_file());
    let bytes = scope::fetch_bytes(&file, true, |_, _| {})
        .await
        .map_err(|e| Problem::with_detail(Say::ModelUnreadable(id), e))?;
    let (gpu, _) = backend::select_browser(true).await;
    let mut backends = Vec::new();
    if gpu.kind == BackendKind::Wgpu {
        let mut gpu = gpu;
        let label = scope::webgpu_adapter_label().await.unwrap_or_default();
        gpu.description = format!("WebGPU: {label}");
        backends.push(gpu);
    }
    let mut cpu = Backend::cpu();
    cpu.description = CPU_DESCRIPTION.into();
    backends.push(cpu);
    let size = id.input_size() as u32;
    let image = RgbImage::from_fn(size, size, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    for backend in backends {
        let model = state::load(id, &bytes, &file, &backend)?;
        let x = models::to_tensor(&image, &backend.device);
        let mut times = Vec::new();
        for _ in 0..steps + 2 {
            let start = scope::now_ms();
            let (gradient, _) = attacks::gradient_at(&model, &x, 0)
                .await
                .map_err(device_problem)?;
            read_values(gradient.slice([0..1, 0..1, 0..1, 0..1]))
                .await
                .map_err(device_problem)?;
            times.push(scope::now_ms() - start);
            scope::yield_now().await;
        }
        let first_ms = times[0];
        let mut timed = times[2..].to_vec();
        timed.sort_by(f64::total_cmp);
        say(&Event::BenchRow {
            job,
            row: BenchRow {
                backend: backend.description.clone(),
                kind: state::device_kind(backend.kind),
                first_ms,
                median_ms: timed[timed.len() / 2],
                min_ms: timed[0],
                steps,
            },
        });
    }
    Ok(false)
}
