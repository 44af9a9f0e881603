//! A robustness evaluation's attacks: AutoAttack's protocol (Croce and Hein 2020), where each
//! attack runs in order on the images still standing, and an image counts as robust only if
//! every one fails. The suites are fixed, so that numbers from different runs compare.

use std::fmt;
use std::str::FromStr;

use super::{AttackConfig, Method};

/// The attacks of an evaluation, in order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Suite {
    /// `standard`, `fast` or `custom:...`.
    pub name: String,
    pub attacks: Vec<Method>,
}

impl Suite {
    /// AutoAttack's standard suite without FAB-T: APGD-CE (100 steps), APGD-T (9 targets of
    /// 100 steps) and Square (5000 queries). Croce and Hein report that FAB-T, third in their
    /// suite, rarely breaks an image the two APGD runs left standing.
    pub fn standard() -> Self {
        Self {
            name: "standard".into(),
            attacks: vec![Method::ApgdCe, Method::ApgdT, Method::Square],
        }
    }

    /// A quicker check: APGD-CE and APGD-T with 3 targets, 50 steps each.
    pub fn fast() -> Self {
        Self {
            name: "fast".into(),
            attacks: vec![Method::ApgdCe, Method::ApgdT],
        }
    }

    /// The configuration of attack `method` of this suite at `eps`: the suite's budget,
    /// unrounded results (as the benchmarks judge), one restart, seed 0.
    pub fn config(&self, method: Method, eps: f32) -> AttackConfig {
        let fast = self.name == "fast";
        AttackConfig {
            steps: Some(if fast { 50 } else { 100 }),
            targets: if fast { 3 } else { 9 },
            early_stop: true,
            eight_bit: false,
            ..AttackConfig::new(method, eps)
        }
    }

    /// Whether a method can be part of a suite: the L-inf attacks that need no target.
    pub fn takes(method: Method) -> bool {
        method.uses_eps() && !method.needs_target() && method != Method::Fooling
    }
}

impl FromStr for Suite {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "standard" => return Ok(Self::standard()),
            "fast" => return Ok(Self::fast()),
            _ => {}
        }
        let Some(list) = s.trim().strip_prefix("custom:") else {
            return Err(format!(
                "unknown suite '{s}'; use standard, fast or custom:ATTACK,ATTACK (e.g. custom:apgd-ce,square)"
            ));
        };
        let attacks = list
            .split(',')
            .filter(|a| !a.trim().is_empty())
            .map(|a| {
                let method: Method = a.parse()?;
                if Suite::takes(method) {
                    Ok(method)
                } else {
                    Err(format!(
                        "{method} cannot be part of a suite (it needs a target or has no eps)"
                    ))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        if attacks.is_empty() {
            return Err("a custom suite needs at least one attack".into());
        }
        let names: Vec<&str> = attacks.iter().map(|m| m.as_str()).collect();
        Ok(Self {
            name: format!("custom:{}", names.join(",")),
            attacks,
        })
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_parse() {
        assert_eq!("standard".parse::<Suite>().unwrap(), Suite::standard());
        let custom: Suite = "custom:apgd-ce, square".parse().unwrap();
        assert_eq!(custom.attacks, vec![Method::ApgdCe, Method::Square]);
        assert_eq!(custom.name, "custom:apgd-ce,square");
        assert!("custom:".parse::<Suite>().is_err());
        assert!("custom:targeted".parse::<Suite>().is_err());
        assert!("nope".parse::<Suite>().unwrap_err().contains("standard"));
        let c = Suite::standard().config(Method::ApgdT, 4.0);
        assert_eq!((c.steps(), c.targets, c.eight_bit), (100, 9, false));
    }
}
