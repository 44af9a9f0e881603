//! Attacking a list of images, as `attack`, `transfer` and `sweep` do: a batch at a time,
//! each image saved and handed on to be reported as soon as it is done, and judged by other
//! models on request.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use image::RgbImage;
use indicatif::{ProgressBar, ProgressStyle};

use super::inputs::Input;
use super::{CliError, Context, ModelSpec};
use crate::attacks::{
    self, AttackConfig, AttackOutcome, Ensemble, Goal, Judgement, Method, NoObserver, Resolution,
    Truth, Verdict,
};
use crate::imaging::{self, Preprocess};
use crate::models::Classifier;

/// How a batch command attacks its images.
pub struct Plan<'a> {
    pub config: &'a AttackConfig,
    pub preprocess: Preprocess,
    /// Full resolution: the long side a larger photo is shrunk to first.
    pub max_side: Option<u32>,
    /// Save `DIR/Original/<name>.png` and `DIR/<model>/<name>.png`.
    pub out: Option<&'a Path>,
    /// Images per step (`--batch`).
    pub batch: usize,
}

impl Plan<'_> {
    /// What the attack works on: the model's input, or the photo itself (shrunk to
    /// `max_side` when asked).
    fn attacked_image(&self, photo: RgbImage, size: u32) -> RgbImage {
        match self.config.resolution {
            Resolution::Model => crate::models::prepare(&photo, size, self.preprocess),
            Resolution::Full => match self.max_side {
                Some(max) => imaging::shrink_to(&photo, max),
                None => photo,
            },
        }
    }
}

/// One attacked image, while it is reported; nothing of it is kept afterwards but its
/// [`Row`] (a long list must not hold every image in memory).
pub struct Attacked {
    /// The image's place in the whole input list.
    pub index: usize,
    pub shown: String,
    pub outcome: AttackOutcome,
    pub saved: Option<PathBuf>,
}

impl Attacked {
    /// How `judges` classify this image's original and adversarial version.
    pub fn judge_by(&self, judges: &[Classifier]) -> Result<Row, CliError> {
        let judgements = judges
            .iter()
            .map(|j| {
                let (o, a) = (&self.outcome.original, &self.outcome.adversarial);
                let resolution = self.outcome.config.resolution;
                Ok(pollster::block_on(attacks::judge(j, o, a, resolution))?)
            })
            .collect::<Result<Vec<_>, CliError>>()?;
        Ok(Row {
            shown: self.shown.clone(),
            truth: self.outcome.truth.clone(),
            goal: self.outcome.goal,
            judgements,
        })
    }
}

/// What is kept of an attacked image: how each judge saw it.
pub struct Row {
    pub shown: String,
    pub truth: Truth,
    pub goal: Goal,
    pub judgements: Vec<Judgement>,
}

impl Row {
    /// The verdict of one judge under the one rule.
    pub fn verdict(&self, judgement: &Judgement) -> Verdict {
        judgement.verdict(&self.truth, self.goal.target())
    }
}

/// The models of a list, each once, in the order first given.
pub fn unique_models(specs: &[ModelSpec]) -> Vec<ModelSpec> {
    let mut unique: Vec<ModelSpec> = Vec::new();
    for spec in specs {
        if !unique.iter().any(|u| u.id == spec.id) {
            unique.push(spec.clone());
        }
    }
    unique
}

/// A batch command's exit code: 1 when any image failed.
pub fn exit_code(failures: usize) -> ExitCode {
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Attacks every input on `model`, `plan.batch` images at a time, saving PNGs and calling
/// `report` as each image is done; an image that fails is reported on stderr and counted in
/// `failures`. Returns how many images were attacked.
pub fn attack_all(
    ctx: &Context,
    ensemble: &Ensemble,
    inputs: &[Input],
    plan: &Plan,
    failures: &mut usize,
    mut report: impl FnMut(&Attacked) -> Result<(), CliError>,
) -> Result<usize, CliError> {
    let folder = folder_name(ensemble);
    let config = plan.config;
    if let Some(dir) = plan.out {
        for sub in ["Original", folder.as_str()] {
            std::fs::create_dir_all(dir.join(sub)).map_err(|e| {
                CliError::failed(format!("cannot create {}: {e}", dir.join(sub).display()))
            })?;
        }
    }
    ctx.note(&format!(
        "{} on {}: {}{}",
        config.method.title(),
        ensemble.describe(),
        budget(config),
        if plan.batch > 1 {
            format!(", {} images per batch", plan.batch)
        } else {
            String::new()
        }
    ));
    let progress = progress_bar(inputs.len(), ctx.quiet);
    let mut attacked = 0;
    let mut fail = |shown: &str, e: CliError| -> Result<(), CliError> {
        if e.is_broken_pipe() {
            return Err(e);
        }
        progress.suspend(|| eprintln!("gibbon: {shown}: {}", e.message));
        *failures += 1;
        Ok(())
    };
    let size = ensemble.input_size() as u32;
    for chunk in inputs.chunks(plan.batch.max(1)) {
        // Decode and prepare; an image that cannot be read leaves the batch.
        let mut ready = Vec::new();
        for input in chunk {
            let stem = &input.stem;
            let shown = input.path.display().to_string();
            progress.set_message(shown.clone());
            // A fooling image starts from grey or noise: no photo is read.
            let photo = if config.method == Method::Fooling {
                Ok(RgbImage::new(size, size))
            } else {
                imaging::open(&input.path)
            };
            match photo {
                Ok(photo) => ready.push((input, stem, shown, plan.attacked_image(photo, size))),
                Err(e) => {
                    fail(&shown, e.into())?;
                    progress.inc(1);
                }
            }
        }
        if ready.is_empty() {
            continue;
        }
        let images: Vec<RgbImage> = ready.iter().map(|r| r.3.clone()).collect();
        let truths: Vec<Truth> = ready.iter().map(|r| r.0.truth.clone()).collect();
        let outcomes = pollster::block_on(attacks::run_ensemble(
            ensemble,
            &images,
            &truths,
            config,
            &mut NoObserver,
        ));
        drop(images);
        let outcomes = match outcomes {
            Ok(o) => o,
            Err(e) => {
                let e = CliError::from(e).context("attack");
                for (_, _, shown, _) in &ready {
                    fail(shown, CliError::failed(e.message.clone()))?;
                    progress.inc(1);
                }
                continue;
            }
        };
        for ((input, stem, shown, _), outcome) in ready.into_iter().zip(outcomes) {
            let result = save(&outcome, stem, &folder, plan.out).and_then(|saved| {
                let a = Attacked {
                    index: input.index,
                    shown: shown.clone(),
                    outcome,
                    saved,
                };
                progress.suspend(|| report(&a))
            });
            match result {
                Ok(()) => attacked += 1,
                Err(e) => fail(&shown, e)?,
            }
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
    Ok(attacked)
}

/// The folder an attack's images are saved in: the model's name, or
/// `ensemble-<model>+<model>...`.
fn folder_name(ensemble: &Ensemble) -> String {
    match ensemble.members() {
        [one] => one.id().as_str().to_string(),
        all => {
            let names: Vec<&str> = all.iter().map(|m| m.id().as_str()).collect();
            format!("ensemble-{}", names.join("+"))
        }
    }
}

/// The attack's budget in words: eps, alpha and steps, or what an L2 attack runs.
fn budget(config: &AttackConfig) -> String {
    match config.method {
        Method::CwL2 => format!(
            "L2, kappa {}, c from {}, {} round(s) of {} Adam step(s), learning rate {}",
            config.confidence,
            config.c,
            config.search_steps,
            config.steps(),
            config.learning_rate
        ),
        Method::DeepFool => format!(
            "L2, overshoot {}, {} candidate classes, at most {} step(s)",
            config.overshoot,
            config.candidates,
            config.steps()
        ),
        Method::Fooling => format!(
            "from {:?}, alpha {}, until p >= {} or {} step(s), tv {}",
            config.start,
            config.alpha(),
            config.threshold,
            config.steps(),
            config.tv
        )
        .to_lowercase(),
        _ => {
            let mut text = format!(
                "eps {}, alpha {}, {} step(s)",
                config.eps,
                config.alpha(),
                config.steps()
            );
            if config.method == Method::Pgd && config.restarts > 1 {
                text.push_str(&format!(" x {} restarts", config.restarts));
            }
            if config.method == Method::DiFgsm {
                text.push_str(&format!(", diversity {}", config.diversity));
            }
            if config.eot > 1 {
                text.push_str(&format!(
                    ", EOT over {} views ({} passes per step)",
                    config.eot, config.eot
                ));
            }
            text
        }
    }
}

/// Saves the original and the adversarial PNG under `out`, if given.
fn save(
    outcome: &AttackOutcome,
    stem: &str,
    folder: &str,
    out: Option<&Path>,
) -> Result<Option<PathBuf>, CliError> {
    let Some(dir) = out else {
        return Ok(None);
    };
    save_png(
        &outcome.original,
        &dir.join("Original").join(format!("{stem}.png")),
    )?;
    let path = dir.join(folder).join(format!("{stem}.png"));
    save_png(&outcome.adversarial, &path)?;
    Ok(Some(path))
}

fn save_png(image: &RgbImage, path: &Path) -> Result<(), CliError> {
    let bytes = imaging::encode_png(image)?;
    std::fs::write(path, bytes)
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))
}

pub fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    if quiet || len < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}").unwrap(),
    );
    bar
}
