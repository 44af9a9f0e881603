//! What the attack commands print and write: the 2018 article's table line, the JSON line of
//! an attacked image, the survival table, and a study's files.

use std::path::Path;

use serde_json::json;

use super::batch::{Attacked, Row};
use super::{CliError, emit};
use crate::attacks::{Ensemble, Judgement, Survival, Transform, Verdict};
use crate::imagenet;
use crate::prediction::Prediction;

/// How the summaries count, in one phrase.
pub const RULE: &str = " (top-1 not a right class; images a model got wrong before the attack are not counted; without a label, a changed answer)";

/// The table line of an attacked image on the attacked model itself.
pub fn attacked_line(a: &Attacked) -> String {
    let o = &a.outcome;
    table_line(
        &a.shown,
        o.goal.label(),
        &o.original_prediction,
        &o.adversarial_prediction,
    )
}

/// The transfer test's table (the 2018 article's `change_model` step): how judge `j` of
/// `rows` saw each image made on `source`.
pub fn transfer_table(
    source: impl std::fmt::Display,
    judge: impl std::fmt::Display,
    rows: &[Row],
    j: usize,
) -> Result<(), CliError> {
    emit(format!("# transfer: made on {source}, judged by {judge}"))?;
    for row in rows {
        emit(judged_line(row, &row.judgements[j]))?;
    }
    Ok(())
}

/// The table line of an attacked image as one judge saw it.
fn judged_line(row: &Row, judgement: &Judgement) -> String {
    table_line(
        &row.shown,
        row.goal.label(),
        &judgement.original,
        &judgement.adversarial,
    )
}

/// The 2018 article's line: `label : (pred, prob) --> (adv_pred, adv_prob)`, then the names.
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

/// One attacked image in `gibbon attack --json`: the outcome, the survival checks and how
/// each judge saw it.
pub fn json_line(
    a: &Attacked,
    row: &Row,
    ensemble: &Ensemble,
    survival: &[Survival],
) -> serde_json::Value {
    let o = &a.outcome;
    let label = o.goal.label();
    let mut line = json!({
        "index": a.index,
        "path": a.shown,
        "model": ensemble.primary().id().as_str(),
        "ensemble": (ensemble.members().len() > 1).then(|| ensemble.members().iter().map(|m| m.id().as_str()).collect::<Vec<_>>()),
        "method": o.config.method,
        "norm": o.config.method.norm(),
        "eps": o.config.method.uses_eps().then_some(o.config.eps),
        "alpha": o.config.alpha(),
        "resolution": o.config.resolution,
        "width": o.adversarial.width(),
        "height": o.adversarial.height(),
        "label": {"index": label, "name": imagenet::name(label)},
        "truth": o.truth,
        "original": prediction_json(&o.original_prediction),
        "adversarial": prediction_json(&o.adversarial_prediction),
        "adversarial_label_prob": o.adversarial_true_prob,
        "target": o.goal.target().map(|t| json!({"index": t, "name": imagenet::name(t), "prob": o.adversarial_target_prob})),
        "success": o.success(),
        "verdict": verdict_json(&o.verdict()),
        "linf": o.distance.linf,
        "l2": o.distance.l2,
        "psnr": if o.distance.psnr.is_finite() { json!(o.distance.psnr) } else { json!(null) },
        "ssim": o.distance.ssim,
        "steps": o.steps_run,
        "lattice_steps": o.lattice_steps,
        "rescued": o.rescued(),
        "history": o.history.iter().map(|r| json!({"step": r.step, "loss": r.loss, "label_prob": r.true_prob, "target_prob": r.target_prob})).collect::<Vec<_>>(),
        "saved": a.saved.as_ref().map(|p| p.display().to_string()),
        "survival": (!survival.is_empty()).then(|| survival.iter().map(|s| json!({
            "transform": s.transform.key(),
            "original": prediction_json(&s.original),
            "adversarial": prediction_json(&s.adversarial),
            "verdict": verdict_json(&s.verdict),
            "survived": s.survived(),
        })).collect::<Vec<_>>()),
        "transfer": row.judgements.iter().map(|j| {
            let v = row.verdict(j);
            json!({
                "model": j.model.as_str(),
                "original": prediction_json(&j.original),
                "adversarial": prediction_json(&j.adversarial),
                "success": v.goal_reached(),
                "verdict": verdict_json(&v),
            })
        }).collect::<Vec<_>>(),
    });
    // A score-based attack's questions to the model (Square).
    if let Some(queries) = o.queries {
        line["queries"] = json!(queries);
    }
    line
}

fn prediction_json(p: &Prediction) -> serde_json::Value {
    json!({"index": p.index, "name": p.name(), "prob": p.prob})
}

fn verdict_json(v: &Verdict) -> serde_json::Value {
    json!({"counted": v.counted, "fooled": v.fooled, "target_hit": v.target_hit})
}

/// The survival checks: a column per transform, a row per image, then the rates.
pub fn survival_table(model: &str, survivals: &[(String, Vec<Survival>)]) -> Result<(), CliError> {
    emit(format!(
        "# survival: does the adversarial image still reach its goal on {model} after each change? ('-': the changed original was not right either)"
    ))?;
    let mut header = String::new();
    for t in Transform::CHECKS {
        header.push_str(&format!("{:<11}", t.key()));
    }
    emit(format!("{header}image"))?;
    for (shown, checks) in survivals {
        let mut line = String::new();
        for s in checks {
            line.push_str(&format!("{:<11}", s.word()));
        }
        emit(format!("{line}{shown}"))?;
    }
    let rates: Vec<String> = Transform::CHECKS
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut p = crate::stats::Proportion::default();
            for (_, checks) in survivals {
                if let Some(s) = checks.get(i).filter(|s| s.verdict.counted) {
                    p.add(crate::stats::Proportion::new(s.survived() as usize, 1));
                }
            }
            format!("{} {}", t.key(), p.describe())
        })
        .collect();
    emit(format!("# survived: {}", rates.join("; ")))
}

/// Writes a study's files into `dir`: records.jsonl (one record per line, what `gibbon merge`
/// reads) and each report file.
pub fn write_study<const N: usize>(
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
