//! `gibbon attack`: the seed article's workflow. Attack each image on one model, print
//! `label : (pred, prob) --> (adv_pred, adv_prob)`, save original and adversarial PNGs, and
//! judge the same adversarial images on other models (the transfer test).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use image::RgbImage;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::inputs::Input;
use super::{CliError, Context, ModelSpec, emit, inputs, parse_model_spec};
use crate::attacks::{
    self, AttackConfig, AttackOutcome, Ensemble, Goal, Judgement, Method, NoObserver, Resolution,
    Start, Survival, TransferMatrix, Transform, Truth, Verdict,
};
use crate::imagenet;
use crate::imaging::{self, Preprocess};
use crate::models::Classifier;
use crate::prediction::Prediction;
use crate::study::Shard;

/// Make adversarial examples and report how each model classifies them.
///
/// The adversarial image is rounded to 8 bits before it is classified: the prediction shown
/// is always the one of the PNG that --out saves.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Model to attack, with its weights file if not on this machine (vgg16=vgg16-397923af.pth).
    #[arg(long, short, default_value = "efficientnet-lite0", value_parser = parse_model_spec, value_name = "MODEL[=WEIGHTS]")]
    model: ModelSpec,

    /// Weights file for --model (torchvision .pth, safetensors or Chainer .npz).
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,

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

/// The attack's parameters and its images, shared by `attack` and `transfer`.
#[derive(clap::Args, Debug)]
pub struct AttackOptions {
    /// fgsm, fgsm-targeted, ifgsm (BIM), ill (iterative least-likely), targeted, pgd, mi-fgsm,
    /// di-fgsm; the L2 attacks cw (Carlini-Wagner) and deepfool; fooling (an image made from
    /// grey or noise until --target passes --threshold; no IMAGE needed).
    #[arg(long, default_value = "ill")]
    method: Method,

    /// Largest change of any pixel, in 0..255 units (8 = 8/255 of the range).
    #[arg(long, default_value_t = 8.0, allow_negative_numbers = true)]
    eps: f32,

    #[command(flatten)]
    pub params: AttackParams,
}

impl AttackOptions {
    /// The validated attack configuration.
    pub fn config(&self) -> Result<AttackConfig, CliError> {
        self.params.config(self.method, self.eps)
    }

    /// The images to attack (this shard's).
    pub fn inputs(&self) -> Result<Vec<Input>, CliError> {
        self.params.inputs(self.method)
    }

    /// How to attack the images, with `config` and saving under `out`.
    pub fn plan<'a>(&self, config: &'a AttackConfig, out: Option<&'a Path>) -> Plan<'a> {
        self.params.plan(config, out)
    }
}

/// Everything about an attack but its method and eps: shared by `attack`, `transfer` and
/// `sweep` (which runs several methods and budgets).
#[derive(clap::Args, Debug)]
pub struct AttackParams {
    /// Step size in pixel units [default: 1, or eps for one-step methods].
    #[arg(long, allow_negative_numbers = true)]
    alpha: Option<f32>,

    /// Iterations [default: int(min(eps + 4, 1.25 * eps)), the seed's].
    #[arg(long)]
    steps: Option<usize>,

    /// Target class for targeted methods: an index or a name ("gibbon").
    #[arg(long, value_name = "CLASS")]
    target: Option<String>,

    /// Stop as soon as the goal is reached.
    #[arg(long)]
    early_stop: bool,

    /// Decay of the accumulated gradient (mi-fgsm).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    momentum: f32,

    /// Seed of every random choice (pgd's start, di-fgsm's transforms, fooling noise).
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// pgd: random starts; an image keeps the first that fools the model.
    #[arg(long, default_value_t = 1, value_name = "N")]
    restarts: usize,

    /// di-fgsm: probability that a step sees a random shrink-and-pad of the image.
    #[arg(long, default_value_t = 0.5, value_name = "P")]
    diversity: f32,

    /// cw: margin kappa by which the goal's logit must win.
    #[arg(
        long,
        default_value_t = 0.0,
        value_name = "KAPPA",
        allow_negative_numbers = true
    )]
    confidence: f32,

    /// cw: first value of the constant c (images on a 0..1 scale).
    #[arg(
        long = "cw-c",
        default_value_t = 1.0,
        value_name = "C",
        allow_negative_numbers = true
    )]
    cw_c: f32,

    /// cw: rounds of the binary search on c; each runs --steps Adam steps [default steps: 100].
    #[arg(long, default_value_t = 5, value_name = "N")]
    search_steps: usize,

    /// cw: Adam's learning rate (in tanh space).
    #[arg(
        long,
        default_value_t = 0.01,
        value_name = "LR",
        allow_negative_numbers = true
    )]
    learning_rate: f32,

    /// deepfool: how far past the linearised boundary each step goes.
    #[arg(long, default_value_t = 0.02, allow_negative_numbers = true)]
    overshoot: f32,

    /// deepfool: how many of the original's top classes are candidate boundaries.
    #[arg(long, default_value_t = 10, value_name = "K")]
    candidates: usize,

    /// fooling: stop when the target's probability reaches this [default steps: 300].
    #[arg(
        long,
        default_value_t = 0.9,
        value_name = "P",
        allow_negative_numbers = true
    )]
    threshold: f32,

    /// fooling: weight of the total-variation prior (smoother images; 0 = none).
    #[arg(
        long,
        default_value_t = 0.0,
        value_name = "WEIGHT",
        allow_negative_numbers = true
    )]
    tv: f32,

    /// fooling: start from grey or from noise.
    #[arg(long, default_value = "grey", value_name = "grey|noise")]
    start: Start,

    /// L-inf attacks: when rounding to 8 bits undoes an image's success, take up to N more
    /// steps of one whole level each (inside eps) from the rounded image. The JSON says
    /// "lattice_steps"; the table's summary counts the images it rescued.
    #[arg(long, default_value_t = 0, value_name = "N")]
    refine: usize,

    /// L-inf and fooling attacks: make the image robust (EOT). Each step averages the gradient
    /// over the image and N-1 random views (a differentiable JPEG at quality 50-95, a rescale
    /// to 50-100%, a shift of up to 3 px), so it survives them more often. A step costs N
    /// forward and backward passes instead of one.
    #[arg(long, default_value_t = 0, value_name = "N")]
    eot: usize,

    /// How a photo becomes the model's square input.
    #[arg(long, default_value = "crop", value_name = "crop|stretch")]
    pub preprocess: Preprocess,

    /// model: attack the model's input (the photo resized and cropped first; a 224x224 result,
    /// as the seed did). full: attack the photo at its own size, the resize and crop to the
    /// model inside the differentiable graph (the same function `classify` uses); the saved
    /// PNG has the photo's size. Full takes photos up to 6000 px on the long side and 24
    /// megapixels (see --max-side), one image at a time, and no DI-FGSM, EOT or fooling.
    #[arg(long, default_value = "model", value_name = "full|model")]
    resolution: Resolution,

    /// With --resolution full: first shrink a photo whose long side exceeds N pixels to N
    /// (antialiased); the attack and the saved PNG are of that copy.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(16..=6000))]
    max_side: Option<u32>,

    /// Attack N images of the list together: one forward and backward pass per step for all
    /// of them. The results are those of one image at a time.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=512))]
    pub batch: u16,

    /// Read images from FILE: lines of `path label`, like the seed's lists (a label may list
    /// several right classes: `path tabby,tiger cat`).
    #[arg(long, value_name = "FILE")]
    list: Option<PathBuf>,

    /// Take only image k of the list where k mod n = i (0 <= i < n): one of n machines'
    /// share, e.g. `--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT`. JSON lines carry
    /// each image's place in the whole list ("index").
    #[arg(long, value_name = "i/n")]
    pub shard: Option<Shard>,

    /// Images, each optionally with its true class and other right classes: photo.jpg:388,
    /// photo.jpg:"giant panda", cat.png:"tabby,tiger cat".
    #[arg(value_name = "IMAGE[:LABEL]")]
    images: Vec<String>,
}

impl AttackParams {
    /// The validated configuration of `method` at `eps`.
    pub fn config(&self, method: Method, eps: f32) -> Result<AttackConfig, CliError> {
        let target = match &self.target {
            Some(t) => Some(
                imagenet::lookup(t)
                    .map_err(|e| CliError::usage(e.to_string()))?
                    .index,
            ),
            None => None,
        };
        if target.is_some() && !method.accepts_target() {
            let takers: Vec<&str> = Method::ALL
                .iter()
                .filter(|m| m.accepts_target())
                .map(|m| m.as_str())
                .collect();
            return Err(CliError::usage(format!(
                "--target does not apply to {method}; use {}",
                takers.join(", ")
            )));
        }
        let config = AttackConfig {
            alpha: self.alpha,
            steps: self.steps,
            target,
            early_stop: self.early_stop,
            momentum: self.momentum,
            seed: self.seed,
            restarts: self.restarts,
            diversity: self.diversity,
            confidence: self.confidence,
            c: self.cw_c,
            search_steps: self.search_steps,
            learning_rate: self.learning_rate,
            overshoot: self.overshoot,
            candidates: self.candidates,
            threshold: self.threshold,
            tv: self.tv,
            start: self.start,
            refine: self.refine,
            eot: self.eot,
            resolution: self.resolution,
            ..AttackConfig::new(method, eps)
        };
        if self.resolution == Resolution::Full && self.preprocess == Preprocess::Stretch {
            return Err(CliError::usage(
                "--resolution full crops the photo as `classify` does; --preprocess stretch applies to --resolution model",
            ));
        }
        if self.max_side.is_some() && self.resolution != Resolution::Full {
            return Err(CliError::usage(
                "--max-side applies to --resolution full (at the model's resolution the photo is resized to the model anyway)",
            ));
        }
        config.validate()?;
        Ok(config)
    }

    /// The images to attack. A fooling image needs none: without any, one is made, named
    /// after its start.
    pub fn inputs(&self, method: Method) -> Result<Vec<Input>, CliError> {
        let all = if method == Method::Fooling && self.images.is_empty() && self.list.is_none() {
            let name = match self.start {
                Start::Grey => "grey",
                Start::Noise => "noise",
            };
            vec![Input::new(PathBuf::from(name), Truth::Unknown)]
        } else {
            inputs::collect(&self.images, self.list.as_deref())?
        };
        let shard = self.shard.unwrap_or(Shard::ALL);
        Ok(all.into_iter().filter(|i| shard.takes(i.index)).collect())
    }

    /// How to attack the images, with `config` and saving under `out`.
    pub fn plan<'a>(&self, config: &'a AttackConfig, out: Option<&'a Path>) -> Plan<'a> {
        Plan {
            config,
            preprocess: self.preprocess,
            max_side: self.max_side,
            out,
            // Photos at their own sizes cannot share a batch.
            batch: match config.resolution {
                Resolution::Model => self.batch as usize,
                Resolution::Full => 1,
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
    /// The seed's line for the attacked model itself.
    pub fn table_line(&self) -> String {
        let o = &self.outcome;
        table_line(
            &self.shown,
            o.goal.label(),
            &o.original_prediction,
            &o.adversarial_prediction,
        )
    }

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
    /// The seed's line for one judge.
    pub fn table_line(&self, judgement: &Judgement) -> String {
        table_line(
            &self.shown,
            self.goal.label(),
            &judgement.original,
            &judgement.adversarial,
        )
    }

    /// The verdict of one judge under the one rule.
    pub fn verdict(&self, judgement: &Judgement) -> Verdict {
        judgement.verdict(&self.truth, self.goal.target())
    }
}

pub fn run(args: Args, ctx: &mut Context) -> Result<ExitCode, CliError> {
    let config = args.options.config()?;
    let inputs = args.options.inputs()?;
    let spec = args.model.clone().with_weights(args.weights.clone())?;
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
                pollster::block_on(attacks::survival::check(
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
                emit(a.table_line())?;
            }
            rows.push(row);
            survivals.push((a.shown.clone(), survival));
            Ok(())
        },
    )?;

    if !args.json && !rows.is_empty() {
        for (i, judge) in judges.iter().enumerate() {
            emit(format!(
                "# transfer: made on {}, judged by {}",
                ensemble.describe(),
                judge.id()
            ))?;
            for row in &rows {
                emit(row.table_line(&row.judgements[i]))?;
            }
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
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// How the summaries count, in one phrase.
pub const RULE: &str = " (top-1 not a right class; images a model got wrong before the attack are not counted; without a label, a changed answer)";

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
            Resolution::Model => imaging::prepare(&photo, size, self.preprocess),
            Resolution::Full => match self.max_side {
                Some(max) => imaging::shrink_to(&photo, max),
                None => photo,
            },
        }
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

/// The seed's line: `label : (pred, prob) --> (adv_pred, adv_prob)`, then the names.
pub fn table_line(
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

fn prediction_json(p: &Prediction) -> serde_json::Value {
    json!({"index": p.index, "name": p.name(), "prob": p.prob})
}

fn verdict_json(v: &Verdict) -> serde_json::Value {
    json!({"counted": v.counted, "fooled": v.fooled, "target_hit": v.target_hit})
}

/// The survival checks: a column per transform, a row per image, then the rates.
fn survival_table(model: &str, survivals: &[(String, Vec<Survival>)]) -> Result<(), CliError> {
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

fn json_line(
    a: &Attacked,
    row: &Row,
    ensemble: &Ensemble,
    survival: &[Survival],
) -> serde_json::Value {
    let o = &a.outcome;
    let label = o.goal.label();
    json!({
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
    })
}

fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    if quiet || len < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}").unwrap(),
    );
    bar
}
