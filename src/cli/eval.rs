//! `gibbon eval`: robust accuracy the way the field measures it (AutoAttack's protocol), with
//! 95% Wilson intervals, as records that shards and resumed runs add up.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use image::RgbImage;

use super::batch::{exit_code, progress_bar};
use super::inputs::{self, Input};
use super::report::write_study;
use super::{CliError, Context, ModelChoice, emit};
use crate::attacks::{self, Ensemble, NoObserver, Suite, Truth};
use crate::imaging::{self, Preprocess};
use crate::models;
use crate::study::{EvalRecord, EvalReport, Shard, canonical_eval, parse_records};

/// How robust is this model? Clean and robust accuracy on a labelled list, AutoAttack's way.
///
/// Each image is classified; the images the model gets right are attacked by each attack of
/// the suite in turn, each on the images no earlier attack broke. An image counts as robust
/// only if every attack fails; robust accuracy is over every image of the list. The report
/// gives clean accuracy, robust accuracy after each attack and in the end, with 95% Wilson
/// intervals, and Square's queries.
///
/// Suites: standard is APGD-CE (100 steps), APGD-T (9 targets x 100 steps) and Square (5000
/// queries): AutoAttack's standard suite without FAB-T. fast is APGD-CE and APGD-T with 3
/// targets, 50 steps each. custom:A,B runs the attacks named, in that order. As the
/// benchmarks do, the adversarial images are judged unrounded (so eps may be below one
/// level, 0.25 = 0.25/255); --eight-bit judges the 8-bit image a user can save instead.
///
/// --out DIR writes records.jsonl (one line per image and eps) as it goes, then eval.jsonl
/// and eval.csv; --resume carries on a run that stopped, skipping the images DIR's records
/// already hold. With --shard i/n a machine takes its share of the list; `gibbon merge` adds
/// up every shard's records.jsonl.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    model: ModelChoice,

    /// Budgets in pixel levels (0..255): 4 means 4/255. 0 gives the clean accuracy.
    #[arg(
        long = "eps",
        value_delimiter = ',',
        default_value = "4",
        value_name = "EPS,...",
        allow_negative_numbers = true
    )]
    eps_values: Vec<f32>,

    /// standard, fast, or custom:ATTACK,... (e.g. custom:apgd-ce,square).
    #[arg(long, default_value = "standard", value_name = "SUITE")]
    suite: Suite,

    /// Judge the 8-bit rounded images (what a user saves) instead of the unrounded ones.
    #[arg(long)]
    eight_bit: bool,

    /// Write records.jsonl, eval.jsonl and eval.csv here.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Carry on the evaluation in --out: skip the images its records.jsonl holds.
    #[arg(long, requires = "out")]
    resume: bool,

    /// Print one JSON line per evaluation (model, suite, eps) instead of the table.
    #[arg(long)]
    json: bool,

    /// Evaluate N images together (one pass per step for all of them).
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=512))]
    batch: u16,

    /// How a photo becomes the model's square input.
    #[arg(long, default_value = "crop", value_name = "crop|stretch")]
    preprocess: Preprocess,

    /// Read images from FILE: lines of `path label` (every image needs its label).
    #[arg(long, value_name = "FILE")]
    list: Option<PathBuf>,

    /// Take only image k of the list where k mod n = i (0 <= i < n).
    #[arg(long, value_name = "i/n")]
    shard: Option<Shard>,

    /// Labelled images: photo.jpg:388, photo.jpg:"giant panda", cat.png:"tabby,tiger cat".
    #[arg(value_name = "IMAGE:LABEL")]
    images: Vec<String>,
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    if args.eps_values.is_empty() {
        return Err(CliError::usage("--eps needs at least one value"));
    }
    for &eps in &args.eps_values {
        if !(eps.is_finite() && (0.0..=255.0).contains(&eps)) {
            return Err(CliError::usage(format!(
                "--eps: eps must be a number from 0 to 255 (pixel units: 4 means 4/255), not {eps}"
            )));
        }
    }
    let all = inputs::collect(&args.images, args.list.as_deref())?;
    let unlabelled: Vec<String> = all
        .iter()
        .filter(|i| i.truth.known_label().is_none())
        .map(|i| i.path.display().to_string())
        .collect();
    if !unlabelled.is_empty() {
        return Err(CliError::usage(format!(
            "robust accuracy needs each image's label, and {} image(s) have none: {}{} (give one as photo.jpg:LABEL, or `path label` lines in --list)",
            unlabelled.len(),
            unlabelled[..unlabelled.len().min(3)].join(", "),
            if unlabelled.len() > 3 { ", ..." } else { "" }
        )));
    }
    let shard = args.shard.unwrap_or(Shard::ALL);
    let inputs: Vec<Input> = all.into_iter().filter(|i| shard.takes(i.index)).collect();
    let spec = args.model.spec()?;
    let model = ctx.load_model(&spec)?;
    let model_name = model.id().as_str().to_string();

    let records_path = args.out.as_ref().map(|d| d.join("records.jsonl"));
    let mut records = match (&records_path, args.resume) {
        (Some(path), true) if path.exists() => previous(path, &model_name, &args.suite)?,
        _ => Vec::new(),
    };
    let done: HashSet<(usize, u32)> = records.iter().map(|r| (r.index, r.eps.to_bits())).collect();
    let mut writer = match &records_path {
        Some(path) => {
            std::fs::create_dir_all(path.parent().expect("a folder"))
                .map_err(|e| CliError::failed(format!("cannot create {}: {e}", path.display())))?;
            Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(args.resume)
                    .write(true)
                    .truncate(!args.resume)
                    .open(path)
                    .map_err(|e| {
                        CliError::failed(format!("cannot write {}: {e}", path.display()))
                    })?,
            )
        }
        None => None,
    };
    ctx.note(&format!(
        "evaluating {model_name} on {} image(s), {} suite ({}), eps {}{}",
        inputs.len(),
        args.suite,
        args.suite
            .attacks
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        args.eps_values
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        if done.is_empty() {
            String::new()
        } else {
            format!("; {} done before", done.len())
        }
    ));
    let started = std::time::Instant::now();
    let ensemble = Ensemble::single(&model);
    let size = model.input_size() as u32;
    let mut failures = 0;
    let todo =
        inputs.len() * args.eps_values.len() - done.len().min(inputs.len() * args.eps_values.len());
    let progress = progress_bar(todo, ctx.quiet);
    for &eps in &args.eps_values {
        let pending: Vec<&Input> = inputs
            .iter()
            .filter(|i| !done.contains(&(i.index, eps.to_bits())))
            .collect();
        for chunk in pending.chunks(args.batch as usize) {
            let mut ready: Vec<(&Input, RgbImage)> = Vec::new();
            for input in chunk {
                match imaging::open(&input.path) {
                    Ok(photo) => {
                        ready.push((input, models::prepare(&photo, size, args.preprocess)))
                    }
                    Err(e) => {
                        progress.suspend(|| eprintln!("gibbon: {}: {e}", input.path.display()));
                        failures += 1;
                        progress.inc(1);
                    }
                }
            }
            if ready.is_empty() {
                continue;
            }
            let images: Vec<RgbImage> = ready.iter().map(|(_, image)| image.clone()).collect();
            let truths: Vec<Truth> = ready.iter().map(|(i, _)| i.truth.clone()).collect();
            let standings = pollster::block_on(attacks::evaluate(
                &ensemble,
                &images,
                &truths,
                eps,
                &args.suite,
                args.eight_bit,
                &mut NoObserver,
            ))
            .map_err(|e| CliError::from(e).context("evaluation"))?;
            for ((input, _), s) in ready.iter().zip(standings) {
                let record = EvalRecord {
                    index: input.index,
                    path: input.path.display().to_string(),
                    model: model_name.clone(),
                    suite: args.suite.name.clone(),
                    eps,
                    label: input.truth.known_label().expect("labelled"),
                    clean: s.clean.index,
                    correct: s.correct,
                    broken_by: s.broken_by,
                    adversarial: s.adversarial.map(|p| p.index),
                    queries: s.queries,
                    linf: s.linf,
                };
                if let Some(w) = writer.as_mut() {
                    let line = serde_json::to_string(&record).expect("a record serialises");
                    writeln!(w, "{line}")
                        .and_then(|_| w.flush())
                        .map_err(|e| CliError::failed(format!("cannot write records: {e}")))?;
                }
                records.push(record);
                progress.inc(1);
            }
        }
    }
    progress.finish_and_clear();
    let records = canonical_eval(records).map_err(CliError::failed)?;
    report(&records, &args.suite, args.out.as_deref(), args.json)?;
    ctx.note(&format!(
        "{} image(s) x {} eps in {:.1} s",
        inputs.len(),
        args.eps_values.len(),
        started.elapsed().as_secs_f64()
    ));
    Ok(exit_code(failures))
}

/// The records an earlier run left in `path`, which must be of this model and suite.
fn previous(path: &Path, model: &str, suite: &Suite) -> Result<Vec<EvalRecord>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::failed(format!("cannot read {}: {e}", path.display())))?;
    let records: Vec<EvalRecord> =
        parse_records(&text, &path.display().to_string()).map_err(CliError::usage)?;
    if let Some(other) = records
        .iter()
        .find(|r| r.model != model || r.suite != suite.name)
    {
        return Err(CliError::usage(format!(
            "{} holds an evaluation of {} with the {} suite, not {model} with {}; resume it with those, or use another --out",
            path.display(),
            other.model,
            other.suite,
            suite.name
        )));
    }
    Ok(records)
}

/// Prints the report of eval records and writes its files.
pub fn report(
    records: &[EvalRecord],
    suite: &Suite,
    out: Option<&Path>,
    json: bool,
) -> Result<(), CliError> {
    let report = EvalReport::from_records(records, &suite.attacks);
    if let Some(dir) = out {
        write_study(
            dir,
            records,
            [
                ("eval.jsonl", report.json_lines()),
                ("eval.csv", report.csv()),
            ],
        )?;
    }
    if json {
        for line in report.json_lines().lines() {
            emit(line)?;
        }
        return Ok(());
    }
    for line in report.table().lines() {
        emit(line)?;
    }
    Ok(())
}
