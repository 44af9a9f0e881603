//! `gibbon attack`: the seed article's workflow. Attack each image on one model, print
//! `label : (pred, prob) --> (adv_pred, adv_prob)`, save original and adversarial PNGs, and
//! judge the same adversarial images on other models (the transfer test).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use image::RgbImage;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::{CliError, Context, inputs, parse_model};
use crate::attacks::{self, AttackConfig, AttackOutcome, Method, NoObserver};
use crate::imagenet;
use crate::imaging::{self, Preprocess};
use crate::models::{Classifier, ModelId};
use crate::prediction::Prediction;

/// Make adversarial examples and report how each model classifies them.
///
/// The adversarial image is rounded to 8 bits before it is classified: the prediction shown
/// is always the one of the PNG that --out saves.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Model to attack.
    #[arg(long, short, default_value = "efficientnet-lite0", value_parser = parse_model)]
    model: ModelId,

    /// fgsm, fgsm-targeted, ifgsm (BIM), ill (iterative least-likely), targeted, pgd, mi-fgsm.
    #[arg(long, default_value = "ill")]
    method: Method,

    /// Largest change of any pixel, in 0..255 units (8 = 8/255 of the range).
    #[arg(long, default_value_t = 8.0, allow_negative_numbers = true)]
    eps: f32,

    /// Step size in pixel units [default: 1, or eps for one-step methods].
    #[arg(long, allow_negative_numbers = true)]
    alpha: Option<f32>,

    /// Iterations [default: int(min(eps + 4, 1.25 * eps)), the seed's].
    #[arg(long)]
    steps: Option<usize>,

    /// Target class for targeted methods: an index or a name ("gibbon").
    #[arg(long, value_name = "CLASS")]
    target: Option<String>,

    /// Stop as soon as the goal is reached.
    #[arg(long)]
    early_stop: bool,

    /// Decay of the accumulated gradient (mi-fgsm).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    momentum: f32,

    /// Seed of the random start (pgd).
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// Save DIR/Original/<name>.png and DIR/<model>/<name>.png (8-bit, lossless).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Also judge the adversarial images with these models, e.g. lite1,lite2.
    #[arg(long, value_delimiter = ',', value_parser = parse_model, value_name = "MODELS")]
    transfer: Vec<ModelId>,

    /// One JSON object per line per image instead of the table.
    #[arg(long)]
    json: bool,

    /// How a photo becomes the model's square input.
    #[arg(long, default_value = "crop", value_name = "crop|stretch")]
    preprocess: Preprocess,

    /// Read images from FILE: lines of `path label`, like the seed's lists.
    #[arg(long, value_name = "FILE")]
    list: Option<PathBuf>,

    /// Images, each optionally with its true class: photo.jpg:388 or photo.jpg:"giant panda".
    #[arg(value_name = "IMAGE[:LABEL]")]
    images: Vec<String>,
}

/// What one model says about an original and its adversarial image.
struct Verdict {
    model: ModelId,
    original: Prediction,
    adversarial: Prediction,
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    let target = match &args.target {
        Some(t) => Some(
            imagenet::lookup(t)
                .map_err(|e| CliError::usage(e.to_string()))?
                .index,
        ),
        None => None,
    };
    if target.is_some() && !args.method.accepts_target() {
        return Err(CliError::usage(format!(
            "--target does not apply to {}; use fgsm-targeted, targeted, pgd or mi-fgsm",
            args.method
        )));
    }
    let config = AttackConfig {
        alpha: args.alpha,
        steps: args.steps,
        target,
        early_stop: args.early_stop,
        momentum: args.momentum,
        seed: args.seed,
        ..AttackConfig::new(args.method, args.eps)
    };
    config.validate()?;
    let inputs = inputs::collect(&args.images, args.list.as_deref())?;
    let stems = inputs::unique_stems(&inputs);
    let model = ctx.load_model(args.model)?;
    let transfer: Vec<Classifier> = args
        .transfer
        .iter()
        .filter(|&&m| m != args.model)
        .map(|&m| ctx.load_model(m))
        .collect::<Result<_, _>>()?;
    if let Some(dir) = &args.out {
        for sub in ["Original", args.model.as_str()] {
            std::fs::create_dir_all(dir.join(sub)).map_err(|e| {
                CliError::failed(format!("cannot create {}: {e}", dir.join(sub).display()))
            })?;
        }
    }
    ctx.note(&format!(
        "{} on {}: eps {}, alpha {}, {} step(s)",
        args.method.title(),
        args.model,
        config.eps,
        config.alpha(),
        config.steps()
    ));

    let progress = progress_bar(inputs.len(), ctx.quiet);
    let mut results: Vec<(String, AttackOutcome, Vec<Verdict>)> = Vec::new();
    let mut failures = 0;
    for (input, stem) in inputs.iter().zip(&stems) {
        let shown = input.path.display().to_string();
        progress.set_message(shown.clone());
        match attack_one(input, stem, &model, &transfer, &config, &args) {
            Ok((outcome, verdicts, saved)) => {
                if args.json {
                    progress.suspend(|| {
                        println!(
                            "{}",
                            json_line(&shown, &outcome, &verdicts, saved.as_deref(), args.model)
                        )
                    });
                } else {
                    progress.suspend(|| {
                        println!(
                            "{}",
                            table_line(
                                &shown,
                                outcome.goal.label(),
                                &outcome.original_prediction,
                                &outcome.adversarial_prediction
                            )
                        )
                    });
                }
                results.push((shown, outcome, verdicts));
            }
            Err(e) => {
                progress.suspend(|| eprintln!("gibbon: {shown}: {}", e.message));
                failures += 1;
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();

    if !args.json && !results.is_empty() {
        for (i, judge) in transfer.iter().enumerate() {
            println!(
                "# transfer: made on {}, judged by {}",
                args.model,
                judge.id()
            );
            for (shown, outcome, verdicts) in &results {
                let v = &verdicts[i];
                println!(
                    "{}",
                    table_line(shown, outcome.goal.label(), &v.original, &v.adversarial)
                );
            }
        }
        let fooled = results.iter().filter(|(_, o, _)| o.success()).count();
        let mut summary = format!(
            "# {}: goal reached on {fooled}/{} image(s)",
            args.model,
            results.len()
        );
        for (i, judge) in transfer.iter().enumerate() {
            let reached = results
                .iter()
                .filter(|(_, o, v)| o.goal.reached_by(v[i].adversarial.index))
                .count();
            let changed = results
                .iter()
                .filter(|(_, _, v)| v[i].adversarial.index != v[i].original.index)
                .count();
            summary.push_str(&format!(
                "; {}: goal reached on {reached}/{n}, its top-1 changed on {changed}/{n}",
                judge.id(),
                n = results.len()
            ));
        }
        println!("{summary}");
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn attack_one(
    input: &inputs::Input,
    stem: &str,
    model: &Classifier,
    transfer: &[Classifier],
    config: &AttackConfig,
    args: &Args,
) -> Result<(AttackOutcome, Vec<Verdict>, Option<PathBuf>), CliError> {
    let photo = imaging::open(&input.path)?;
    let image = imaging::prepare(&photo, model.input_size() as u32, args.preprocess);
    let outcome = pollster::block_on(attacks::run(
        model,
        &image,
        input.label,
        config,
        &mut NoObserver,
    ))?;
    let saved = match &args.out {
        Some(dir) => {
            save_png(
                &outcome.original,
                &dir.join("Original").join(format!("{stem}.png")),
            )?;
            let path = dir.join(args.model.as_str()).join(format!("{stem}.png"));
            save_png(&outcome.adversarial, &path)?;
            Some(path)
        }
        None => None,
    };
    let verdicts = transfer
        .iter()
        .map(|judge| {
            // The judge sees the saved images, resized to its own input if it differs.
            let size = judge.input_size() as u32;
            let original = imaging::prepare(&outcome.original, size, Preprocess::Stretch);
            let adversarial = imaging::prepare(&outcome.adversarial, size, Preprocess::Stretch);
            Ok(Verdict {
                model: judge.id(),
                original: pollster::block_on(judge.classify(&original))?.top1(),
                adversarial: pollster::block_on(judge.classify(&adversarial))?.top1(),
            })
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    Ok((outcome, verdicts, saved))
}

fn save_png(image: &RgbImage, path: &Path) -> Result<(), CliError> {
    let bytes = imaging::encode_png(image)?;
    std::fs::write(path, bytes)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))
}

/// The seed's line: `label : (pred, prob) --> (adv_pred, adv_prob)`, then the names.
fn table_line(
    shown: &str,
    label: usize,
    original: &Prediction,
    adversarial: &Prediction,
) -> String {
    format!(
        "{label:>3} : ({:>3}, {:.3}) --> ({:>3}, {:.3})  {shown}: {} -> {}",
        original.index,
        original.prob,
        adversarial.index,
        adversarial.prob,
        imagenet::name(label),
        adversarial.name()
    )
}

fn prediction_json(p: &Prediction) -> serde_json::Value {
    json!({"index": p.index, "name": p.name(), "prob": p.prob})
}

fn json_line(
    shown: &str,
    o: &AttackOutcome,
    verdicts: &[Verdict],
    saved: Option<&Path>,
    model: ModelId,
) -> serde_json::Value {
    let label = o.goal.label();
    json!({
        "path": shown,
        "model": model.as_str(),
        "method": o.config.method,
        "eps": o.config.eps,
        "alpha": o.config.alpha(),
        "label": {"index": label, "name": imagenet::name(label)},
        "original": prediction_json(&o.original_prediction),
        "adversarial": prediction_json(&o.adversarial_prediction),
        "adversarial_label_prob": o.adversarial_true_prob,
        "target": o.goal.target().map(|t| json!({"index": t, "name": imagenet::name(t), "prob": o.adversarial_target_prob})),
        "success": o.success(),
        "linf": o.distance.linf,
        "l2": o.distance.l2,
        "psnr": if o.distance.psnr.is_finite() { json!(o.distance.psnr) } else { json!(null) },
        "ssim": o.distance.ssim,
        "steps": o.steps_run,
        "history": o.history.iter().map(|r| json!({"step": r.step, "loss": r.loss, "label_prob": r.true_prob, "target_prob": r.target_prob})).collect::<Vec<_>>(),
        "saved": saved.map(|p| p.display().to_string()),
        "transfer": verdicts.iter().map(|v| json!({
            "model": v.model.as_str(),
            "original": prediction_json(&v.original),
            "adversarial": prediction_json(&v.adversarial),
            "success": o.goal.reached_by(v.adversarial.index),
        })).collect::<Vec<_>>(),
    })
}

fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    if quiet || len < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}").unwrap(),
    );
    bar
}
