//! `gibbon patch`: a round sticker that makes a model see one class wherever it is placed
//! (Brown et al. 2017), as a PNG to print, and its success on photos it never saw.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::batch::exit_code;
use super::learning::{self, Photo, StepBar};
use super::{CliError, Context, ModelChoice, emit};
use crate::attacks::random::SplitMix64;
use crate::attacks::{
    Ensemble, Patch, PatchConfig, Placement, Tally, Truth, Verdict, check_scale, learn_patch,
};
use crate::imagenet;
use crate::imaging::Preprocess;

/// Learn an adversarial patch to print, or measure one on photos.
///
/// Learning (--out): the patch is placed on the photos at random places, sizes (a share of
/// the photo's area from --min-scale to --max-scale, 5-25% as in Brown et al.), turns and
/// brightness, seen through a simulated camera (slight blur, noise, a colour shift, a JPEG
/// round trip), and its pixels follow the gradient towards --target. The PNG is the disc at
/// --diameter-cm on a 300 dpi printer, with a cut line; a JSON file beside it says how it was
/// made. --resume starts from the patch in --out and learns on.
///
/// Measuring (--apply): the patch placed at random on each photo (--placements times, at each
/// --scale), and the share of placements where the model sees the target, with its 95%
/// Wilson interval.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    model: ModelChoice,

    /// Learn a patch and save it as this PNG, at print size (and a .json beside it).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "apply",
        required_unless_present = "apply"
    )]
    out: Option<PathBuf>,

    /// Measure this patch PNG on the photos instead of learning one.
    #[arg(long, value_name = "FILE")]
    apply: Option<PathBuf>,

    /// The class the patch makes the model see: an index or a name.
    #[arg(long, default_value = "toaster", value_name = "CLASS")]
    target: String,

    /// Steps of Adam.
    #[arg(long, default_value_t = PatchConfig::default().steps)]
    steps: usize,

    /// Placements per step.
    #[arg(long, default_value_t = PatchConfig::default().batch)]
    batch: usize,

    /// Adam's learning rate, in levels.
    #[arg(long, default_value_t = PatchConfig::default().learning_rate)]
    learning_rate: f32,

    /// Learning: the smallest share of a photo's area the patch covers.
    #[arg(long, default_value_t = PatchConfig::default().min_scale)]
    min_scale: f32,

    /// Learning: the largest share of a photo's area the patch covers.
    #[arg(long, default_value_t = PatchConfig::default().max_scale)]
    max_scale: f32,

    /// The learnt patch's side, in pixels.
    #[arg(long, default_value_t = PatchConfig::default().side)]
    side: usize,

    /// The printed disc's diameter, in centimetres.
    #[arg(long, default_value_t = 5.0, value_name = "CM")]
    diameter_cm: f32,

    /// Learning: start from the patch in --out and learn on.
    #[arg(long)]
    resume: bool,

    /// Measuring: the patch's share of each photo's area, one value or several (0.05,0.1,...).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.1",
        allow_negative_numbers = true
    )]
    scale: Vec<f32>,

    /// Measuring: random placements per photo and scale.
    #[arg(long, default_value_t = 5)]
    placements: usize,

    /// Seed of the placements.
    #[arg(long, default_value_t = PatchConfig::default().seed)]
    seed: u64,

    /// One JSON line per scale (with --apply) instead of the table.
    #[arg(long)]
    json: bool,

    /// How a photo becomes the model's square input.
    #[arg(long, default_value = "crop", value_name = "crop|stretch")]
    preprocess: Preprocess,

    /// Read photos from FILE (lines of `path [label]`).
    #[arg(long, value_name = "FILE")]
    list: Option<PathBuf>,

    /// Photos.
    #[arg(value_name = "IMAGE")]
    images: Vec<String>,
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    for &s in args.scale.iter().chain([&args.min_scale, &args.max_scale]) {
        check_scale(s).map_err(|e| CliError::usage(format!("--scale: {e}")))?;
    }
    if args.min_scale > args.max_scale {
        return Err(CliError::usage("--min-scale is above --max-scale"));
    }
    if !(args.diameter_cm > 0.5 && args.diameter_cm <= 100.0) {
        return Err(CliError::usage("--diameter-cm: a disc from 0.5 to 100 cm"));
    }
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
        (Some(file), _) => measure(&args, &model, &photos, file)?,
        (None, Some(out)) => learn(&args, ctx, &model, &photos, out)?,
        (None, None) => unreachable!("clap requires --out or --apply"),
    }
    Ok(exit_code(failures))
}

fn read_patch(file: &std::path::Path) -> Result<Patch, CliError> {
    let bytes = std::fs::read(file)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
    Patch::from_png(&bytes).map_err(|e| CliError::usage(format!("{}: {e}", file.display())))
}

fn learn(
    args: &Args,
    ctx: &Context,
    model: &crate::models::Classifier,
    photos: &[Photo],
    out: &std::path::Path,
) -> Result<(), CliError> {
    let target = imagenet::lookup(&args.target)
        .map_err(|e| CliError::usage(format!("--target: {e}")))?
        .index;
    let config = PatchConfig {
        target,
        steps: args.steps,
        batch: args.batch,
        learning_rate: args.learning_rate,
        min_scale: args.min_scale,
        max_scale: args.max_scale,
        side: args.side,
        seed: args.seed,
    };
    let start = if args.resume && out.exists() {
        let patch = read_patch(out)?;
        if patch.target != target {
            return Err(CliError::usage(format!(
                "{} aims at {}, not {}: resume it with its own --target",
                out.display(),
                imagenet::name(patch.target),
                imagenet::name(target)
            )));
        }
        Some(patch)
    } else {
        None
    };
    ctx.note(&format!(
        "learning a patch that makes {} see '{}' from {} photo(s): {} steps of {} placements, {:.0}-{:.0}% of the photo",
        model.id(),
        imagenet::name(target),
        photos.len(),
        config.steps,
        config.batch,
        config.min_scale * 100.0,
        config.max_scale * 100.0
    ));
    let started = std::time::Instant::now();
    let images: Vec<_> = photos.iter().map(|p| p.image.clone()).collect();
    let mut bar = StepBar::new(config.steps, ctx.quiet);
    let patch = pollster::block_on(learn_patch(
        &Ensemble::single(model),
        &images,
        &config,
        start,
        &mut bar,
    ))?;
    bar.0.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    std::fs::write(out, patch.print_png(args.diameter_cm)?)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", out.display())))?;
    let hits = success(
        model,
        photos,
        &patch,
        (config.min_scale + config.max_scale) / 2.0,
        3,
        config.seed,
    )?;
    let about = json!({
        "kind": "adversarial patch",
        "model": model.id().as_str(),
        "target": {"index": target, "name": imagenet::name(target)},
        "config": config,
        "diameter_cm": args.diameter_cm,
        "photos": photos.iter().map(Photo::shown).collect::<Vec<_>>(),
        "seconds": seconds,
    });
    let json_path = out.with_extension("json");
    std::fs::write(&json_path, format!("{about:#}\n"))
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", json_path.display())))?;
    emit(format!(
        "{}: a {} cm disc to print at 300 dpi, learnt in {seconds:.1} s; on its own photos at {:.0}% of the area it makes {} see '{}' {}",
        out.display(),
        args.diameter_cm,
        (config.min_scale + config.max_scale) * 50.0,
        model.id(),
        imagenet::name(target),
        hits.target_rate().describe()
    ))
}

/// The patch placed `placements` times at random on each photo, covering `scale` of it.
fn success(
    model: &crate::models::Classifier,
    photos: &[Photo],
    patch: &Patch,
    scale: f32,
    placements: usize,
    seed: u64,
) -> Result<Tally, CliError> {
    let mut rng = SplitMix64(seed ^ 0x70_6c61_6365);
    let mut tally = Tally::default();
    for photo in photos {
        let (w, h) = photo.image.dimensions();
        for _ in 0..placements {
            let probe = Placement::covering(scale, w, h, 0.0, 0.0, 0.0);
            let r = probe.diameter / 2.0;
            let x = r + (w as f32 - 2.0 * r).max(0.0) * rng.unit() as f32;
            let y = r + (h as f32 - 2.0 * r).max(0.0) * rng.unit() as f32;
            let angle = (rng.unit() as f32 * 2.0 - 1.0) * std::f32::consts::PI;
            let placement = Placement::covering(scale, w, h, x, y, angle);
            let seen =
                pollster::block_on(model.classify(&patch.place(&photo.image, &placement)))?.top1();
            // Every placement counts: a targeted success is the target, whatever the photo was.
            tally.add(Verdict::decide(
                &Truth::Unknown,
                Some(patch.target),
                usize::MAX,
                seen.index,
            ));
        }
    }
    Ok(tally)
}

fn measure(
    args: &Args,
    model: &crate::models::Classifier,
    photos: &[Photo],
    file: &std::path::Path,
) -> Result<(), CliError> {
    let patch = read_patch(file)?;
    for &scale in &args.scale {
        let tally = success(model, photos, &patch, scale, args.placements, args.seed)?;
        if args.json {
            let rate = tally.target_rate();
            emit(json!({
                "scale": scale,
                "target": {"index": patch.target, "name": imagenet::name(patch.target)},
                "placements": rate.trials,
                "hits": rate.hits,
                "rate": rate.rate(),
                "ci95": rate.wilson95(),
            }))?;
        } else {
            emit(format!(
                "{:>3.0}% of the photo: {} sees '{}' {}",
                scale * 100.0,
                model.id(),
                imagenet::name(patch.target),
                tally.target_rate().describe()
            ))?;
        }
    }
    Ok(())
}
