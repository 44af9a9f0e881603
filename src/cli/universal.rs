//! `gibbon universal`: one noise that makes a model change its answer on most photos, photos
//! it never saw included (Moosavi-Dezfooli et al. 2017), and its fooling rate on others.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::batch::exit_code;
use super::learning::{self, Photo, StepBar};
use super::{CliError, Context, ModelChoice, emit};
use crate::attacks::{Ensemble, Tally, Universal, UniversalConfig, fooled, learn_universal};
use crate::imaging::Preprocess;
use crate::models::Classifier;

/// Learn a universal perturbation from photos, or measure one on others.
///
/// Learning (--out): stochastic gradient ascent on the model's loss over random views of the
/// photos (crops of 80-100%, shifts, mirrors), the noise clipped to --eps; it generalises from
/// a few photos where the paper's DeepFool aggregation needs thousands. The PNG shows the
/// noise (128 is no change) in whole levels, with its eps and model in text chunks; a JSON file
/// beside it says how it was made.
///
/// Measuring (--apply): the fooling rate on the photos given (Moosavi-Dezfooli et al.'s: the
/// answer changes; with a label, the top-1 leaves the right classes), with its 95% Wilson
/// interval, beside that of random sign noise of the same eps.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    model: ModelChoice,

    /// Learn a perturbation and save it as this PNG (and a .json beside it).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "apply",
        required_unless_present = "apply"
    )]
    out: Option<PathBuf>,

    /// Measure this perturbation PNG on the photos instead of learning one.
    #[arg(long, value_name = "FILE")]
    apply: Option<PathBuf>,

    /// Largest change of any pixel, in levels (10 = 10/255, the paper's).
    #[arg(long, default_value_t = UniversalConfig::default().eps)]
    eps: f32,

    /// Steps of gradient ascent.
    #[arg(long, default_value_t = UniversalConfig::default().steps)]
    steps: usize,

    /// Random views per step.
    #[arg(long, default_value_t = UniversalConfig::default().batch)]
    batch: usize,

    /// Step size in levels.
    #[arg(long, default_value_t = UniversalConfig::default().alpha)]
    alpha: f32,

    /// Decay of the direction accumulated over steps (0: each step's gradient alone).
    #[arg(long, default_value_t = UniversalConfig::default().momentum)]
    momentum: f32,

    /// Seed of the views (and of the sign noise compared with).
    #[arg(long, default_value_t = UniversalConfig::default().seed)]
    seed: u64,

    /// One JSON object per photo (with --apply) instead of the table.
    #[arg(long)]
    json: bool,

    /// How a photo becomes the model's square input.
    #[arg(long, default_value = "crop", value_name = "crop|stretch")]
    preprocess: Preprocess,

    /// Read photos from FILE (lines of `path [label]`).
    #[arg(long, value_name = "FILE")]
    list: Option<PathBuf>,

    /// Photos, optionally with their labels (photo.jpg:espresso).
    #[arg(value_name = "IMAGE[:LABEL]")]
    images: Vec<String>,
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    let model = ctx.load_model(&args.model.spec()?)?;
    let mut failures = 0;
    let photos = learning::read(
        &args.images,
        args.list.as_deref(),
        model.input_size(),
        args.preprocess,
        &mut failures,
    )?;
    match (&args.apply, &args.out) {
        (Some(file), _) => measure(&args, ctx, &model, &photos, file)?,
        (None, Some(out)) => learn(&args, ctx, &model, &photos, out)?,
        (None, None) => unreachable!("clap requires --out or --apply"),
    }
    Ok(exit_code(failures))
}

fn learn(
    args: &Args,
    ctx: &Context,
    model: &Classifier,
    photos: &[Photo],
    out: &std::path::Path,
) -> Result<(), CliError> {
    let config = UniversalConfig {
        eps: args.eps,
        steps: args.steps,
        batch: args.batch,
        alpha: args.alpha,
        momentum: args.momentum,
        seed: args.seed,
    };
    ctx.note(&format!(
        "learning a universal perturbation for {} from {} photo(s): eps {}, {} steps of {} views",
        model.id(),
        photos.len(),
        config.eps,
        config.steps,
        config.batch
    ));
    let started = std::time::Instant::now();
    let images: Vec<_> = photos.iter().map(|p| p.image.clone()).collect();
    let truths: Vec<_> = photos.iter().map(|p| p.truth().clone()).collect();
    let mut bar = StepBar::new(config.steps, ctx.quiet);
    let noise = pollster::block_on(learn_universal(
        &Ensemble::single(model),
        &images,
        &truths,
        &config,
        &mut bar,
    ))?;
    bar.0.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let png = noise.to_png()?;
    std::fs::write(out, png)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", out.display())))?;
    let tally = rate(model, photos, &noise)?;
    let about = json!({
        "kind": "universal perturbation",
        "model": model.id().as_str(),
        "eps": config.eps,
        "size": noise.size,
        "config": config,
        "photos": photos.iter().map(Photo::shown).collect::<Vec<_>>(),
        "seconds": seconds,
        "fooled_training": {"fooled": tally.fooled, "counted": tally.counted, "ci95": tally.fooled_rate().wilson95()},
    });
    let json_path = out.with_extension("json");
    std::fs::write(&json_path, format!("{about:#}\n"))
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", json_path.display())))?;
    emit(format!(
        "{}: eps {}, learnt in {seconds:.1} s; fools {} on its own {} photo(s): {}",
        out.display(),
        config.eps,
        model.id(),
        photos.len(),
        tally.fooled_rate().describe()
    ))
}

fn measure(
    args: &Args,
    ctx: &Context,
    model: &Classifier,
    photos: &[Photo],
    file: &std::path::Path,
) -> Result<(), CliError> {
    let bytes = std::fs::read(file)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
    let noise = Universal::from_png(&bytes)
        .map_err(|e| CliError::usage(format!("{}: {e}", file.display())))?;
    let size = model.input_size();
    let noise = if noise.size == size {
        noise
    } else {
        ctx.note(&format!(
            "{}: the perturbation is {1}x{1}; resized to {2}'s {3}x{3} input",
            file.display(),
            noise.size,
            model.id(),
            size
        ));
        noise.resized(size)
    };
    if let Some(other) = noise.model.filter(|&m| m != model.id()) {
        ctx.note(&format!(
            "{}: learnt for {other}, measured on {} (a transfer)",
            file.display(),
            model.id()
        ));
    }
    let baseline = Universal::sign_noise(size, noise.eps, args.seed);
    let mut tally = Tally::default();
    let mut random = Tally::default();
    for photo in photos {
        let clean = classify(model, &photo.image)?;
        let noisy = classify(model, &noise.apply(&photo.image))?;
        let sign = classify(model, &baseline.apply(&photo.image))?;
        let verdict = fooled(photo.truth(), clean.index, noisy.index);
        tally.add(verdict);
        random.add(fooled(photo.truth(), clean.index, sign.index));
        if args.json {
            emit(json!({
                "path": photo.shown(),
                "clean": {"index": clean.index, "name": clean.name(), "prob": clean.prob},
                "noisy": {"index": noisy.index, "name": noisy.name(), "prob": noisy.prob},
                "fooled": verdict.fooled,
                "counted": verdict.counted,
            }))?;
        } else {
            emit(format!(
                "{:<10} {} -> {}  {}",
                verdict.word(),
                clean.name(),
                noisy.name(),
                photo.shown()
            ))?;
        }
    }
    if !args.json {
        emit(format!(
            "# fooled (the answer changes; with a label, it leaves the right classes): {}; random sign noise of eps {}: {}",
            tally.fooled_rate().describe(),
            noise.eps,
            random.fooled_rate().describe()
        ))?;
    }
    Ok(())
}

fn classify(
    model: &Classifier,
    image: &image::RgbImage,
) -> Result<crate::prediction::Prediction, CliError> {
    Ok(pollster::block_on(model.classify(image))?.top1())
}

/// The fooling rate of `noise` on `photos`.
fn rate(model: &Classifier, photos: &[Photo], noise: &Universal) -> Result<Tally, CliError> {
    let mut tally = Tally::default();
    for photo in photos {
        let clean = classify(model, &photo.image)?;
        let noisy = classify(model, &noise.apply(&photo.image))?;
        tally.add(fooled(photo.truth(), clean.index, noisy.index));
    }
    Ok(tally)
}
