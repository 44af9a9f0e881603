//! `gibbon attack`: the workflow of the 2018 article. Attack each image on one model, print
//! `label : (pred, prob) --> (adv_pred, adv_prob)`, save original and adversarial PNGs, and
//! judge the same adversarial images on other models (the transfer test).

use std::path::PathBuf;
use std::process::ExitCode;

use super::batch::{attack_all, exit_code, unique_models};
use super::params::AttackOptions;
use super::report::{RULE, attacked_line, json_line, survival_table, transfer_table};
use super::{CliError, Context, ModelChoice, ModelSpec, emit, parse_model_spec};
use crate::attacks::{self, Ensemble, Method, Survival, TransferMatrix, Transform};
use crate::models::Classifier;

/// Make adversarial examples and report how each model classifies them.
///
/// The adversarial image is rounded to 8 bits before it is classified: the prediction shown
/// is always the one of the PNG that --out saves.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    model: ModelChoice,

    /// Save DIR/Original/<name>.png and DIR/<model>/<name>.png (8-bit, lossless).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Also judge the adversarial images with these models, e.g. lite1,resnet18=r18.pth.
    #[arg(long, value_delimiter = ',', value_parser = parse_model_spec, value_name = "MODELS")]
    transfer: Vec<ModelSpec>,

    /// Attack --model and these models together (their average loss; images at --model's
    /// input size, resized for the others inside the graph). Each member also judges.
    #[arg(long, value_delimiter = ',', value_parser = parse_model_spec, value_name = "MODELS")]
    ensemble: Vec<ModelSpec>,

    /// One JSON object per line per image instead of the table.
    #[arg(long)]
    json: bool,

    /// Check whether each adversarial image survives JPEG (quality 95, 75, 50), downscaling
    /// (to 75% and 50%), 5-bit colour and a 3x3 median filter: a `survival` list in --json,
    /// a table and rates otherwise.
    #[arg(long)]
    survival: bool,

    #[command(flatten)]
    options: AttackOptions,
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    let config = args.options.config()?;
    let inputs = args.options.inputs()?;
    let spec = args.model.spec()?;
    let model = ctx.load_model(&spec)?;
    let members: Vec<Classifier> = unique_models(&args.ensemble)
        .iter()
        .filter(|m| m.id != spec.id)
        .map(|m| ctx.load_model(m))
        .collect::<Result<_, _>>()?;
    let ensemble = Ensemble::new(std::iter::once(&model).chain(&members).collect())?;
    // With an ensemble, every member judges too; the attacked "model" is the ensemble.
    let mut judge_specs: Vec<ModelSpec> = args.ensemble.clone();
    judge_specs.extend(args.transfer.iter().cloned());
    let judge_specs: Vec<ModelSpec> = unique_models(&judge_specs)
        .into_iter()
        .filter(|m| m.id != spec.id)
        .collect();
    // A single model's own verdict is its outcome's; an ensemble's members each judge alone
    // (loaded once more: the members are borrowed by the ensemble).
    let mut judges: Vec<Classifier> = Vec::new();
    if !members.is_empty() {
        judges.push(ctx.load_model(&spec)?);
    }
    for js in &judge_specs {
        judges.push(ctx.load_model(js)?);
    }
    let source = ensemble.primary().id();
    let mut matrix = TransferMatrix::new(&[source]);
    let mut ensemble_tally = attacks::Tally::default();
    let mut rows = Vec::new();
    let (mut refined, mut rescued) = (0usize, 0usize);
    let mut survivals: Vec<(String, Vec<Survival>)> = Vec::new();
    let mut failures = 0;
    attack_all(
        ctx,
        &ensemble,
        &inputs,
        &args.options.plan(&config, args.out.as_deref()),
        &mut failures,
        |a| {
            let row = a.judge_by(&judges)?;
            refined += usize::from(a.outcome.lattice_steps > 0);
            rescued += usize::from(a.outcome.rescued());
            let survival = if args.survival {
                pollster::block_on(attacks::check_survival(
                    &ensemble,
                    &a.outcome,
                    &Transform::CHECKS,
                ))
                .map_err(|e| CliError::from(e).context("survival check"))?
            } else {
                Vec::new()
            };
            if members.is_empty() {
                matrix.add(source, source, a.outcome.verdict());
            } else {
                ensemble_tally.add(a.outcome.verdict());
            }
            for j in &row.judgements {
                matrix.add(source, j.model, row.verdict(j));
            }
            if args.json {
                emit(json_line(a, &row, &ensemble, &survival))?;
            } else {
                emit(attacked_line(a))?;
            }
            rows.push(row);
            survivals.push((a.shown.clone(), survival));
            Ok(())
        },
    )?;

    if !args.json && !rows.is_empty() {
        for (i, judge) in judges.iter().enumerate() {
            transfer_table(ensemble.describe(), judge.id(), &rows, i)?;
        }
        let targeted = config.method.needs_target() || config.target.is_some();
        let describe = |name: &str, tally: &attacks::Tally| {
            let mut text = format!("{name} {}", tally.fooled_rate().describe());
            if targeted || config.method == Method::LeastLikely {
                text.push_str(&format!(", target {}", tally.target_rate().describe()));
            }
            text
        };
        let mut summary: Vec<String> = Vec::new();
        if !members.is_empty() {
            summary.push(describe("the ensemble", &ensemble_tally));
        }
        summary.extend(
            matrix
                .models()
                .iter()
                .map(|&judge| describe(judge.as_str(), &matrix.cell(judge, source))),
        );
        emit(format!("# fooled{RULE}: {}", summary.join("; ")))?;
        if config.refine > 0 {
            emit(format!(
                "# lattice refinement: {refined} rounded result(s) missed the goal; {rescued} rescued in at most {} whole-level step(s)",
                config.refine
            ))?;
        }
        if args.survival {
            survival_table(&ensemble.describe(), &survivals)?;
        }
    }
    Ok(exit_code(failures))
}
