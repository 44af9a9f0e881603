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
}

impl Method {
    /// Every method, in the order menus show them.
    pub const ALL: [Method; 7] = [
        Method::Fgsm,
        Method::FgsmTargeted,
        Method::Ifgsm,
        Method::LeastLikely,
        Method::Targeted,
        Method::Pgd,
        Method::MiFgsm,
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
        }
    }

    /// Single-step methods take one step of size eps.
    pub fn is_single_step(self) -> bool {
        matches!(self, Method::Fgsm | Method::FgsmTargeted)
    }

    /// Whether the method needs a target class given.
    pub fn needs_target(self) -> bool {
        matches!(self, Method::FgsmTargeted | Method::Targeted)
    }

    /// Whether the method may take a target class (targeted variants of PGD and MI-FGSM).
    pub fn accepts_target(self) -> bool {
        self.needs_target() || matches!(self, Method::Pgd | Method::MiFgsm)
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
    /// Seed of PGD's random start.
    pub seed: u64,
}

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

    /// The number of iterations that will be run (at most, with early stop).
    pub fn steps(&self) -> usize {
        if self.method.is_single_step() {
            return 1;
        }
        self.steps.unwrap_or_else(|| default_steps(self.eps))
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
