//! `gibbon transfer`: the whole experiment of the 2018 article. Attack the images on each model
//! in turn, let every model judge every adversarial image, and print the transfer matrix.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::batch::{Row, attack_all, exit_code, unique_models};
use super::params::AttackOptions;
use super::report::{RULE, attacked_line, transfer_table, write_study};
use super::{CliError, Context, ModelSpec, emit, parse_model_spec};
use crate::attacks::Ensemble;
use crate::models::Classifier;
use crate::study::{TransferRecord, TransferReport, TransferStudy, canonical_transfer};

/// Attack on each model, judge with every model: the transfer matrix.
///
/// A cell counts the images made on the column's model that fool the row's model: its top-1
/// on the adversarial image is not a right class (images it already got wrong are left out),
/// or, for images without a label, differs from its answer on the original. Each cell gives
/// the count, the rate and its 95% Wilson interval.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Two or more models, each MODEL[=WEIGHTS], e.g. lite0,resnet152=resnet152-394f9c45.pth.
    #[arg(long, value_delimiter = ',', required = true, value_parser = parse_model_spec, value_name = "MODELS")]
    models: Vec<ModelSpec>,

    /// Save DIR/Original/<name>.png and DIR/<model>/<name>.png for every model, and the
    /// study: DIR/records.jsonl (one line per image and judge, what `gibbon merge` reads),
    /// DIR/transfer.jsonl (one line per cell) and DIR/transfer.csv.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// One JSON object per line per matrix cell instead of the tables.
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    options: AttackOptions,
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    let config = args.options.config()?;
    let inputs = args.options.inputs()?;
    let specs = unique_models(&args.models);
    if specs.len() < 2 {
        return Err(CliError::usage(
            "--models needs at least two different models",
        ));
    }
    let models: Vec<Classifier> = specs
        .iter()
        .map(|s| ctx.load_model(s))
        .collect::<Result<_, _>>()?;
    let ids: Vec<_> = models.iter().map(Classifier::id).collect();
    let mut records = Vec::new();
    let mut failures = 0;
    // rows[source]: how every model judged each image made on `source`.
    let mut rows: Vec<Vec<Row>> = Vec::new();
    for model in &models {
        if !args.json {
            emit(format!("# attacked on {}", model.id()))?;
        }
        let mut made = Vec::new();
        attack_all(
            ctx,
            &Ensemble::single(model),
            &inputs,
            &args.options.plan(&config, args.out.as_deref()),
            &mut failures,
            |a| {
                if !args.json {
                    emit(attacked_line(a))?;
                }
                let row = a.judge_by(&models)?;
                for j in &row.judgements {
                    records.push(TransferRecord {
                        index: a.index,
                        path: a.shown.clone(),
                        source: model.id().as_str().to_string(),
                        judge: j.model.as_str().to_string(),
                        method: config.method,
                        eps: config.eps,
                        verdict: row.verdict(j),
                        original: j.original.index,
                        adversarial: j.adversarial.index,
                    });
                }
                made.push(row);
                Ok(())
            },
        )?;
        rows.push(made);
    }
    let records = canonical_transfer(records).map_err(CliError::failed)?;
    if args.json {
        report(&records, args.out.as_deref(), true)?;
        return Ok(exit_code(failures));
    }
    // One table per (source, judge) pair.
    for (source, made) in ids.iter().zip(&rows) {
        for (j, judge) in ids.iter().enumerate() {
            if judge != source {
                transfer_table(source, judge, made, j)?;
            }
        }
    }
    report(&records, args.out.as_deref(), false)?;
    Ok(exit_code(failures))
}

/// Prints the matrices (a table, or JSON lines with `json`) and, with `out`, writes
/// records.jsonl, transfer.jsonl and transfer.csv there.
pub fn report(records: &[TransferRecord], out: Option<&Path>, json: bool) -> Result<(), CliError> {
    let report = TransferReport::from_records(records).map_err(CliError::usage)?;
    if let Some(dir) = out {
        write_study(
            dir,
            records,
            [
                ("transfer.jsonl", report.json_lines()),
                ("transfer.csv", report.csv()),
            ],
        )?;
    }
    if json {
        for line in report.json_lines().lines() {
            emit(line)?;
        }
        return Ok(());
    }
    for study in &report.studies {
        print_matrix(study)?;
    }
    Ok(())
}

/// The transfer matrix as a table: a row per judge, a column per source.
fn print_matrix(study: &TransferStudy) -> Result<(), CliError> {
    let (matrix, ids) = (&study.matrix, study.matrix.models());
    emit(format!(
        "# transfer matrix ({} eps {}): images that fool the row's model / images counted, by the model that made them{RULE}",
        study.method, study.eps
    ))?;
    let cells: Vec<Vec<String>> = ids
        .iter()
        .map(|&judge| {
            ids.iter()
                .map(|&source| matrix.cell(judge, source).fooled_rate().describe())
                .collect()
        })
        .collect();
    let width = ids
        .iter()
        .map(|m| m.as_str().len())
        .chain(cells.iter().flatten().map(String::len))
        .max()
        .unwrap_or(8)
        .max(14)
        + 2;
    let mut header = format!("{:<width$}", "judge \\ made on");
    for m in ids {
        header.push_str(&format!("{:<width$}", m.as_str()));
    }
    emit(header.trim_end())?;
    for (judge, row) in ids.iter().zip(&cells) {
        let mut line = format!("{:<width$}", judge.as_str());
        for text in row {
            line.push_str(&format!("{text:<width$}"));
        }
        emit(line.trim_end())?;
    }
    Ok(())
}
