//! Each image's records and step count during an attack: images that reached their goal stop
//! (with early stop), and the observer hears of every step.

use burn::prelude::*;

use super::StepRecord;
use super::observer::{Flow, Observer};
use super::setup::{Progress, Setup};
use crate::prediction::Probabilities;

/// Keeps each image's records and step count, stops images that are done, and tells the
/// observer after every step.
pub struct Tracker<'o, O: Observer> {
    observer: &'o mut O,
    /// What the run recorded so far, which its end reports.
    pub progress: Progress,
    /// Images still moving.
    pub active: Vec<bool>,
}

impl<'o, O: Observer> Tracker<'o, O> {
    pub fn new(n: usize, observer: &'o mut O) -> Self {
        Self {
            observer,
            progress: Progress {
                histories: vec![Vec::new(); n],
                steps_run: vec![0; n],
                cancelled: false,
                queries: vec![None; n],
            },
            active: vec![true; n],
        }
    }

    /// Whether the user cancelled.
    pub fn cancelled(&self) -> bool {
        self.progress.cancelled
    }

    /// Image `i`'s queries so far (a score-based attack, whose steps are its queries).
    pub fn set_queries(&mut self, i: usize, queries: usize) {
        self.progress.queries[i] = Some(queries);
        self.progress.steps_run[i] = queries;
    }

    /// Records the step every moving image is at (its steps so far; for a score-based attack,
    /// its queries so far); with `stop`, an image that has reached its goal stops here (this
    /// iterate is its result). Returns every image's record.
    pub fn record(
        &mut self,
        setup: &Setup,
        probs: &[Probabilities],
        stop: bool,
    ) -> Vec<StepRecord> {
        let records: Vec<StepRecord> = (0..setup.n)
            .map(|i| {
                let step = self.progress.queries[i].unwrap_or(self.progress.steps_run[i]);
                setup.record(i, step, &probs[i])
            })
            .collect();
        for i in 0..setup.n {
            if !self.active[i] {
                continue;
            }
            self.progress.histories[i].push(records[i]);
            if stop && setup.reached(i, &probs[i]) {
                self.active[i] = false;
            }
        }
        records
    }

    /// Whether any image still moves.
    pub fn any_active(&self) -> bool {
        self.active.contains(&true)
    }

    /// After a step moved the active images to `iterate`: counts it and asks the observer.
    /// Returns false when the user cancelled.
    pub async fn moved(&mut self, records: &[StepRecord], iterate: &Tensor<4>) -> bool {
        for (run, _) in self
            .progress
            .steps_run
            .iter_mut()
            .zip(&self.active)
            .filter(|(_, a)| **a)
        {
            *run += 1;
        }
        if self.observer.on_step(records, iterate).await == Flow::Cancel {
            self.progress.cancelled = true;
        }
        !self.progress.cancelled
    }
}
