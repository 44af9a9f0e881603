//! Which attack to run and with what budget: [`AttackConfig`], every parameter with its default
//! beside it. The command line's flags and the page's controls read their defaults from here.

use super::{AttackError, Method, Param, Resolution, Start};

/// Declares a configuration struct whose fields carry their defaults (`field: T = default`),
/// as burn's `#[config(default = ...)]` does: the struct, its `Default`, and serde filling in
/// whatever a message leaves out.
macro_rules! config_with_defaults {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                pub $field:ident: $ty:ty = $default:expr,
            )*
        }
    ) => {
        $(#[$meta])*
        #[serde(default)]
        pub struct $name {
            $(
                $(#[$field_meta])*
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    $($field: $default,)*
                }
            }
        }
    };
}

config_with_defaults! {
    /// An attack's method and budget. Unset alpha and steps take the defaults of Kurakin et
    /// al., which the 2018 article used ([`AttackConfig::alpha`], [`AttackConfig::steps`]).
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct AttackConfig {
        pub method: Method = Method::LeastLikely,
        /// L-infinity budget in pixel units (0..255): 8 means 8/255 of the range.
        pub eps: f32 = 8.0,
        /// Step size in pixel units; unset: 1, or eps for single-step methods.
        pub alpha: Option<f32> = None,
        /// Iterations; unset: int(min(eps + 4, 1.25 eps)) as in Kurakin et al.
        pub steps: Option<usize> = None,
        /// Target class for targeted methods.
        pub target: Option<usize> = None,
        /// Stop as soon as the goal is reached (checked on the current iterate).
        pub early_stop: bool = false,
        /// Decay of the accumulated gradient for MI-FGSM.
        pub momentum: f32 = 1.0,
        /// Seed of every random choice: PGD's start, DI's transforms, a fooling image's noise.
        pub seed: u64 = 0,
        /// PGD: random starts; each image keeps the first that succeeds (else the last).
        pub restarts: usize = 1,
        /// DI-FGSM: probability that a step's gradient goes through a random resize-and-pad.
        pub diversity: f32 = 0.5,
        /// C&W: the margin (kappa) by which the goal's logit must win, in logit units.
        pub confidence: f32 = 0.0,
        /// C&W: the first constant c weighing the goal against the L2 size (images in 0..1).
        pub c: f32 = 1.0,
        /// C&W: rounds of the binary search on c (each runs `steps` Adam steps).
        pub search_steps: usize = 5,
        /// C&W: Adam's learning rate, in tanh space.
        pub learning_rate: f32 = 0.01,
        /// DeepFool: how far past the linearised boundary each step goes (0.02 in the paper).
        pub overshoot: f32 = 0.02,
        /// DeepFool: how many of the original's top classes are candidate boundaries.
        pub candidates: usize = 10,
        /// Fooling image: the target probability at which it stops.
        pub threshold: f32 = 0.9,
        /// Fooling image: weight of the total-variation prior (0: none).
        pub tv: f32 = 0.0,
        /// Fooling image: where it starts.
        pub start: Start = Start::Grey,
        /// L-inf attacks: at most this many steps on the 8-bit lattice after rounding, for an
        /// image whose rounded result misses its goal (0: none).
        pub refine: usize = 0,
        /// Sign-step attacks: each step averages the gradient over this many random views
        /// (JPEG, rescale, shift; see `attacks::robust`) so that the result survives them (0:
        /// the image only). Each view costs a forward and backward pass.
        pub eot: usize = 0,
        /// Whether the attack works on the model's input or on the photo at its own size.
        pub resolution: Resolution = Resolution::Model,
        /// APGD-T: how many of the photo's next most likely classes are targets, in turn.
        pub targets: usize = 9,
        /// Square: the most queries per image (one query: the model's top five for one image).
        pub queries: usize = 5000,
        /// Square: the share of the image the first square windows cover.
        pub p_init: f32 = 0.8,
        /// Round the result to 8 bits before it is judged, as a user saves it. Off, the
        /// unrounded image is judged, as robustness benchmarks (AutoAttack, RobustBench) do:
        /// an eps below one level (0.25/255) moves no 8-bit pixel at all.
        pub eight_bit: bool = true,
    }
}

impl AttackConfig {
    /// `method` at `eps`, every other parameter at its default.
    pub fn new(method: Method, eps: f32) -> Self {
        Self {
            method,
            eps,
            ..Self::default()
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
            Method::CwL2 | Method::ApgdCe | Method::ApgdT => 100,
            Method::DeepFool => 50,
            Method::Fooling => 300,
            _ => default_steps(self.eps),
        })
    }

    /// Steps in all, at most: what a progress bar counts to (a score-based attack's steps
    /// are its queries).
    pub fn total_steps(&self) -> usize {
        match self.method {
            Method::CwL2 => self.steps() * self.search_steps,
            Method::ApgdT => self.steps() * self.targets * self.restarts,
            Method::Square => (self.queries + 1) * self.restarts,
            m if m.takes_restarts() => self.steps() * self.restarts,
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

    /// Checks every parameter against its range ([`Param::range`]); an error names the
    /// parameter and its value.
    pub fn validate(&self) -> Result<(), AttackError> {
        let check = |param: Param, value: f64, shown: &dyn std::fmt::Display| {
            if param.range().admits(value) {
                Ok(())
            } else {
                Err(AttackError::OutOfRange {
                    param,
                    value: shown.to_string(),
                })
            }
        };
        check(Param::Eps, self.eps as f64, &self.eps)?;
        let alpha = self.alpha();
        // With no budget, no step is taken either.
        if !(self.eps == 0.0 && alpha == 0.0) {
            check(Param::Alpha, alpha as f64, &alpha)?;
        }
        if let Some(steps) = self.steps {
            check(Param::Steps, steps as f64, &steps)?;
        }
        check(Param::Momentum, self.momentum as f64, &self.momentum)?;
        check(Param::Restarts, self.restarts as f64, &self.restarts)?;
        check(Param::Diversity, self.diversity as f64, &self.diversity)?;
        check(Param::Confidence, self.confidence as f64, &self.confidence)?;
        check(Param::C, self.c as f64, &self.c)?;
        check(
            Param::SearchSteps,
            self.search_steps as f64,
            &self.search_steps,
        )?;
        check(
            Param::LearningRate,
            self.learning_rate as f64,
            &self.learning_rate,
        )?;
        check(Param::Overshoot, self.overshoot as f64, &self.overshoot)?;
        check(Param::Eot, self.eot as f64, &self.eot)?;
        if self.resolution == Resolution::Full
            && let Some(what) = self.model_resolution_only()
        {
            return Err(AttackError::ModelResolutionOnly(what));
        }
        check(Param::Refine, self.refine as f64, &self.refine)?;
        check(Param::Candidates, self.candidates as f64, &self.candidates)?;
        check(Param::Threshold, self.threshold as f64, &self.threshold)?;
        check(Param::Tv, self.tv as f64, &self.tv)?;
        check(Param::Targets, self.targets as f64, &self.targets)?;
        check(Param::Queries, self.queries as f64, &self.queries)?;
        check(Param::PInit, self.p_init as f64, &self.p_init)?;
        if self.method.needs_target() && self.target.is_none() {
            return Err(AttackError::NeedsTarget(self.method));
        }
        if let Some(t) = self.target {
            check(Param::Target, t as f64, &t)?;
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
    fn kurakins_defaults() {
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
    fn a_message_without_a_field_takes_its_default() {
        let c: AttackConfig = serde_json::from_str(r#"{"method": "pgd", "restarts": 3}"#).unwrap();
        assert_eq!(
            c,
            AttackConfig {
                restarts: 3,
                ..AttackConfig::new(Method::Pgd, 8.0)
            }
        );
        assert_eq!(
            AttackConfig::default(),
            AttackConfig::new(Method::LeastLikely, 8.0)
        );
    }

    #[test]
    fn validation_names_the_parameter() {
        let param = |c: &AttackConfig| c.validate().err().and_then(|e| e.param());
        assert!(AttackConfig::new(Method::Ifgsm, 8.0).validate().is_ok());
        for eps in [-1.0, 300.0, f32::NAN] {
            assert_eq!(
                param(&AttackConfig::new(Method::Ifgsm, eps)),
                Some(Param::Eps)
            );
        }
        assert!(matches!(
            AttackConfig::new(Method::Targeted, 8.0).validate(),
            Err(AttackError::NeedsTarget(Method::Targeted))
        ));
        let mut c = AttackConfig::new(Method::Targeted, 8.0);
        c.target = Some(1000);
        assert_eq!(param(&c), Some(Param::Target));
        c.target = Some(368);
        c.steps = Some(0);
        assert_eq!(param(&c), Some(Param::Steps));
        c.steps = Some(5);
        c.alpha = Some(-1.0);
        assert_eq!(param(&c), Some(Param::Alpha));
        let message = c.validate().unwrap_err().to_string();
        assert!(!message.contains("--"), "{message}");
    }
}
