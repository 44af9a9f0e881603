//! `gibbon sweep`: attack every image with several methods at several budgets, on one model
//! or more, and report the success rate of each with its 95% Wilson interval.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::batch::{attack_all, exit_code, unique_models};
use super::params::AttackParams;
use super::report::write_study;
use super::{CliError, Context, ModelSpec, emit, parse_model_spec};
use crate::attacks::{Ensemble, Method};
use crate::models::Classifier;
use crate::study::{Record, Report, canonical};

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
            attack_all(
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
    Ok(exit_code(failures))
}

/// Prints the report and writes its files.
pub fn report(records: &[Record], out: Option<&Path>, json: bool) -> Result<(), CliError> {
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
