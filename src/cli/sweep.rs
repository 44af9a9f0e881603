//! `gibbon sweep`: attack every image with several methods at several budgets, on one model
//! or more, and report the success rate of each with its 95% Wilson interval; `gibbon merge`:
//! the same report from the records of several shards.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::attack::{self, AttackParams, unique_models};
use super::{CliError, Context, ModelSpec, emit, parse_model_spec};
use crate::attacks::{Ensemble, Method};
use crate::models::Classifier;
use crate::study::{Record, RecordKind, Report, canonical, parse_records, record_kind};

/// Success rate against eps for several attacks and models, with 95% Wilson intervals.
///
/// Every image is attacked once per model, method and eps. Each attacked image becomes one
/// record (a JSON line); the report adds them up. `--out DIR` writes records.jsonl,
/// sweep.jsonl (one line per cell), sweep.csv and sweep.svg (the plot). With `--shard i/n`
/// a machine takes its share of the list; `gibbon merge` then makes the one report from
/// every shard's records.jsonl.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Models to attack, each on its own.
    #[arg(long, value_delimiter = ',', default_value = "efficientnet-lite0", value_parser = parse_model_spec, value_name = "MODELS")]
    models: Vec<ModelSpec>,

    /// Attacks to compare (any of `gibbon attack --method`).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "ifgsm",
        value_name = "METHODS"
    )]
    methods: Vec<Method>,

    /// Budgets, in pixel levels (0..255).
    #[arg(
        long = "eps",
        value_delimiter = ',',
        default_value = "1,2,4,8,16",
        value_name = "EPS,..."
    )]
    eps_values: Vec<f32>,

    /// Write records.jsonl, sweep.jsonl, sweep.csv and sweep.svg here.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Print one JSON line per cell instead of the table.
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    params: AttackParams,
}

/// Merge the records of sharded sweeps or transfer tests into the report one run gives.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// records.jsonl files written by `gibbon sweep --shard i/n --out DIR` or by
    /// `gibbon transfer --shard i/n --out DIR` (one kind at a time).
    #[arg(required = true, value_name = "RECORDS")]
    records: Vec<PathBuf>,

    /// Write the merged report here: records.jsonl and sweep.jsonl, sweep.csv and
    /// sweep.svg, or transfer.jsonl and transfer.csv.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Print one JSON line per cell instead of the table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    if args.eps_values.is_empty() || args.methods.is_empty() {
        return Err(CliError::usage(
            "--eps and --methods need at least one value each",
        ));
    }
    // Check every configuration before the first attack.
    let mut configs = Vec::new();
    for &method in &args.methods {
        let budgets: &[f32] = if method.uses_eps() {
            &args.eps_values
        } else {
            // An L2 attack or a fooling image has no eps: one cell, whatever --eps says.
            &[0.0]
        };
        for &eps in budgets {
            configs.push(args.params.config(method, eps)?);
        }
    }
    let inputs = args.params.inputs(args.methods[0])?;
    let models: Vec<Classifier> = unique_models(&args.models)
        .iter()
        .map(|m| ctx.load_model(m))
        .collect::<Result<_, _>>()?;
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::failed(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut records = Vec::new();
    let mut failures = 0;
    for model in &models {
        for config in &configs {
            attack::attack_all(
                ctx,
                &Ensemble::single(model),
                &inputs,
                &args.params.plan(config, None),
                &mut failures,
                |a| {
                    let o = &a.outcome;
                    records.push(Record {
                        index: a.index,
                        path: a.shown.clone(),
                        model: model.id().as_str().to_string(),
                        method: config.method,
                        eps: if config.method.uses_eps() {
                            config.eps
                        } else {
                            0.0
                        },
                        verdict: o.verdict(),
                        original: o.original_prediction.index,
                        adversarial: o.adversarial_prediction.index,
                        linf: o.distance.linf,
                        l2: o.distance.l2,
                    });
                    Ok(())
                },
            )?;
        }
    }
    let records = canonical(records).map_err(CliError::failed)?;
    report(&records, args.out.as_deref(), args.json)?;
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn merge(args: MergeArgs) -> Result<ExitCode, CliError> {
    let mut texts = Vec::new();
    for path in &args.records {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
        texts.push((path.display().to_string(), text));
    }
    // Every file holds one kind of record (or none): a sweep's or a transfer test's.
    let mut kinds: Vec<RecordKind> = texts.iter().filter_map(|(_, t)| record_kind(t)).collect();
    kinds.dedup();
    match kinds[..] {
        [] | [RecordKind::Sweep] => {
            let mut records: Vec<Record> = Vec::new();
            for (name, text) in &texts {
                records.extend(parse_records(text, name).map_err(CliError::usage)?);
            }
            let records = canonical(records).map_err(CliError::usage)?;
            report(&records, args.out.as_deref(), args.json)?;
        }
        [RecordKind::Transfer] => {
            let mut records = Vec::new();
            for (name, text) in &texts {
                records.extend(parse_records(text, name).map_err(CliError::usage)?);
            }
            super::transfer::merge(records, args.out.as_deref(), args.json)?;
        }
        _ => {
            return Err(CliError::usage(
                "the files hold records of both sweeps and transfer tests; merge each kind on its own",
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the report and writes its files.
fn report(records: &[Record], out: Option<&Path>, json: bool) -> Result<(), CliError> {
    let report = Report::from_records(records);
    if let Some(dir) = out {
        let title = "Attack success rate against eps";
        write_study(
            dir,
            records,
            [
                ("sweep.jsonl", report.json_lines()),
                ("sweep.csv", report.csv()),
                ("sweep.svg", report.svg(title)),
            ],
        )?;
    }
    if json {
        for line in report.json_lines().lines() {
            emit(line)?;
        }
        return Ok(());
    }
    emit(format!(
        "{:<20} {:<14} {:>5}  {:>7}  {:>5}  95% Wilson",
        "model", "method", "eps", "success", "rate"
    ))?;
    for c in &report.cells {
        let p = c.success;
        let (rate, ci) = match (p.rate(), p.wilson95()) {
            (Some(r), Some((lo, hi))) => (format!("{r:.2}"), format!("[{lo:.2}, {hi:.2}]")),
            _ => ("-".into(), "-".into()),
        };
        emit(format!(
            "{:<20} {:<14} {:>5}  {:>7}  {:>5}  {ci}",
            c.model,
            c.method.as_str(),
            c.eps,
            format!("{}/{}", p.hits, p.trials),
            rate
        ))?;
    }
    Ok(())
}

/// Writes a study's files into `dir`: records.jsonl (one record per line, what `gibbon merge`
/// reads) and each report file.
pub(super) fn write_study<const N: usize>(
    dir: &Path,
    records: &[impl serde::Serialize],
    reports: [(&str, String); N],
) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failed(format!("cannot create {}: {e}", dir.display())))?;
    let mut lines = String::new();
    for r in records {
        lines.push_str(&serde_json::to_string(r).expect("a record serialises"));
        lines.push('\n');
    }
    for (name, text) in std::iter::once(("records.jsonl", lines)).chain(reports) {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}
