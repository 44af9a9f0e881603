//! The benchmark page (`?bench`): milliseconds per attack step (forward pass + input gradient,
//! batch 1) of the default model on WebGPU and on the CPU backend, in this browser.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::browser;
use crate::attacks::step::gradient_at;
use crate::backend::{self, Backend, BackendKind};
use crate::imaging;
use crate::models::{Classifier, ModelId};
use crate::prediction::read_values;
use crate::weights;

/// One measured backend.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    backend: String,
    kind: &'static str,
    first_ms: f64,
    median_ms: f64,
    min_ms: f64,
    steps: usize,
}

/// Runs the benchmark on load and shows a table.
#[component]
pub fn BenchPage() -> impl IntoView {
    let rows = RwSignal::new(Vec::<Row>::new());
    let status = RwSignal::new("Running…".to_string());
    let steps: usize = browser::query_param("steps")
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .clamp(1, 100);
    spawn_local(async move {
        let id = ModelId::EfficientNetLite0;
        let bytes =
            match browser::fetch_bytes(&format!("models/{}", id.web_file()), true, |_, _| {}).await
            {
                Ok(b) => b,
                Err(e) => return status.set(e),
            };
        let (mut gpu, why) = backend::select_browser(true).await;
        let mut backends = Vec::new();
        if gpu.kind == BackendKind::Wgpu {
            if let Some(label) = browser::webgpu_adapter_label().await {
                gpu.description = format!("WebGPU: {label}");
            }
            backends.push(gpu);
        } else {
            status.set(why.unwrap_or_else(|| "WebGPU unavailable".into()));
        }
        backends.push(Backend::cpu());
        for backend in backends {
            let store = match weights::read_bytes(&bytes, "model") {
                Ok(s) => s,
                Err(e) => return status.set(e.to_string()),
            };
            let model = match Classifier::load(id, store, &backend.device) {
                Ok(m) => m,
                Err(e) => return status.set(e.to_string()),
            };
            match measure(&model, &backend, steps).await {
                Ok(row) => rows.update(|r| r.push(row)),
                Err(e) => return status.set(e),
            }
        }
        status.set("Done".into());
    });
    view! {
        <main class="bench">
            <h1>"Gibbon benchmark"</h1>
            <p>
                {format!(
                    "EfficientNet-Lite0, 224×224, batch 1: one attack step is a forward pass and the gradient with respect to the input. Median of {steps} steps after 2 warm-up steps."
                )}
            </p>
            <p data-testid="bench-status">{move || status.get()}</p>
            <table data-testid="bench">
                <thead>
                    <tr>
                        <th>"Backend"</th>
                        <th>"First step (ms)"</th>
                        <th>"Median (ms/step)"</th>
                        <th>"Min (ms/step)"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        rows.get()
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <tr data-kind=r.kind data-median-ms=r.median_ms data-steps=r.steps>
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
            <p>
                <a href="./">"Back to Gibbon"</a>
            </p>
        </main>
    }
}

async fn measure(model: &Classifier, backend: &Backend, steps: usize) -> Result<Row, String> {
    let image = image::RgbImage::from_fn(224, 224, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let x = imaging::to_tensor(&image, &backend.device);
    let mut times = Vec::new();
    for _ in 0..steps + 2 {
        let start = browser::now_ms();
        let (gradient, _) = gradient_at(model, &x, 0).await.map_err(|e| e.to_string())?;
        read_values(gradient.slice([0..1, 0..1, 0..1, 0..1]))
            .await
            .map_err(|e| e.to_string())?;
        times.push(browser::now_ms() - start);
        browser::yield_now().await;
    }
    let first_ms = times[0];
    let mut timed = times[2..].to_vec();
    timed.sort_by(f64::total_cmp);
    Ok(Row {
        backend: backend.description.clone(),
        kind: if backend.kind == BackendKind::Wgpu {
            "webgpu"
        } else {
            "cpu"
        },
        first_ms,
        median_ms: timed[timed.len() / 2],
        min_ms: timed[0],
        steps,
    })
}
