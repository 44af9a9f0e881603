//! Rates with honest error bars: a success rate over a handful of photos means little without
//! its confidence interval.

/// `hits` successes out of `trials` tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Proportion {
    pub hits: usize,
    pub trials: usize,
}

/// The z value of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

impl Proportion {
    /// `hits` out of `trials`.
    pub fn new(hits: usize, trials: usize) -> Self {
        Self { hits, trials }
    }

    /// The observed rate, or None without any trial.
    pub fn rate(&self) -> Option<f64> {
        (self.trials > 0).then(|| self.hits as f64 / self.trials as f64)
    }

    /// Wilson score interval (Wilson 1927) for confidence `z` (1.96 for 95%): unlike the normal
    /// approximation it stays inside [0, 1] and is sensible for 0/n and n/n, which small studies
    /// hit all the time.
    pub fn wilson(&self, z: f64) -> Option<(f64, f64)> {
        if self.trials == 0 {
            return None;
        }
        let n = self.trials as f64;
        let p = self.hits as f64 / n;
        let z2 = z * z;
        let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        Some(((centre - half).max(0.0), (centre + half).min(1.0)))
    }

    /// The 95% Wilson interval.
    pub fn wilson95(&self) -> Option<(f64, f64)> {
        self.wilson(Z95)
    }

    /// Adds another count of the same quantity.
    pub fn add(&mut self, other: Proportion) {
        self.hits += other.hits;
        self.trials += other.trials;
    }

    /// `3/4 (75%, 95% CI 30-95%)`, or `-` without trials.
    pub fn describe(&self) -> String {
        match (self.rate(), self.wilson95()) {
            (Some(r), Some((lo, hi))) => format!(
                "{}/{} ({:.0}%, 95% CI {:.0}-{:.0}%)",
                self.hits,
                self.trials,
                r * 100.0,
                lo * 100.0,
                hi * 100.0
            ),
            _ => "-".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from statsmodels' `proportion_confint(count, nobs, method="wilson")`.
    #[test]
    fn wilson_matches_the_reference() {
        let close = |(a, b): (f64, f64), (c, d): (f64, f64)| {
            assert!(
                (a - c).abs() < 1e-6 && (b - d).abs() < 1e-6,
                "{a},{b} vs {c},{d}"
            );
        };
        close(
            Proportion::new(3, 4).wilson95().unwrap(),
            (0.300_641_842_582_4, 0.954_412_739_190_3),
        );
        close(
            Proportion::new(0, 10).wilson95().unwrap(),
            (0.0, 0.277_532_799_862_9),
        );
        close(
            Proportion::new(10, 10).wilson95().unwrap(),
            (0.722_467_200_137_1, 1.0),
        );
        close(
            Proportion::new(37, 120).wilson95().unwrap(),
            (0.232_727_369_889_2, 0.395_829_977_238_0),
        );
        assert_eq!(Proportion::new(0, 0).wilson95(), None);
        assert_eq!(Proportion::new(0, 0).describe(), "-");
        assert_eq!(Proportion::new(3, 4).describe(), "3/4 (75%, 95% CI 30-95%)");
    }
}
