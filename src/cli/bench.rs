//! `gibbon bench`: milliseconds per attack step (forward pass + gradient with respect to the
//! input), the number that decides how long an attack takes, and images x steps per second for
//! a batch.

use std::process::ExitCode;
use std::time::Instant;

use burn::prelude::Tensor;

use super::{CliError, Context, ModelSpec, emit, parse_model_spec};
use crate::attacks::gradient_at_batch;
use crate::backend::{self, BackendChoice};
use crate::{home, imaging, samples};

/// Measure milliseconds per attack step on one or more backends.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Model to time, with its weights file if not on this machine.
    #[arg(long, short, default_value = "efficientnet-lite0", value_parser = parse_model_spec, value_name = "MODEL[=WEIGHTS]")]
    model: ModelSpec,

    /// Backends to time, e.g. cpu,wgpu [default: the one --device picks].
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    backends: Vec<BackendChoice>,

    /// Timed steps per backend.
    #[arg(long, default_value_t = 20)]
    steps: usize,

    /// Untimed steps first (shader compilation, autotuning, caches).
    #[arg(long, default_value_t = 3)]
    warmup: usize,

    /// Images per step.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=512))]
    batch: u16,

    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    if args.steps == 0 {
        return Err(CliError::usage("--steps must be at least 1"));
    }
    let choices = if args.backends.is_empty() {
        vec![ctx.choice]
    } else {
        args.backends.clone()
    };
    let id = args.model.id;
    let size = id.input_size() as u32;
    // A real photo when installed (the timing does not depend on it), else mid-grey.
    let image = std::fs::read(home::samples_dir().join(samples::SAMPLES[0].file))
        .ok()
        .and_then(|b| imaging::decode(&b).ok())
        .map(|p| crate::models::prepare(&p, size, imaging::Preprocess::Crop))
        .unwrap_or_else(|| image::RgbImage::from_pixel(size, size, image::Rgb([128, 128, 128])));
    for choice in choices {
        let backend = backend::select(choice)?;
        let model = home::load_model_on(id, args.model.weights.as_deref(), &backend)?;
        let batch = args.batch as usize;
        let one = crate::models::to_tensor(&image, &backend.device);
        let x = Tensor::cat(vec![one; batch], 0);
        let classes = vec![0; batch];
        let mut times = Vec::with_capacity(args.steps);
        for i in 0..args.warmup + args.steps {
            let start = Instant::now();
            // The gradient readback is included: it is what a step costs in an attack, and
            // it makes the device finish its work before the clock stops.
            let (gradient, _) = pollster::block_on(gradient_at_batch(&model, &x, &classes))?;
            let _ = pollster::block_on(gradient.slice([0..1, 0..1, 0..1, 0..1]).into_data_async());
            if i >= args.warmup {
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let min = times[0];
        let throughput = batch as f64 * 1000.0 / median;
        if args.json {
            emit(serde_json::json!({
                "model": id.as_str(), "backend": backend.description, "input": size,
                "batch": batch, "steps": args.steps, "median_ms": median, "mean_ms": mean,
                "min_ms": min, "images_steps_per_s": throughput,
            }))?;
        } else {
            emit(format!(
                "{id} {size}x{size} batch {batch} on {}: {median:.1} ms/step, {throughput:.1} images x steps/s (median of {}; mean {mean:.1}, min {min:.1})",
                backend.description, args.steps
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
