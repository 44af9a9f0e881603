//! The attack methods, and the other choices an attack configuration names.

use std::fmt;
use std::str::FromStr;

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
    /// APGD-CE (Croce and Hein 2020): PGD on the cross-entropy whose step size needs no
    /// tuning (halved at checkpoints where the loss stalls), with momentum; untargeted.
    ApgdCe,
    /// APGD-T (Croce and Hein 2020): APGD on the targeted DLR loss towards each of the
    /// photo's next most likely classes in turn; succeeds when the top-1 leaves the right
    /// classes.
    ApgdT,
    /// Square Attack (Andriushchenko et al. 2020): random square updates that see only the
    /// model's top five probabilities, no gradient; untargeted, with a query budget.
    Square,
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
    /// The model's input: the photo resized and cropped to it first, as the 2018 article did; the
    /// result has the model's size.
    #[default]
    Model,
    /// The photo at its own size: the resize and crop to the model's input are inside the
    /// differentiable graph (see [`crate::models::input::fit`]); the result has the photo's size.
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
    /// Uniform random 8-bit noise (from the attack's seed).
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
    pub const ALL: [Method; 14] = [
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
        Method::ApgdCe,
        Method::ApgdT,
        Method::Square,
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
            Method::ApgdCe => "apgd-ce",
            Method::ApgdT => "apgd-t",
            Method::Square => "square",
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
            Method::ApgdCe => "APGD-CE (automatic step size)",
            Method::ApgdT => "APGD-T (targeted DLR)",
            Method::Square => "Square (scores only, no gradient)",
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

    /// Whether the method follows no gradient and sees only the model's scores (Square).
    pub fn is_score_based(self) -> bool {
        self == Method::Square
    }

    /// Whether the method tries several random starts with `restarts` (each image keeps its
    /// first success).
    pub fn takes_restarts(self) -> bool {
        matches!(
            self,
            Method::Pgd | Method::ApgdCe | Method::ApgdT | Method::Square
        )
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
            "apgd-ce" | "apgd" | "apgdce" => Method::ApgdCe,
            "apgd-t" | "apgdt" | "apgd-dlr-t" => Method::ApgdT,
            "square" | "square-attack" => Method::Square,
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

impl Resolution {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Model => "model",
            Resolution::Full => "full",
        }
    }
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Start {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Start::Grey => "grey",
            Start::Noise => "noise",
        }
    }
}

impl fmt::Display for Start {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_round_trip() {
        for m in Method::ALL {
            assert_eq!(m.as_str().parse::<Method>().unwrap(), m);
        }
        assert_eq!("BIM".parse::<Method>().unwrap(), Method::Ifgsm);
        assert!("nope".parse::<Method>().unwrap_err().contains("fgsm"));
    }
}
