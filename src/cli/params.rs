//! The attack's flags, shared by `attack`, `transfer` and `sweep`. Each attack parameter's
//! default is read from [`AttackConfig::default`], never written here; [`flag`] names the flag
//! of each parameter the library's errors name (the library never names a flag).

use std::path::{Path, PathBuf};

use super::CliError;
use super::batch::Plan;
use super::inputs::{self, Input};
use crate::attacks::{AttackConfig, AttackError, MAX_FULL_PIXELS, MAX_FULL_SIDE, Method, Param};
use crate::attacks::{Resolution, Start, Truth};
use crate::imagenet;
use crate::imaging::Preprocess;
use crate::study::Shard;

/// The attack's method, its eps, its other parameters and its images: `attack` and
/// `transfer` run one method at one budget.
#[derive(clap::Args, Debug)]
pub struct AttackOptions {
    /// fgsm, fgsm-targeted, ifgsm (BIM), ill (iterative least-likely), targeted, pgd, mi-fgsm,
    /// di-fgsm; apgd-ce and apgd-t (APGD, its step size set by itself); square (a black box:
    /// the model's top-5 scores only, --queries); the L2 attacks cw (Carlini-Wagner) and
    /// deepfool; fooling (an image made from grey or noise until --target passes --threshold;
    /// no IMAGE needed).
    #[arg(long, default_value_t = AttackConfig::default().method)]
    method: Method,

    /// Largest change of any pixel, in 0..255 units (8 = 8/255 of the range).
    #[arg(long, default_value_t = AttackConfig::default().eps, allow_negative_numbers = true)]
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
    #[arg(
        long,
        allow_negative_numbers = true,
        help = format!(
            "Step size in pixel units [default: {}, or eps for one-step methods]",
            unset(Method::Ifgsm).alpha()
        )
    )]
    alpha: Option<f32>,

    /// Iterations [default: int(min(eps + 4, 1.25 * eps)), Kurakin et al.'s].
    #[arg(long)]
    steps: Option<usize>,

    /// Target class for targeted methods: an index or a name ("gibbon").
    #[arg(long, value_name = "CLASS")]
    target: Option<String>,

    /// Stop as soon as the goal is reached.
    #[arg(long)]
    early_stop: bool,

    /// Decay of the accumulated gradient (mi-fgsm).
    #[arg(long, default_value_t = AttackConfig::default().momentum, allow_negative_numbers = true)]
    momentum: f32,

    /// Seed of every random choice (pgd's start, di-fgsm's transforms, fooling noise).
    #[arg(long, default_value_t = AttackConfig::default().seed)]
    seed: u64,

    /// pgd: random starts; an image keeps the first that fools the model.
    #[arg(long, default_value_t = AttackConfig::default().restarts, value_name = "N")]
    restarts: usize,

    /// di-fgsm: probability that a step sees a random shrink-and-pad of the image.
    #[arg(long, default_value_t = AttackConfig::default().diversity, value_name = "P")]
    diversity: f32,

    /// cw: margin kappa by which the goal's logit must win.
    #[arg(
        long,
        default_value_t = AttackConfig::default().confidence,
        value_name = "KAPPA",
        allow_negative_numbers = true
    )]
    confidence: f32,

    /// cw: first value of the constant c (images on a 0..1 scale).
    #[arg(
        long = "cw-c",
        default_value_t = AttackConfig::default().c,
        value_name = "C",
        allow_negative_numbers = true
    )]
    cw_c: f32,

    #[arg(
        long,
        default_value_t = AttackConfig::default().search_steps,
        value_name = "N",
        help = format!(
            "cw: rounds of the binary search on c; each runs --steps Adam steps \
             [default steps: {}]",
            unset(Method::CwL2).steps()
        )
    )]
    search_steps: usize,

    /// cw: Adam's learning rate (in tanh space).
    #[arg(
        long,
        default_value_t = AttackConfig::default().learning_rate,
        value_name = "LR",
        allow_negative_numbers = true
    )]
    learning_rate: f32,

    /// deepfool: how far past the linearised boundary each step goes.
    #[arg(long, default_value_t = AttackConfig::default().overshoot, allow_negative_numbers = true)]
    overshoot: f32,

    /// deepfool: how many of the original's top classes are candidate boundaries.
    #[arg(long, default_value_t = AttackConfig::default().candidates, value_name = "K")]
    candidates: usize,

    #[arg(
        long,
        default_value_t = AttackConfig::default().threshold,
        value_name = "P",
        allow_negative_numbers = true,
        help = format!(
            "fooling: stop when the target's probability reaches this [default steps: {}]",
            unset(Method::Fooling).steps()
        )
    )]
    threshold: f32,

    /// fooling: weight of the total-variation prior (smoother images; 0 = none).
    #[arg(
        long,
        default_value_t = AttackConfig::default().tv,
        value_name = "WEIGHT",
        allow_negative_numbers = true
    )]
    tv: f32,

    /// fooling: start from grey or from noise.
    #[arg(long, default_value_t = AttackConfig::default().start, value_name = "grey|noise")]
    start: Start,

    /// L-inf attacks: when rounding to 8 bits undoes an image's success, take up to N more
    /// steps of one whole level each (inside eps) from the rounded image. The JSON says
    /// "lattice_steps"; the table's summary counts the images it rescued.
    #[arg(long, default_value_t = AttackConfig::default().refine, value_name = "N")]
    refine: usize,

    /// L-inf and fooling attacks: make the image robust (EOT). Each step averages the gradient
    /// over the image and N-1 random views (a differentiable JPEG at quality 50-95, a rescale
    /// to 50-100%, a shift of up to 3 px), so it survives them more often. A step costs N
    /// forward and backward passes instead of one.
    #[arg(long, default_value_t = AttackConfig::default().eot, value_name = "N")]
    eot: usize,

    /// apgd-t: how many of the photo's next most likely classes it aims at, in turn.
    #[arg(long, default_value_t = AttackConfig::default().targets, value_name = "N")]
    targets: usize,

    /// square: the most queries per image (one query: the model's top five for one image).
    #[arg(long, default_value_t = AttackConfig::default().queries, value_name = "N")]
    queries: usize,

    /// square: the share of the image its first squares cover (they shrink as it goes).
    #[arg(long, default_value_t = AttackConfig::default().p_init, value_name = "P", allow_negative_numbers = true)]
    p_init: f32,

    /// How a photo becomes the model's square input.
    #[arg(long, default_value = "crop", value_name = "crop|stretch")]
    pub preprocess: Preprocess,

    #[arg(
        long,
        default_value_t = AttackConfig::default().resolution,
        value_name = "full|model",
        help = format!(
            "model: attack the model's input (the photo resized and cropped first; a 224x224 \
             result, as the 2018 article did). full: attack the photo at its own size, the resize \
             and crop to the model inside the differentiable graph (the same function `classify` \
             uses); the saved PNG has the photo's size. Full takes photos up to {MAX_FULL_SIDE} px \
             on the long side and {} megapixels (see --max-side), one image at a time, and no \
             DI-FGSM, EOT or fooling",
            MAX_FULL_PIXELS / 1_000_000
        )
    )]
    resolution: Resolution,

    /// With --resolution full: first shrink a photo whose long side exceeds N pixels to N
    /// (antialiased); the attack and the saved PNG are of that copy.
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(16..=i64::from(MAX_FULL_SIDE))
    )]
    max_side: Option<u32>,

    /// Attack N images of the list together: one forward and backward pass per step for all
    /// of them. The results are those of one image at a time.
    #[arg(
        long,
        default_value_t = 1,
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..=512)
    )]
    pub batch: u16,

    /// Read images from FILE: lines of `path label`, like the 2018 article's lists (a label
    /// may list several right classes: `path tabby,tiger cat`).
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

/// `method` with every parameter at its default: what an unset --alpha or --steps means.
fn unset(method: Method) -> AttackConfig {
    AttackConfig {
        method,
        ..AttackConfig::default()
    }
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
            targets: self.targets,
            queries: self.queries,
            p_init: self.p_init,
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
            vec![Input::new(
                PathBuf::from(self.start.as_str()),
                Truth::Unknown,
            )]
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

/// The flag that sets a parameter of the library's errors. An image's label has none (it comes
/// with the image: `IMAGE:LABEL` or a list's line), nor have the evaluation suite's parameters,
/// which no command takes.
pub fn flag(param: Param) -> Option<&'static str> {
    Some(match param {
        Param::Eps => "--eps",
        Param::Alpha => "--alpha",
        Param::Steps => "--steps",
        Param::Target => "--target",
        Param::Label => return None,
        Param::Targets => "--targets",
        Param::Queries => "--queries",
        Param::PInit => "--p-init",
        Param::Momentum => "--momentum",
        Param::Restarts => "--restarts",
        Param::Diversity => "--diversity",
        Param::Confidence => "--confidence",
        Param::C => "--cw-c",
        Param::SearchSteps => "--search-steps",
        Param::LearningRate => "--learning-rate",
        Param::Overshoot => "--overshoot",
        Param::Candidates => "--candidates",
        Param::Threshold => "--threshold",
        Param::Tv => "--tv",
        Param::Refine => "--refine",
        Param::Eot => "--eot",
        Param::Resolution => "--resolution",
    })
}

/// The library's message, led by the flag of the parameter it is about (`--cw-c: the
/// constant c must be ...`); a photo too large for full resolution also gets the flag that
/// shrinks it.
pub fn with_flag(e: &AttackError) -> String {
    match (e, e.param().and_then(flag)) {
        (AttackError::TooLargeForFull { .. }, _) => {
            format!("{e} (--max-side N, or --resolution model)")
        }
        (_, Some(flag)) => format!("{flag}: {e}"),
        (_, None) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_flag_of_a_parameter_exists() {
        let cli = crate::cli::Cli::command();
        let attack = cli.find_subcommand("attack").expect("an attack command");
        let params = [
            Param::Eps,
            Param::Alpha,
            Param::Steps,
            Param::Target,
            Param::Label,
            Param::Momentum,
            Param::Restarts,
            Param::Diversity,
            Param::Confidence,
            Param::C,
            Param::SearchSteps,
            Param::LearningRate,
            Param::Overshoot,
            Param::Candidates,
            Param::Threshold,
            Param::Tv,
            Param::Refine,
            Param::Eot,
            Param::Resolution,
            Param::Targets,
            Param::Queries,
            Param::PInit,
        ];
        for param in params {
            let Some(flag) = flag(param) else {
                continue;
            };
            let long = flag.trim_start_matches("--");
            assert!(
                attack.get_arguments().any(|a| a.get_long() == Some(long)),
                "{param:?}: no flag {flag}"
            );
        }
    }

    #[test]
    fn errors_name_the_flag() {
        let c = AttackConfig {
            c: -1.0,
            ..AttackConfig::default()
        };
        let message = with_flag(&c.validate().unwrap_err());
        assert!(message.starts_with("--cw-c: the constant c"), "{message}");
        let large = AttackError::TooLargeForFull {
            width: 8000,
            height: 6000,
            max_side: MAX_FULL_SIDE,
            max_pixels: MAX_FULL_PIXELS,
        };
        assert!(with_flag(&large).contains("--max-side N"));
        let plain = AttackError::EmptyEnsemble;
        assert_eq!(with_flag(&plain), plain.to_string());
    }
}
