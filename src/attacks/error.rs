//! Why an attack could not run. Errors name the parameter, never a command-line flag: the
//! command line adds its flag, the page words the parameter in its language.

use super::Method;

/// A parameter of an attack, as errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Param {
    Eps,
    Alpha,
    Steps,
    Target,
    Label,
    Momentum,
    Restarts,
    Diversity,
    Confidence,
    C,
    SearchSteps,
    LearningRate,
    Overshoot,
    Candidates,
    Threshold,
    Tv,
    Refine,
    Eot,
    Resolution,
    Targets,
    Queries,
    PInit,
}

impl Param {
    /// Its name in the library's messages.
    pub fn name(self) -> &'static str {
        match self {
            Param::Eps => "eps",
            Param::Alpha => "alpha (the step size)",
            Param::Steps => "the number of steps",
            Param::Target => "the target class",
            Param::Label => "the true label",
            Param::Momentum => "the momentum",
            Param::Restarts => "the number of restarts",
            Param::Diversity => "the diversity probability",
            Param::Confidence => "the confidence (kappa)",
            Param::C => "the constant c",
            Param::SearchSteps => "the number of search steps",
            Param::LearningRate => "the learning rate",
            Param::Overshoot => "the overshoot",
            Param::Candidates => "the number of candidate classes",
            Param::Threshold => "the threshold",
            Param::Tv => "the total-variation weight",
            Param::Refine => "the number of lattice refinement steps",
            Param::Eot => "the number of EOT views",
            Param::Resolution => "the resolution",
            Param::Targets => "the number of target classes",
            Param::Queries => "the number of queries",
            Param::PInit => "the initial square share (p_init)",
        }
    }

    /// What it may be: the one statement of each parameter's range, which validation checks
    /// and every language words.
    pub fn range(self) -> Range {
        let whole = |min, max| Range::Whole { min, max };
        let closed = |min, max| Range::Number {
            min,
            max,
            min_open: false,
            max_open: false,
        };
        let positive = |max| Range::Number {
            min: 0.0,
            max,
            min_open: true,
            max_open: false,
        };
        match self {
            Param::Eps => closed(0.0, 255.0),
            Param::Alpha => positive(255.0),
            Param::Steps => whole(1, 10_000),
            Param::Target | Param::Label => Range::Class,
            Param::Momentum | Param::Diversity | Param::Overshoot => closed(0.0, 1.0),
            Param::Restarts | Param::Targets => whole(1, 100),
            Param::Confidence => closed(0.0, 1000.0),
            Param::C => positive(1e6),
            Param::SearchSteps => whole(1, 30),
            Param::LearningRate => positive(10.0),
            Param::Candidates => whole(2, 100),
            Param::Threshold => Range::Number {
                min: 0.0,
                max: 1.0,
                min_open: true,
                max_open: true,
            },
            Param::Tv => closed(0.0, 100.0),
            Param::Refine => whole(0, 100),
            Param::Eot => whole(0, 32),
            Param::Resolution => Range::Resolution,
            Param::Queries => whole(1, 100_000),
            Param::PInit => positive(1.0),
        }
    }

    /// What it may be, in the library's words.
    pub fn allowed(self) -> String {
        match (self, self.range()) {
            (Param::Eps, _) => "a number from 0 to 255 (pixel units: 8 means 8/255)".into(),
            (_, range) => range.to_string(),
        }
    }
}

/// The values a parameter may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// A whole number from `min` to `max`.
    Whole { min: u64, max: u64 },
    /// A number from `min` to `max`, the ends themselves allowed unless open.
    Number {
        min: f64,
        max: f64,
        min_open: bool,
        max_open: bool,
    },
    /// An ImageNet class, 0 to 999.
    Class,
    /// Full or model.
    Resolution,
}

impl Range {
    /// Whether `value` lies in the range (a class: whether it is one of the 1000).
    pub fn admits(self, value: f64) -> bool {
        match self {
            Range::Whole { min, max } => {
                value.fract() == 0.0 && (min as f64..=max as f64).contains(&value)
            }
            Range::Number {
                min,
                max,
                min_open,
                max_open,
            } => {
                value.is_finite()
                    && (value > min || (!min_open && value == min))
                    && (value < max || (!max_open && value == max))
            }
            Range::Class => {
                value.fract() == 0.0 && (0.0..crate::imagenet::NUM_CLASSES as f64).contains(&value)
            }
            Range::Resolution => true,
        }
    }
}

impl std::fmt::Display for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Range::Whole { min, max } => write!(f, "a whole number from {min} to {max}"),
            Range::Number {
                min: 0.0,
                max: 1.0,
                min_open: true,
                max_open: true,
            } => f.write_str("a probability between 0 and 1"),
            Range::Number {
                min: 0.0,
                max,
                min_open: true,
                ..
            } => write!(f, "a positive number up to {max}"),
            Range::Number { min, max, .. } => write!(f, "a number from {min} to {max}"),
            Range::Class => f.write_str("an ImageNet class, 0 to 999"),
            Range::Resolution => f.write_str("full or model"),
        }
    }
}

/// Why an attack could not run.
#[derive(Debug, thiserror::Error)]
pub enum AttackError {
    #[error("{} must be {}, not {value}", .param.name(), .param.allowed())]
    OutOfRange { param: Param, value: String },
    #[error("the {0} attack needs a target class (an index, or a name such as 'gibbon')")]
    NeedsTarget(Method),
    #[error("{0} works at the model's resolution only")]
    ModelResolutionOnly(&'static str),
    #[error(
        "the photo is {width}x{height} pixels: attacks at full resolution take at most {max_side} pixels on the long side and {} megapixels; work on a downscaled copy or at the model's resolution",
        .max_pixels / 1_000_000
    )]
    TooLargeForFull {
        width: u32,
        height: u32,
        max_side: u32,
        max_pixels: u64,
    },
    #[error("an ensemble needs at least one model")]
    EmptyEnsemble,
    #[error("the ensemble's models must all be on the same device")]
    MixedDevices,
    #[error("the images of one batch must have the same size ({0} and {1} differ)")]
    MixedSizes(String, String),
    #[error("the image is {got}x{got2} but {model} needs {need}x{need}")]
    Size {
        got: u32,
        got2: u32,
        need: usize,
        model: &'static str,
    },
    #[error("robust accuracy needs each image's label (a list of `path label` lines)")]
    Unlabelled,
    #[error("no photos to learn from")]
    NoPhotos,
    #[error("a survival check could not change the image: {0}")]
    Transform(String),
    #[error(transparent)]
    Device(#[from] crate::prediction::DeviceError),
}

impl AttackError {
    /// The parameter the error is about, if any: the command line names its flag.
    pub fn param(&self) -> Option<Param> {
        match self {
            AttackError::OutOfRange { param, .. } => Some(*param),
            AttackError::NeedsTarget(_) => Some(Param::Target),
            AttackError::ModelResolutionOnly(_) | AttackError::TooLargeForFull { .. } => {
                Some(Param::Resolution)
            }
            _ => None,
        }
    }
}
