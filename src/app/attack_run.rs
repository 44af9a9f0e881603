//! The attack run on the current photo and the studies of its result (the transfer test, the
//! survival checks, the eps sweep), with the actions that change them: each study starts
//! here, as the request for the worker, and the worker's answers land here.

use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;

use super::engine::Message;
use super::note::Note;
use super::notices::Notice;
use super::pixels::{HeldPixels, Pixels};
use crate::attacks::{AttackConfig, AttackOutcome, Judgement, Method, StepRecord, Truth, Verdict};
use crate::worker::protocol::{
    AttackImages, Bytes, JobId, Judge, Part, PartError, Parts, Request, Say, SurvivalCheck,
    SweepPoint,
};
use crate::zoo::ModelId;

/// The budgets of the page's eps sweep, in pixel levels.
pub const SWEEP_EPS: [f32; 5] = [1.0, 2.0, 4.0, 8.0, 16.0];

/// A finished attack: the outcome and exactly the pixels that were classified.
pub struct AttackResult {
    pub outcome: AttackOutcome,
    /// The two images at full size, held as the worker sent them (see [`HeldPixels`]).
    pub original: HeldPixels,
    pub adversarial: HeldPixels,
    /// What the page draws: the two images, or smaller copies of a large result.
    pub shown_original: Rc<Pixels>,
    pub shown_adversarial: Rc<Pixels>,
    /// The PNG the user downloads (the worker's encoding of `adversarial`), held as sent.
    pub png: Bytes,
}

impl AttackResult {
    /// The result an `Attacked` event carries: its images are parts, `size` large, and
    /// smaller copies to show when `preview` gives their size.
    fn received(
        outcome: AttackOutcome,
        size: (u32, u32),
        preview: Option<(u32, u32)>,
        parts: &mut Parts,
    ) -> Result<Self, PartError> {
        // A large result (the worker sends copies to show beside it) stays in its buffers.
        let large = preview.is_some();
        let png = match parts.take_bytes(Part::Png)? {
            png if large => png,
            png => Bytes::Here(png.into_vec()),
        };
        let original = HeldPixels::take(parts, Part::Original, size, large)?;
        let adversarial = HeldPixels::take(parts, Part::Adversarial, size, large)?;
        let mut take = |part, (w, h)| Pixels::take(parts, part, w, h).map(Rc::new);
        let (shown_original, shown_adversarial) = match preview {
            // Small enough to draw as they are.
            None => (Rc::new(original.pixels()), Rc::new(adversarial.pixels())),
            Some(size) => (
                take(Part::ShownOriginal, size)?,
                take(Part::ShownAdversarial, size)?,
            ),
        };
        Ok(Self {
            outcome,
            original,
            adversarial,
            shown_original,
            shown_adversarial,
            png,
        })
    }

    /// Its two images judged by `models`: a transfer test or the survival checks (`job`'s
    /// request `request`), with what is known of the photo.
    fn judge(&self, job: JobId, models: Vec<ModelId>, request: fn(Judge) -> Request) -> Message {
        let judge = Judge {
            job,
            images: AttackImages {
                width: self.original.width,
                height: self.original.height,
                resolution: self.outcome.config.resolution,
            },
            truth: self.outcome.truth.clone(),
            target: self.outcome.goal.target(),
            models,
        };
        let parts = Parts::new()
            .with_bytes(Part::Original, self.original.to_send())
            .with_bytes(Part::Adversarial, self.adversarial.to_send());
        Message::from(request(judge)).with_parts(parts)
    }
}

/// One survival check of the last result, with the changed adversarial image.
#[derive(Clone, Debug, PartialEq)]
pub struct SurvivalView {
    pub check: SurvivalCheck,
    pub image: Pixels,
}

/// One row of the transfer table.
#[derive(Clone, Debug, PartialEq)]
pub struct TransferRow {
    pub judgement: Judgement,
    pub verdict: Verdict,
}

/// The attack run on the current photo.
#[derive(Clone, Copy)]
pub struct AttackRun {
    pub steps_planned: RwSignal<usize>,
    pub history: RwSignal<Vec<StepRecord>>,
    /// The newest iterate while an attack runs, then the rounded result.
    pub live: RwSignal<Option<Rc<Pixels>>, LocalStorage>,
    pub result: RwSignal<Option<Rc<AttackResult>>, LocalStorage>,
    pub transfer: RwSignal<Vec<TransferRow>>,
    /// The eps sweep of the photo: the method swept and a point per budget done.
    pub sweep: RwSignal<Option<(Method, Vec<SweepPoint>)>>,
    /// The survival checks of the last result.
    pub survival: RwSignal<Vec<Arc<SurvivalView>>>,
    /// The models the last attack ran on: the chosen one first, then the ensemble's others.
    pub attacked_on: RwSignal<Vec<ModelId>>,
    /// The settings of the last attack, which the sweep and the matrix reuse.
    pub last_config: RwSignal<Option<AttackConfig>>,
}

impl AttackRun {
    pub fn new() -> Self {
        Self {
            steps_planned: RwSignal::new(0),
            history: RwSignal::new(Vec::new()),
            live: RwSignal::new_local(None),
            result: RwSignal::new_local(None),
            transfer: RwSignal::new(Vec::new()),
            sweep: RwSignal::new(None),
            survival: RwSignal::new(Vec::new()),
            attacked_on: RwSignal::new(Vec::new()),
            last_config: RwSignal::new(None),
        }
    }

    /// Forgets the result and its studies (the sweep, of the photo, stays).
    pub fn clear_result(&self) {
        self.result.set(None);
        self.live.set(None);
        self.history.set(Vec::new());
        self.transfer.set(Vec::new());
        self.survival.set(Vec::new());
    }

    /// Forgets everything about the photo: another photo, or another model to attack.
    pub fn clear(&self) {
        self.clear_result();
        self.sweep.set(None);
    }

    /// Keeps the result on screen while a new worker prepares the photo again.
    pub fn show_again(&self, result: Option<Rc<AttackResult>>) {
        if let Some(r) = &result {
            self.live.set(Some(r.shown_adversarial.clone()));
        }
        self.result.set(result);
    }

    /// Starts an attack on `model`, with the others of `ensemble`: the request.
    pub fn start_attack(
        &self,
        job: JobId,
        model: ModelId,
        ensemble: Vec<ModelId>,
        truth: Truth,
        config: AttackConfig,
    ) -> Request {
        let ensemble: Vec<ModelId> = ensemble.into_iter().filter(|&m| m != model).collect();
        self.clear_result();
        self.steps_planned.set(config.total_steps());
        self.last_config.set(Some(config.clone()));
        self.attacked_on.set(
            std::iter::once(model)
                .chain(ensemble.iter().copied())
                .collect(),
        );
        Request::Attack {
            job,
            model,
            ensemble,
            truth,
            config,
        }
    }

    /// Starts the eps sweep of the photo on `model`: the last attack's method (I-FGSM before
    /// any attack, or when the last one has no eps) at each of [`SWEEP_EPS`].
    pub fn start_sweep(&self, job: JobId, model: ModelId, truth: Truth) -> Request {
        let config = self
            .last_config
            .get_untracked()
            .filter(|c| c.method.uses_eps())
            .unwrap_or_else(|| AttackConfig::new(Method::Ifgsm, 8.0));
        self.sweep.set(Some((config.method, Vec::new())));
        Request::Sweep {
            job,
            model,
            truth,
            eps: SWEEP_EPS.to_vec(),
            // Each budget takes the default step size and count for itself (those of Kurakin
            // et al., as the 2018 article used them).
            config: AttackConfig {
                alpha: None,
                steps: None,
                ..config
            },
        }
    }

    /// Starts the transfer test of the last result: `models` judge its images (None without
    /// a result).
    pub fn start_transfer(&self, job: JobId, models: Vec<ModelId>) -> Option<Message> {
        let result = self.result.get_untracked()?;
        self.transfer.set(Vec::new());
        Some(result.judge(job, models, Request::Transfer))
    }

    /// Starts the survival checks of the last result, judged by the model(s) it was made on,
    /// else by `model` (None without a result).
    pub fn start_survival(&self, job: JobId, model: ModelId) -> Option<Message> {
        let result = self.result.get_untracked()?;
        let mut models = self.attacked_on.get_untracked();
        if models.is_empty() {
            models.push(model);
        }
        self.survival.set(Vec::new());
        Some(result.judge(job, models, Request::Survival))
    }

    /// An attack step: its record, and the iterate when the event has it (part
    /// [`Part::Iterate`], `width` x `height`).
    pub fn step(
        &self,
        record: StepRecord,
        (width, height): (u32, u32),
        parts: &mut Parts,
    ) -> Result<(), PartError> {
        self.history.update(|h| h.push(record));
        if parts.has(Part::Iterate) {
            let iterate = Pixels::take(parts, Part::Iterate, width, height)?;
            self.live.set(Some(Rc::new(iterate)));
        }
        Ok(())
    }

    /// The attack's result: `size` the images', `preview` that of the copies to show, if any.
    /// Returns what to tell the user: parts that did not arrive whole, the cancel, or the
    /// worker's `note`.
    pub fn attacked(
        &self,
        outcome: AttackOutcome,
        size: (u32, u32),
        preview: Option<(u32, u32)>,
        note: Option<Say>,
        parts: &mut Parts,
    ) -> Option<Notice> {
        let result = match AttackResult::received(outcome, size, preview, parts) {
            Ok(result) => result,
            Err(e) => return Some(e.into()),
        };
        let told = if result.outcome.cancelled {
            Some(Notice::info(Note::CancelledAfter(result.outcome.steps_run)))
        } else {
            note.map(Notice::info)
        };
        // The chart ends with the rounded image's own probabilities.
        self.history.set(result.outcome.history.clone());
        self.live.set(Some(result.shown_adversarial.clone()));
        self.result.set(Some(Rc::new(result)));
        told
    }

    /// How another model judged the result.
    pub fn judged(&self, judgement: Judgement, verdict: Verdict) {
        self.transfer
            .update(|rows| rows.push(TransferRow { judgement, verdict }));
    }

    /// The survival checks, with their changed images (part [`Part::Check`] `i` for the
    /// check `i`).
    pub fn survived(&self, checks: Vec<SurvivalCheck>, parts: &mut Parts) -> Result<(), PartError> {
        let views = checks
            .into_iter()
            .enumerate()
            .map(|(i, check)| {
                let image = Pixels::take(parts, Part::Check(i), check.width, check.height)?;
                Ok(Arc::new(SurvivalView { check, image }))
            })
            .collect::<Result<_, _>>()?;
        self.survival.set(views);
        Ok(())
    }

    /// One budget of the sweep, done.
    pub fn swept(&self, point: SweepPoint) {
        self.sweep.update(|s| {
            if let Some((_, points)) = s {
                points.push(point);
            }
        });
    }
}
