//! `gibbon transfer`: the seed article's whole experiment. Attack the images on each model in
//! turn, then let every model judge every adversarial image, and print the transfer matrix.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::attack::{self, AttackOptions, Attacked};
use super::{CliError, Context, ModelSpec, parse_model_spec};
use crate::models::Classifier;

/// Attack on each model, judge with every model: the transfer matrix.
///
/// A cell counts the images made on the column's model that fool the row's model: its top-1 on
/// the adversarial image misses the true label (images it already got wrong are left out), or,
/// for images without a label, differs from its answer on the original.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Two or more models, each MODEL[=WEIGHTS], e.g. lite0,resnet152=resnet152-394f9c45.pth.
    #[arg(long, value_delimiter = ',', required = true, value_parser = parse_model_spec, value_name = "MODELS")]
    models: Vec<ModelSpec>,

    /// Save DIR/Original/<name>.png and DIR/<model>/<name>.png for every model.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// One JSON object per line per matrix cell instead of the tables.
    #[arg(long)]
    json: bool,

    #[command(flatten)]
    options: AttackOptions,
}

/// One cell of the matrix.
struct Cell {
    fooled: usize,
    counted: usize,
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    let config = args.options.config()?;
    let inputs = args.options.inputs()?;
    let mut specs = args.models.clone();
    specs.dedup_by_key(|s| s.id);
    if specs.len() < 2 {
        return Err(CliError::usage(
            "--models needs at least two different models",
        ));
    }
    let models: Vec<Classifier> = specs
        .iter()
        .map(|s| ctx.load_model(s))
        .collect::<Result<_, _>>()?;
    let mut failures = 0;
    let mut made: Vec<Vec<Attacked>> = Vec::new();
    for model in &models {
        if !args.json {
            println!("# attacked on {}", model.id());
        }
        let attacked = attack::attack_all(
            ctx,
            model,
            &inputs,
            &config,
            args.options.preprocess,
            args.out.as_deref(),
            &mut failures,
            |a| {
                if !args.json {
                    println!("{}", a.table_line());
                }
                Ok(())
            },
        )?;
        made.push(attacked);
    }

    // cells[judge][source]
    let mut cells: Vec<Vec<Cell>> = Vec::new();
    for judge in &models {
        let mut row = Vec::new();
        for (source, attacked) in models.iter().zip(&made) {
            let mut cell = Cell {
                fooled: 0,
                counted: 0,
            };
            let table = !args.json && judge.id() != source.id();
            if table {
                // The seed's change_model table, one per (source, judge) pair.
                println!(
                    "# transfer: made on {}, judged by {}",
                    source.id(),
                    judge.id()
                );
            }
            for a in attacked {
                let label = a.label;
                let v = attack::judge_one(judge, &a.outcome)?;
                let (counts, fooled) = match label {
                    Some(l) => (v.original.index == l, v.adversarial.index != l),
                    None => (true, v.adversarial.index != v.original.index),
                };
                if counts {
                    cell.counted += 1;
                    cell.fooled += fooled as usize;
                }
                if table {
                    println!(
                        "{}",
                        attack::table_line(
                            &a.shown,
                            a.outcome.goal.label(),
                            &v.original,
                            &v.adversarial
                        )
                    );
                }
            }
            row.push(cell);
        }
        cells.push(row);
    }

    if args.json {
        for (judge, row) in models.iter().zip(&cells) {
            for (source, cell) in models.iter().zip(row) {
                println!(
                    "{}",
                    json!({
                        "judge": judge.id().as_str(),
                        "source": source.id().as_str(),
                        "fooled": cell.fooled,
                        "of": cell.counted,
                        "rate": rate(cell),
                        "method": config.method,
                        "eps": config.eps,
                    })
                );
            }
        }
    } else {
        println!(
            "# transfer matrix: images that fool the row's model / images counted, by the model that made them{}",
            if inputs.iter().all(|i| i.label.is_some()) {
                " (fooled: top-1 misses the label; images the row's model got wrong anyway are not counted)"
            } else {
                " (fooled: the model's answer changed; with labels: top-1 misses the label)"
            }
        );
        let width = models
            .iter()
            .map(|m| m.id().as_str().len())
            .max()
            .unwrap_or(8)
            .max(14)
            + 2;
        let mut header = format!("{:<width$}", "judge \\ made on");
        for m in &models {
            header.push_str(&format!("{:<width$}", m.id().as_str()));
        }
        println!("{}", header.trim_end());
        for (judge, row) in models.iter().zip(&cells) {
            let mut line = format!("{:<width$}", judge.id().as_str());
            for cell in row {
                let text = match rate(cell) {
                    Some(r) => format!("{}/{} ({:.0}%)", cell.fooled, cell.counted, r * 100.0),
                    None => "-".to_string(),
                };
                line.push_str(&format!("{text:<width$}"));
            }
            println!("{}", line.trim_end());
        }
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn rate(cell: &Cell) -> Option<f64> {
    (cell.counted > 0).then(|| cell.fooled as f64 / cell.counted as f64)
}
