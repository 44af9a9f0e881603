//! One photo of the transfer matrix: attacked on each model, judged by each.

use super::scope::{self, say};
use super::state::Worker;
use super::{Cancel, Quiet, device_problem};
use crate::attacks::{self, AttackConfig, Truth};
use crate::imaging::Preprocess;
use crate::models;
use crate::worker::protocol::{Event, JobId, Problem};
use crate::zoo::ModelId;

/// Attacks the photo on each of `ids` and lets each judge each; nothing is reported unless
/// every attack completes.
pub async fn run(
    worker: &Worker,
    job: JobId,
    truth: Truth,
    ids: Vec<ModelId>,
    config: AttackConfig,
    cancel: Cancel,
) -> Result<bool, Problem> {
    config.validate().map_err(|e| Problem::of_attack(&e))?;
    let photo = worker.photo()?;
    let mut verdicts = Vec::new();
    for &source in &ids {
        let attacker = worker.model(source).await?;
        let input = models::prepare(&photo, source.input_size() as u32, Preprocess::Crop);
        let mut observer = Quiet(cancel.clone());
        let outcome = attacks::run(&attacker, &input, &truth, &config, &mut observer)
            .await
            .map_err(|e| Problem::of_attack(&e))?;
        if outcome.cancelled || cancel.get() {
            // A cancelled photo is not counted at all.
            return Ok(true);
        }
        for &judge in &ids {
            let model = worker.model(judge).await?;
            let resolution = outcome.config.resolution;
            let judgement =
                attacks::judge(&model, &outcome.original, &outcome.adversarial, resolution)
                    .await
                    .map_err(device_problem)?;
            verdicts.push((
                source,
                judge,
                judgement.verdict(&truth, outcome.goal.target()),
            ));
            scope::yield_now().await;
            if cancel.get() {
                return Ok(true);
            }
        }
    }
    say(&Event::MatrixPhoto { job, verdicts });
    Ok(false)
}
