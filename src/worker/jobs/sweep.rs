//! The eps sweep of the photo: one attack per budget, each reported as it is done.

use super::scope::say;
use super::state::Worker;
use super::{Cancel, Quiet};
use crate::attacks::{self, AttackConfig, Truth};
use crate::imaging::Preprocess;
use crate::models;
use crate::worker::protocol::{Event, JobId, MAX_SWEEP_POINTS, Problem, Say, SweepPoint};
use crate::zoo::ModelId;

/// Attacks the photo with `config`'s method at each of `eps`.
pub async fn run(
    worker: &Worker,
    job: JobId,
    id: ModelId,
    truth: Truth,
    config: AttackConfig,
    eps: Vec<f32>,
    cancel: Cancel,
) -> Result<bool, Problem> {
    if eps.is_empty() || eps.len() > MAX_SWEEP_POINTS {
        return Err(Problem::new(Say::SweepPoints(MAX_SWEEP_POINTS)));
    }
    let configs = eps
        .iter()
        .map(|&e| {
            let c = AttackConfig {
                eps: e,
                ..config.clone()
            };
            c.validate().map(|_| c).map_err(|e| Problem::of_attack(&e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let model = worker.model(id).await?;
    let input = models::prepare(&*worker.photo()?, id.input_size() as u32, Preprocess::Crop);
    for config in configs {
        let mut observer = Quiet(cancel.clone());
        let outcome = attacks::run(&model, &input, &truth, &config, &mut observer)
            .await
            .map_err(|e| Problem::of_attack(&e))?;
        if outcome.cancelled || cancel.get() {
            return Ok(true);
        }
        let point = SweepPoint {
            eps: config.eps,
            success: outcome.success(),
            true_prob: outcome.adversarial_true_prob,
            linf: outcome.distance.linf,
        };
        say(&Event::SweepPoint { job, point });
    }
    Ok(false)
}
