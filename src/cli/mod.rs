//! The `gibbon` command line: classify photos, attack them, move the results between models.

mod allocator;
mod attack;
mod batch;
mod bench;
mod classify;
mod convert;
mod eval;
mod fetch;
mod headless;
mod inputs;
mod learning;
mod merge;
mod models;
mod params;
mod patch;
mod report;
mod sweep;
mod transfer;
mod universal;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::backend::{self, Backend, BackendChoice};
use crate::models::Classifier;
use crate::zoo::{ModelError, ModelId};

/// Make and study adversarial examples for ImageNet classifiers.
///
/// Gibbon runs real pretrained models (EfficientNet-Lite0/1/2) on your machine, computes
/// gradients with respect to the input pixels, and makes the noise that turns a panda into a
/// gibbon: FGSM, iterative FGSM, iterative least-likely, targeted attacks, PGD, MI-FGSM and
/// DI-FGSM with eps in pixel units (0..255) as in the 2018 article, the L2 attacks C&W and
/// DeepFool, APGD and Square, fooling images, and ensembles; studies (sweep, transfer) that
/// split over machines; robustness evaluation the way AutoAttack measures it (eval); one noise
/// for every photo (universal) and printable patches (patch). Every adversarial image is
/// rounded to 8 bits and classified again before anything is reported.
#[derive(Parser, Debug)]
#[command(name = "gibbon", version, max_term_width = 100)]
pub struct Cli {
    /// Where to compute: auto picks CUDA (if built in), else a hardware GPU through wgpu,
    /// else the CPU. `wgpu` also accepts software adapters such as Mesa's lavapipe.
    #[arg(
        long,
        global = true,
        default_value = "auto",
        value_name = "auto|cpu|wgpu|cuda"
    )]
    device: BackendChoice,

    /// Say nothing on stderr but errors.
    #[arg(long, short, global = true)]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Classify(classify::Args),
    Attack(attack::Args),
    Fetch(fetch::Args),
    Convert(convert::Args),
    Bench(bench::Args),
    Transfer(transfer::Args),
    Sweep(sweep::Args),
    Eval(eval::Args),
    Universal(universal::Args),
    Patch(patch::Args),
    Merge(merge::Args),
    Models(models::Args),
}

/// A failure the CLI reports: a message and an exit code (1 = something failed,
/// 2 = the command line or its inputs are wrong).
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub code: u8,
    /// The reader of stdout went away (`gibbon classify *.jpg | head -1`): not a failure, the
    /// command just stops, quietly, like any Unix tool.
    broken_pipe: bool,
}

impl CliError {
    /// The command line or a parameter is wrong (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
            broken_pipe: false,
        }
    }

    /// Something failed while working (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 1,
            broken_pipe: false,
        }
    }

    /// Says where the failure happened: `context: message`.
    pub fn context(mut self, what: impl std::fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }

    /// Whether stdout was closed by its reader.
    pub fn is_broken_pipe(&self) -> bool {
        self.broken_pipe
    }
}

/// Writes one line to stdout. A reader that went away ends the command quietly (see
/// [`CliError::is_broken_pipe`]); any other write error is a failure.
pub fn emit(line: impl std::fmt::Display) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").map_err(|e| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CliError {
                broken_pipe: true,
                ..CliError::failed("stdout was closed")
            }
        } else {
            CliError::failed(format!("cannot write to stdout: {e}"))
        }
    })
}

macro_rules! failed_from {
    ($($t:ty),*) => {$(
        impl From<$t> for CliError {
            fn from(e: $t) -> Self {
                CliError::failed(e.to_string())
            }
        }
    )*};
}
failed_from!(
    crate::weights::WeightsError,
    crate::imaging::ImageError,
    crate::prediction::DeviceError,
    crate::backend::BackendError
);

impl From<ModelError> for CliError {
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::Unknown(_) => CliError::usage(e.to_string()),
            ModelError::Weights(w) => CliError::failed(w.to_string()),
        }
    }
}

/// The library names the parameter; the message says which flag sets it.
impl From<crate::attacks::AttackError> for CliError {
    fn from(e: crate::attacks::AttackError) -> Self {
        use crate::attacks::AttackError as E;
        let message = params::with_flag(&e);
        match e {
            E::Device(_) => CliError::failed(message),
            _ => CliError::usage(message),
        }
    }
}

/// What every command needs: the chosen backend and whether to talk.
pub struct Context {
    choice: BackendChoice,
    backend: Option<Backend>,
    pub quiet: bool,
}

impl Context {
    /// The backend, opened on first use (and announced on stderr).
    pub fn backend(&mut self) -> Result<&Backend, CliError> {
        if self.backend.is_none() {
            let backend = backend::select(self.choice)?;
            self.note(&format!("device: {}", backend.description));
            self.backend = Some(backend);
        }
        Ok(self.backend.as_ref().unwrap())
    }

    /// Loads a model on the backend, from its weights file or the ones on this machine.
    pub fn load_model(&mut self, spec: &ModelSpec) -> Result<Classifier, CliError> {
        let backend = self.backend()?.clone();
        let start = std::time::Instant::now();
        let model = crate::home::load_model_on(spec.id, spec.weights.as_deref(), &backend)?;
        if let Some(path) = &spec.weights {
            self.note(&format!(
                "{}: {} ({:?} layout) loaded in {:.1} s",
                spec.id,
                path.display(),
                model.layout(),
                start.elapsed().as_secs_f64()
            ));
        }
        Ok(model)
    }

    /// A line on stderr, unless quiet.
    pub fn note(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }
}

/// Parses a model id for clap.
fn parse_model(s: &str) -> Result<ModelId, String> {
    s.parse::<ModelId>().map_err(|e| e.to_string())
}

/// A model on the command line: an id, and the weights file to use (`vgg16=vgg16-397923af.pth`)
/// when not the one on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    pub id: ModelId,
    pub weights: Option<std::path::PathBuf>,
}

/// The model a command runs, with its weights: `--model MODEL[=WEIGHTS]` and `--weights`.
#[derive(clap::Args, Debug)]
pub struct ModelChoice {
    /// The model, with its weights file if not on this machine (resnet50=r50.pth).
    #[arg(long, short, default_value = "efficientnet-lite0", value_parser = parse_model_spec, value_name = "MODEL[=WEIGHTS]")]
    model: ModelSpec,

    /// Weights file for --model (torchvision .pth, a robustness-library checkpoint,
    /// safetensors or Chainer .npz).
    #[arg(long, value_name = "FILE")]
    weights: Option<std::path::PathBuf>,
}

impl ModelChoice {
    /// The model and its weights file, if given.
    pub fn spec(&self) -> Result<ModelSpec, CliError> {
        self.model.clone().with_weights(self.weights.clone())
    }
}

impl ModelSpec {
    /// The same model with weights from `path` (the `--weights` option).
    fn with_weights(self, path: Option<std::path::PathBuf>) -> Result<Self, CliError> {
        match (path, &self.weights) {
            (Some(_), Some(_)) => Err(CliError::usage(
                "give the weights either as --model MODEL=FILE or with --weights, not both",
            )),
            (Some(p), None) => Ok(Self {
                weights: Some(p),
                ..self
            }),
            (None, _) => Ok(self),
        }
    }
}

/// Parses `MODEL` or `MODEL=WEIGHTS` for clap.
fn parse_model_spec(s: &str) -> Result<ModelSpec, String> {
    let (id, weights) = match s.split_once('=') {
        Some((id, path)) if !path.is_empty() => (id, Some(std::path::PathBuf::from(path))),
        _ => (s, None),
    };
    Ok(ModelSpec {
        id: parse_model(id)?,
        weights,
    })
}

/// Runs the CLI on the process arguments.
pub fn main() -> ExitCode {
    allocator::keep_freed_memory();
    headless::give_vulkan_a_runtime_dir();
    let cli = Cli::parse();
    let mut ctx = Context {
        choice: cli.device,
        backend: None,
        quiet: cli.quiet,
    };
    let result = match cli.command {
        Command::Classify(args) => classify::run(args, &mut ctx),
        Command::Attack(args) => attack::run(args, &mut ctx),
        Command::Fetch(args) => fetch::run(args, &mut ctx),
        Command::Convert(args) => convert::run(args, &mut ctx),
        Command::Bench(args) => bench::run(args, &mut ctx),
        Command::Transfer(args) => transfer::run(args, &mut ctx),
        Command::Sweep(args) => sweep::run(args, &mut ctx),
        Command::Eval(args) => eval::run(args, &mut ctx),
        Command::Universal(args) => universal::run(args, &mut ctx),
        Command::Patch(args) => patch::run(args, &mut ctx),
        Command::Merge(args) => merge::run(args),
        Command::Models(args) => models::run(args, &mut ctx),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gibbon: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}
