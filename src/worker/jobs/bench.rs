//! The `?bench` page's measurements on each device: attack steps of EfficientNet-Lite0, and
//! live frames (a camera frame's bitmap to its top-5, as the live camera classifies them).

use image::RgbImage;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::scope::{self, js_error, say};
use super::state::{self, cpu_description};
use super::{Cancel, device_problem, live};
use crate::attacks;
use crate::backend::{self, Backend, BackendKind, read_values};
use crate::models;
use crate::models::Classifier;
use crate::worker::protocol::{
    BenchRow, DeviceKind, Event, JobId, LiveBenchRow, Problem, Say, rgba,
};
use crate::zoo::ModelId;

/// Times attack steps of EfficientNet-Lite0 (forward pass and input gradient, batch 1) on
/// WebGPU, when there is one, and on the CPU (or only on the device of kind `only`): median of
/// `steps` after two warm-up steps; then, on each, `frames` live frames (0: none) after two
/// warm-up frames. Whether it was cancelled (checked after each step and frame).
pub async fn run(
    job: JobId,
    (steps, frames): (usize, usize),
    only: Option<DeviceKind>,
    cancel: Cancel,
) -> Result<bool, Problem> {
    let steps = steps.clamp(1, 100);
    let frames = frames.min(200);
    let id = ModelId::EfficientNetLite0;
    let file = format!("models/{}", id.web_file());
    let bytes = scope::fetch_bytes(&file, scope::Fetch::BuiltInModel, |_, _| {})
        .await
        .map_err(|e| Problem::with_detail(Say::ModelUnreadable(id), e))?;
    let wanted = |kind: DeviceKind| only.is_none_or(|only| only == kind);
    let mut backends = Vec::new();
    let mut adapter = String::new();
    if wanted(DeviceKind::WebGpu)
        && let (gpu, _) = backend::select_browser(true).await
        && gpu.kind == BackendKind::Wgpu
    {
        let mut gpu = gpu;
        adapter = scope::webgpu_adapter_label().await.unwrap_or_default();
        gpu.description = format!("WebGPU: {adapter}");
        backends.push(gpu);
    }
    if wanted(DeviceKind::Cpu) {
        let mut cpu = Backend::cpu();
        cpu.description = cpu_description();
        backends.push(cpu);
    }
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
            if cancel.get() {
                return Ok(true);
            }
        }
        let (first_ms, median_ms, min_ms) = summary(&times);
        say(&Event::BenchRow {
            job,
            row: BenchRow {
                backend: backend.description.clone(),
                kind: state::device_kind(backend.kind),
                threads: match backend.kind {
                    BackendKind::Wgpu => 1,
                    _ => state::cpu_threads(),
                },
                adapter: match backend.kind {
                    BackendKind::Wgpu => adapter.clone(),
                    _ => String::new(),
                },
                first_ms,
                median_ms,
                min_ms,
                steps,
            },
        });
        if frames > 0 {
            let Some(times) = live_frames(&model, &image, frames, &cancel).await? else {
                return Ok(true);
            };
            let (first_ms, median_ms, min_ms) = summary(&times);
            say(&Event::LiveBench {
                job,
                row: LiveBenchRow {
                    backend: backend.description.clone(),
                    kind: state::device_kind(backend.kind),
                    first_ms,
                    median_ms,
                    min_ms,
                    frames,
                },
            });
        }
    }
    Ok(false)
}

/// The first time, and the median and least of those after two warm-up runs.
fn summary(times: &[f64]) -> (f64, f64, f64) {
    let mut timed = times[2..].to_vec();
    timed.sort_by(f64::total_cmp);
    (times[0], timed[timed.len() / 2], timed[0])
}

/// Milliseconds of each of `frames` + 2 live frames: each a fresh `ImageBitmap` of the image
/// (as the page's `createImageBitmap` of the camera gives one), its pixels read and classified
/// by the code the live camera runs; `None` when cancelled.
async fn live_frames(
    model: &Classifier,
    image: &RgbImage,
    frames: usize,
    cancel: &Cancel,
) -> Result<Option<Vec<f64>>, Problem> {
    let failed = |e: String| Problem::with_detail(Say::FrameUnreadable, e);
    let (w, h) = image.dimensions();
    let rgba = rgba(image);
    let data = scope::image_data(&rgba, w, h).map_err(failed)?;
    let mut times = Vec::new();
    for _ in 0..frames + 2 {
        let promise = scope::scope()
            .create_image_bitmap_with_image_data(&data)
            .map_err(|e| failed(js_error(e)))?;
        let bitmap: web_sys::ImageBitmap = JsFuture::from(promise)
            .await
            .map_err(|e| failed(js_error(e)))?
            .dyn_into()
            .map_err(|_| failed("not an ImageBitmap".into()))?;
        let start = scope::now_ms();
        let pixels = live::pixels(&bitmap);
        bitmap.close();
        live::top5(model, &pixels.map_err(failed)?).await?;
        times.push(scope::now_ms() - start);
        scope::yield_now().await;
        if cancel.get() {
            return Ok(None);
        }
    }
    Ok(Some(times))
}
