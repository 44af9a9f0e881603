//! Which attack to run and with what budget.

use std::fmt;
use std::str::FromStr;

use super::AttackError;

/// Upper bound on iterations, so a typo cannot lock a machine for hours.
pub const MAX_STEPS: usize = 10_000;

/// The attack methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Fast gradient sign, untargeted (Goodfellow et al. 2015): one step of size eps.
    Fgsm,
    /// Fast gradient sign towards a target class: one step of size eps down its loss.
    FgsmTargeted,
    /// Iterative FGSM / basic iterative method (Kurakin et al. 2017), untargeted.
    Ifgsm,
    /// Iterative least-likely class (Kurakin et al. 2017): targeted at the class the model
    /// finds least likely for the original image.
    LeastLikely,
    /// Iterative targeted attack towards any class.
    Targeted,
    /// Projected gradient descent (Madry et al. 2018): iterative FGSM from a random start
    /// inside the eps-ball; untargeted, or targeted when a target is given.
    Pgd,
    /// Momentum iterative FGSM (Dong et al. 2018): accumulates L1-normalised gradients, which
    /// transfers better to other models; untargeted, or targeted when a target is given.
    MiFgsm,
    /// Diverse-input iterative FGSM (Xie et al. 2019): each step's gradient is taken through a
    /// random resize-and-pad of the image, which transfers better; untargeted or targeted.
    DiFgsm,
    /// Carlini-Wagner L2 (2017): the smallest L2 change that reaches the goal by a margin
    /// (confidence kappa), found by Adam in tanh space with a binary search on the constant c.
    CwL2,
    /// DeepFool (Moosavi-Dezfooli et al. 2016): steps to the nearest linearised decision
    /// boundary among the original's top classes, a minimal L2 change; untargeted.
    DeepFool,
    /// Fooling image (Nguyen et al. 2015): starts from grey or noise, not from a photo, and
    /// climbs to the target class until its probability passes a threshold, with an optional
    /// total-variation prior that makes the image smoother.
    Fooling,
}

/// The distance an attack bounds or minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// Every pixel moves by at most eps (the FGSM family).
    Linf,
    /// The Euclidean size of the whole change is minimised (C&W, DeepFool); no eps-ball.
    L2,
    /// No bound: a fooling image is made from scratch.
    None,
}

/// What the attack's pixels are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Resolution {
    /// The model's input: the photo resized and cropped to it first, as the seed did; the
    /// result has the model's size.
    #[default]
    Model,
    /// The photo at its own size: the resize and crop to the model's input are inside the
    /// differentiable graph (see [`crate::imaging::fit`]); the result has the photo's size.
    Full,
}

impl Resolution {
    /// How an image of this resolution reaches a model whose input has another size: a
    /// model-sized image is stretched to it; a photo is resized and centre-cropped, as
    /// `classify` does.
    pub fn preprocess(self) -> crate::imaging::Preprocess {
        match self {
            Resolution::Model => crate::imaging::Preprocess::Stretch,
            Resolution::Full => crate::imaging::Preprocess::Crop,
        }
    }
}

impl FromStr for Resolution {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_lowercase().as_str() {
            "model" => Ok(Resolution::Model),
            "full" => Ok(Resolution::Full),
            _ => Err(format!("unknown resolution '{s}'; use full or model")),
        }
    }
}

/// Where a fooling image starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Start {
    /// Every pixel 128.
    #[default]
    Grey,
    /// Uniform random 8-bit noise (from the seed).
    Noise,
}

impl FromStr for Start {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_lowercase().as_str() {
            "grey" | "gray" => Ok(Start::Grey),
            "noise" => Ok(Start::Noise),
            _ => Err(format!("unknown start '{s}'; use grey or noise")),
        }
    }
}

impl Method {
    /// Every method, in the order menus show them.
    pub const ALL: [Method; 11] = [
        Method::Fgsm,
        Method::FgsmTargeted,
        Method::Ifgsm,
        Method::LeastLikely,
        Method::Targeted,
        Method::Pgd,
        Method::MiFgsm,
        Method::DiFgsm,
        Method::CwL2,
        Method::DeepFool,
        Method::Fooling,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Fgsm => "fgsm",
            Method::FgsmTargeted => "fgsm-targeted",
            Method::Ifgsm => "ifgsm",
            Method::LeastLikely => "ill",
            Method::Targeted => "targeted",
            Method::Pgd => "pgd",
            Method::MiFgsm => "mi-fgsm",
            Method::DiFgsm => "di-fgsm",
            Method::CwL2 => "cw",
            Method::DeepFool => "deepfool",
            Method::Fooling => "fooling",
        }
    }

    /// A longer, human-readable name.
    pub fn title(self) -> &'static str {
        match self {
            Method::Fgsm => "Fast gradient sign (FGSM)",
            Method::FgsmTargeted => "Targeted FGSM",
            Method::Ifgsm => "Iterative FGSM (BIM)",
            Method::LeastLikely => "Iterative least-likely (ILLC)",
            Method::Targeted => "Iterative targeted",
            Method::Pgd => "PGD (random start)",
            Method::MiFgsm => "Momentum iterative FGSM",
            Method::DiFgsm => "Diverse-input FGSM (DI)",
            Method::CwL2 => "Carlini-Wagner L2",
            Method::DeepFool => "DeepFool (minimal L2)",
            Method::Fooling => "Fooling image (from noise)",
        }
    }

    /// Single-step methods take one step of size eps.
    pub fn is_single_step(self) -> bool {
        matches!(self, Method::Fgsm | Method::FgsmTargeted)
    }

    /// Whether the method needs a target class given.
    pub fn needs_target(self) -> bool {
        matches!(
            self,
            Method::FgsmTargeted | Method::Targeted | Method::Fooling
        )
    }

    /// Whether the method may take a target class (targeted variants of PGD, MI-FGSM, DI-FGSM
    /// and C&W).
    pub fn accepts_target(self) -> bool {
        self.needs_target()
            || matches!(
                self,
                Method::Pgd | Method::MiFgsm | Method::DiFgsm | Method::CwL2
            )
    }

    /// The distance the method bounds (L-inf: eps) or minimises (L2).
    pub fn norm(self) -> Norm {
        match self {
            Method::CwL2 | Method::DeepFool => Norm::L2,
            Method::Fooling => Norm::None,
            _ => Norm::Linf,
        }
    }

    /// Whether eps bounds the change (L-inf methods only).
    pub fn uses_eps(self) -> bool {
        self.norm() == Norm::Linf
    }
}

impl FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let key = s.trim().to_lowercase().replace('_', "-");
        Ok(match key.as_str() {
            "fgsm" => Method::Fgsm,
            "fgsm-targeted" | "targeted-fgsm" => Method::FgsmTargeted,
            "ifgsm" | "i-fgsm" | "bim" | "iterative" => Method::Ifgsm,
            "ill" | "illc" | "least-likely" | "iterative-least-likely" => Method::LeastLikely,
            "targeted" | "iterative-targeted" => Method::Targeted,
            "pgd" => Method::Pgd,
            "mi-fgsm" | "mifgsm" | "momentum" => Method::MiFgsm,
            "di-fgsm" | "difgsm" | "di" | "di2-fgsm" | "diverse-input" => Method::DiFgsm,
            "cw" | "cw-l2" | "cwl2" | "carlini-wagner" => Method::CwL2,
            "deepfool" | "deep-fool" => Method::DeepFool,
            "fooling" | "fooling-image" => Method::Fooling,
            _ => {
                let known: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
                return Err(format!(
                    "unknown attack method '{s}'; known methods: {}",
                    known.join(", ")
                ));
            }
        })
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An attack's method and budget. Unset alpha and steps take the seed article's defaults.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AttackConfig {
    pub method: Method,
    /// L-infinity budget in pixel units (0..255).
    pub eps: f32,
    /// Step size in pixel units; default 1 (the seed's), or eps for single-step methods.
    pub alpha: Option<f32>,
    /// Iterations; default int(min(eps + 4, 1.25 eps)) as in Kurakin et al. and the seed.
    pub steps: Option<usize>,
    /// Target class for targeted methods.
    pub target: Option<usize>,
    /// Stop as soon as the goal is reached (checked on the current iterate).
    pub early_stop: bool,
    /// Decay of the accumulated gradient for MI-FGSM.
    pub momentum: f32,
    /// Seed of every random choice: PGD's start, DI's transforms, a fooling image's noise.
    pub seed: u64,
    /// PGD: random starts; each image keeps the first that succeeds (else the last).
    #[serde(default = "one")]
    pub restarts: usize,
    /// DI-FGSM: probability that a step's gradient goes through a random resize-and-pad.
    #[serde(default = "half")]
    pub diversity: f32,
    /// C&W: the margin (kappa) by which the goal's logit must win, in logit units.
    #[serde(default)]
    pub confidence: f32,
    /// C&W: the first constant c weighing the goal against the L2 size (images in 0..1).
    #[serde(default = "one_f32")]
    pub c: f32,
    /// C&W: rounds of the binary search on c (each runs `steps` Adam steps).
    #[serde(default = "five")]
    pub search_steps: usize,
    /// C&W: Adam's learning rate, in tanh space.
    #[serde(default = "cw_rate")]
    pub learning_rate: f32,
    /// DeepFool: how far past the linearised boundary each step goes (0.02 in the paper).
    #[serde(default = "overshoot")]
    pub overshoot: f32,
    /// DeepFool: how many of the original's top classes are candidate boundaries.
    #[serde(default = "ten")]
    pub candidates: usize,
    /// Fooling image: the target probability at which it stops.
    #[serde(default = "threshold")]
    pub threshold: f32,
    /// Fooling image: weight of the total-variation prior (0: none).
    #[serde(default)]
    pub tv: f32,
    /// Fooling image: where it starts.
    #[serde(default)]
    pub start: Start,
    /// L-inf attacks: at most this many steps on the 8-bit lattice after rounding, for an
    /// image whose rounded result misses its goal (0: none). See [`super::step`].
    #[serde(default)]
    pub refine: usize,
    /// Sign-step attacks: each step averages the gradient over this many random views
    /// (JPEG, rescale, shift; see [`super::robust`]) so that the result survives them (0: the
    /// image only). Each view costs a forward and backward pass.
    #[serde(default)]
    pub eot: usize,
    /// Whether the attack works on the model's input or on the photo at its own size.
    #[serde(default)]
    pub resolution: Resolution,
}

fn one() -> usize {
    1
}
fn five() -> usize {
    5
}
fn ten() -> usize {
    10
}
fn half() -> f32 {
    0.5
}
fn one_f32() -> f32 {
    1.0
}
fn cw_rate() -> f32 {
    0.01
}
fn overshoot() -> f32 {
    0.02
}
fn threshold() -> f32 {
    0.9
}

/// Upper bounds of the counts a user sets, so that a typo cannot lock a machine.
pub const MAX_RESTARTS: usize = 100;
pub const MAX_SEARCH_STEPS: usize = 30;
pub const MAX_CANDIDATES: usize = 100;
pub const MAX_REFINE: usize = 100;
pub const MAX_EOT: usize = 32;

impl AttackConfig {
    /// A configuration with the seed article's defaults.
    pub fn new(method: Method, eps: f32) -> Self {
        Self {
            method,
            eps,
            alpha: None,
            steps: None,
            target: None,
            early_stop: false,
            momentum: 1.0,
            seed: 0,
            restarts: one(),
            diversity: half(),
            confidence: 0.0,
            c: one_f32(),
            search_steps: five(),
            learning_rate: cw_rate(),
            overshoot: overshoot(),
            candidates: ten(),
            threshold: threshold(),
            tv: 0.0,
            start: Start::Grey,
            refine: 0,
            eot: 0,
            resolution: Resolution::Model,
        }
    }

    /// The step size that will be used.
    pub fn alpha(&self) -> f32 {
        match self.alpha {
            Some(a) => a,
            None if self.method.is_single_step() => self.eps,
            None => 1.0,
        }
    }

    /// The number of iterations that will be run (at most, with early stop): for C&W, per
    /// round of the binary search; for PGD, per restart.
    pub fn steps(&self) -> usize {
        if self.method.is_single_step() {
            return 1;
        }
        self.steps.unwrap_or(match self.method {
            Method::CwL2 => 100,
            Method::DeepFool => 50,
            Method::Fooling => 300,
            _ => default_steps(self.eps),
        })
    }

    /// Gradient steps in all, at most: what a progress bar counts to.
    pub fn total_steps(&self) -> usize {
        match self.method {
            Method::CwL2 => self.steps() * self.search_steps,
            Method::Pgd => self.steps() * self.restarts,
            _ => self.steps(),
        }
    }

    /// What keeps this attack from working on a photo at its own size, if anything: a fooling
    /// image has no photo; DI-FGSM's and EOT's transforms are of the model's input.
    pub fn model_resolution_only(&self) -> Option<&'static str> {
        match self.method {
            Method::Fooling => Some("a fooling image (it has no photo)"),
            Method::DiFgsm => Some("DI-FGSM (its resize-and-pad is of the model's input)"),
            _ if self.eot > 0 => Some("EOT (its views are of the model's input)"),
            _ => None,
        }
    }

    /// Checks every parameter; errors say which is wrong and what is allowed.
    pub fn validate(&self) -> Result<(), AttackError> {
        if !(self.eps.is_finite() && (0.0..=255.0).contains(&self.eps)) {
            return Err(AttackError::Eps(self.eps));
        }
        let alpha = self.alpha();
        if !(alpha.is_finite() && (alpha > 0.0 || self.eps == 0.0) && alpha <= 255.0) {
            return Err(AttackError::Alpha(alpha));
        }
        if let Some(steps) = self.steps
            && (steps == 0 || steps > MAX_STEPS)
        {
            return Err(AttackError::Steps(steps));
        }
        if !(0.0..=1.0).contains(&self.momentum) {
            return Err(AttackError::Momentum(self.momentum));
        }
        let bad = |name: &'static str, allowed: &'static str, value: String| {
            Err(AttackError::Parameter {
                name,
                allowed,
                value,
            })
        };
        if !(1..=MAX_RESTARTS).contains(&self.restarts) {
            return bad(
                "restarts",
                "a whole number from 1 to 100",
                self.restarts.to_string(),
            );
        }
        if !(0.0..=1.0).contains(&self.diversity) {
            return bad(
                "diversity",
                "a probability from 0 to 1",
                self.diversity.to_string(),
            );
        }
        if !(self.confidence.is_finite() && (0.0..=1000.0).contains(&self.confidence)) {
            return bad(
                "confidence",
                "a margin from 0 to 1000 logits",
                self.confidence.to_string(),
            );
        }
        if !(self.c.is_finite() && self.c > 0.0 && self.c <= 1e6) {
            return bad("c", "a positive number up to 1e6", self.c.to_string());
        }
        if !(1..=MAX_SEARCH_STEPS).contains(&self.search_steps) {
            return bad(
                "search steps",
                "a whole number from 1 to 30",
                self.search_steps.to_string(),
            );
        }
        if !(self.learning_rate.is_finite()
            && self.learning_rate > 0.0
            && self.learning_rate <= 10.0)
        {
            return bad(
                "learning rate",
                "a positive number up to 10",
                self.learning_rate.to_string(),
            );
        }
        if !(self.overshoot.is_finite() && (0.0..=1.0).contains(&self.overshoot)) {
            return bad(
                "overshoot",
                "a number from 0 to 1",
                self.overshoot.to_string(),
            );
        }
        if self.eot > MAX_EOT {
            return bad(
                "EOT views",
                "a whole number from 0 to 32",
                self.eot.to_string(),
            );
        }
        if self.resolution == Resolution::Full
            && let Some(what) = self.model_resolution_only()
        {
            return Err(AttackError::Parameter {
                name: "the resolution",
                allowed: "model for this attack",
                value: format!("full: {what} works at the model's resolution"),
            });
        }
        if self.refine > MAX_REFINE {
            return bad(
                "lattice refinement steps",
                "a whole number from 0 to 100",
                self.refine.to_string(),
            );
        }
        if !(2..=MAX_CANDIDATES).contains(&self.candidates) {
            return bad(
                "candidates",
                "a whole number from 2 to 100",
                self.candidates.to_string(),
            );
        }
        if !(self.threshold > 0.0 && self.threshold < 1.0) {
            return bad(
                "threshold",
                "a probability between 0 and 1",
                self.threshold.to_string(),
            );
        }
        if !(self.tv.is_finite() && (0.0..=100.0).contains(&self.tv)) {
            return bad("tv", "a weight from 0 to 100", self.tv.to_string());
        }
        if self.method.needs_target() && self.target.is_none() {
            return Err(AttackError::NeedsTarget(self.method.as_str()));
        }
        if let Some(t) = self.target
            && t >= crate::imagenet::NUM_CLASSES
        {
            return Err(AttackError::BadTarget(t));
        }
        Ok(())
    }
}

/// int(min(eps + 4, 1.25 * eps)), at least 1.
pub fn default_steps(eps: f32) -> usize {
    ((eps + 4.0).min(1.25 * eps).floor() as usize).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_defaults() {
        assert_eq!(default_steps(8.0), 10);
        assert_eq!(default_steps(16.0), 20);
        assert_eq!(default_steps(32.0), 36);
        assert_eq!(default_steps(2.0), 2);
        assert_eq!(default_steps(0.5), 1);
        let c = AttackConfig::new(Method::LeastLikely, 8.0);
        assert_eq!((c.alpha(), c.steps()), (1.0, 10));
        let f = AttackConfig::new(Method::Fgsm, 8.0);
        assert_eq!((f.alpha(), f.steps()), (8.0, 1));
    }

    #[test]
    fn validation() {
        assert!(AttackConfig::new(Method::Ifgsm, 8.0).validate().is_ok());
        assert!(matches!(
            AttackConfig::new(Method::Ifgsm, -1.0).validate(),
            Err(AttackError::Eps(_))
        ));
        assert!(matches!(
            AttackConfig::new(Method::Ifgsm, 300.0).validate(),
            Err(AttackError::Eps(_))
        ));
        assert!(matches!(
            AttackConfig::new(Method::Ifgsm, f32::NAN).validate(),
            Err(AttackError::Eps(_))
        ));
        assert!(matches!(
            AttackConfig::new(Method::Targeted, 8.0).validate(),
            Err(AttackError::NeedsTarget(_))
        ));
        let mut c = AttackConfig::new(Method::Targeted, 8.0);
        c.target = Some(1000);
        assert!(matches!(c.validate(), Err(AttackError::BadTarget(1000))));
        c.target = Some(368);
        c.steps = Some(0);
        assert!(matches!(c.validate(), Err(AttackError::Steps(0))));
        c.steps = Some(5);
        c.alpha = Some(-1.0);
        assert!(matches!(c.validate(), Err(AttackError::Alpha(_))));
    }

    #[test]
    fn method_names_round_trip() {
        for m in Method::ALL {
            assert_eq!(m.as_str().parse::<Method>().unwrap(), m);
        }
        assert_eq!("BIM".parse::<Method>().unwrap(), Method::Ifgsm);
        assert!("nope".parse::<Method>().unwrap_err().contains("fgsm"));
    }
}
