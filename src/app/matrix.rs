//! The transfer matrix over the photos added so far, with its actions: adding a photo (an
//! attack on every model, each result judged by every model) and counting it once complete.

use leptos::prelude::*;

use crate::attacks::{AttackConfig, Method, TransferMatrix, Truth, Verdict};
use crate::worker::protocol::{JobId, Request};
use crate::zoo::ModelId;

/// The transfer matrix.
#[derive(Clone, Copy)]
pub struct MatrixState {
    pub matrix: RwSignal<TransferMatrix>,
}

impl MatrixState {
    pub fn new() -> Self {
        Self {
            matrix: RwSignal::new(TransferMatrix::default()),
        }
    }

    /// Adds the photo: attack it on each of `models` with `config` (the last attack's, else
    /// iterative least-likely at eps 8) and let each model judge each result. The experiment
    /// of the 2018 article ("今更聞けない!? Adversarial Examples"), one photo at a time.
    pub fn add_photo(
        &self,
        job: JobId,
        truth: Truth,
        models: Vec<ModelId>,
        config: Option<AttackConfig>,
    ) -> Request {
        Request::Matrix {
            job,
            truth,
            models,
            config: config.unwrap_or_else(|| AttackConfig::new(Method::LeastLikely, 8.0)),
        }
    }

    /// A photo's complete verdicts: (made on, judged by, verdict) for every pair.
    pub fn count(&self, verdicts: Vec<(ModelId, ModelId, Verdict)>) {
        self.matrix.update(|m| {
            for (source, judge, verdict) in verdicts {
                m.add(source, judge, verdict);
            }
        });
    }
}
