//! How a caller watches an attack as it runs, and stops it: a progress bar, a live chart, a
//! cancel button.

use burn::prelude::*;

use super::StepRecord;

/// Whether the attack goes on after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Stop now (the user pressed Cancel): the current iterate becomes the result.
    Cancel,
}

/// Watches an attack as it runs: a progress bar, a live chart, a cancel button. In the browser
/// `on_step` is also where the worker gets its event loop back between steps.
pub trait Observer {
    /// Called after each step with one record per image of the batch (measured on the iterate
    /// the step's gradient was taken at) and the new iterate (unrounded pixels [N, 3, H, W]).
    fn on_step(
        &mut self,
        records: &[StepRecord],
        iterate: &Tensor<4>,
    ) -> impl Future<Output = Flow>;
}

/// An observer that watches nothing.
pub struct NoObserver;

impl Observer for NoObserver {
    async fn on_step(&mut self, _: &[StepRecord], _: &Tensor<4>) -> Flow {
        Flow::Continue
    }
}
