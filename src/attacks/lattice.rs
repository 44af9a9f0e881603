//! After rounding: steps on the 8-bit lattice for an image whose rounded result missed its goal.

use burn::prelude::*;

use super::gradient::gradient_of;
use super::setup::Setup;
use super::{AttackError, Goal};
use crate::prediction::Probabilities;

/// The 8-bit lattice refinement. Rounding the last iterate to whole levels can undo an attack
/// that was just over the line. From the rounded image, each step moves every pixel by one
/// whole level along the gradient's sign, inside the eps-ball (whole levels: floor(eps)) and
/// [0, 255], so every iterate is itself an 8-bit image; an image stops at the first that
/// reaches its goal, after at most `config.refine` steps. Returns the result and each image's
/// step count.
pub async fn refine(
    setup: &Setup<'_>,
    result: Tensor<4>,
) -> Result<(Tensor<4>, Vec<usize>), AttackError> {
    let (n, device) = (setup.n, &setup.device);
    let (lower, upper) = setup.lattice_bounds();
    let mut x = setup.to_lattice(result);
    let mut steps = vec![0; n];
    let reached = |probs: &[Probabilities]| -> Vec<bool> {
        (0..n).map(|i| setup.reached(i, &probs[i])).collect()
    };
    // Most rounded results already reach their goal: a forward pass tells, without a gradient.
    if reached(&setup.ensemble.probabilities(x.clone()).await?)
        .iter()
        .all(|&r| r)
    {
        return Ok((x, steps));
    }
    let pursued = setup.pursued();
    for _ in 0..setup.config.refine {
        let (gradient, probs) = gradient_of(&setup.ensemble, &x, &pursued, None, 0.0).await?;
        let done = reached(&probs);
        if done.iter().all(|&d| d) {
            break;
        }
        let scale: Vec<f32> = (0..n)
            .map(|i| match (done[i], &setup.goals[i]) {
                (true, _) => 0.0,
                (false, Goal::Untargeted { .. }) => 1.0,
                (false, Goal::Targeted { .. }) => -1.0,
            })
            .collect();
        for (s, d) in steps.iter_mut().zip(&done) {
            *s += usize::from(!d);
        }
        let scale = Tensor::<1>::from_floats(scale.as_slice(), device).reshape([n, 1, 1, 1]);
        x = (x + gradient.sign() * scale)
            .max_pair(lower.clone())
            .min_pair(upper.clone());
    }
    Ok((x, steps))
}
