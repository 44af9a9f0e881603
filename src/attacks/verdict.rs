//! What counts as fooled: one rule, used for the attacked model and for every model that judges
//! its images, by the command line and by the page alike.

use crate::samples::Sample;

/// What is known to be right for a photo.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Truth {
    /// Nobody said what the photo shows: each model's own answer on the original stands in.
    #[default]
    Unknown,
    /// The photo's label, and other classes that are right too (ImageNet calls a tabby a
    /// "tiger cat" about as often as a "tabby").
    Known { label: usize, also: Vec<usize> },
}

impl Truth {
    /// A photo labelled with one class.
    pub fn label(label: usize) -> Self {
        Truth::Known {
            label,
            also: Vec::new(),
        }
    }

    /// The truth of a gallery photo.
    pub fn of_sample(sample: &Sample) -> Self {
        Truth::Known {
            label: sample.label,
            also: sample.also.to_vec(),
        }
    }

    /// The given label, if any.
    pub fn known_label(&self) -> Option<usize> {
        match self {
            Truth::Known { label, .. } => Some(*label),
            Truth::Unknown => None,
        }
    }

    /// Whether answering `class` is right; None when nothing is known.
    pub fn accepts(&self, class: usize) -> Option<bool> {
        match self {
            Truth::Known { label, also } => Some(class == *label || also.contains(&class)),
            Truth::Unknown => None,
        }
    }

    /// The class an attack on a model that answers `model_top1` moves away from: the model's
    /// own answer when that answer is right (or nothing is known), else the label.
    pub fn attack_label(&self, model_top1: usize) -> usize {
        match self {
            Truth::Known { label, .. } if self.accepts(model_top1) == Some(false) => *label,
            _ => model_top1,
        }
    }
}

/// How one model's answers on an original and on its adversarial image are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Verdict {
    /// False when the model already got the original wrong: that image says nothing about the
    /// attack and is left out of every rate.
    pub counted: bool,
    /// The adversarial image is misclassified: its top-1 is not a right class (when the truth
    /// is known), or differs from the model's answer on the original (when it is not).
    pub fooled: bool,
    /// For a targeted attack, whether the top-1 is the target.
    pub target_hit: Option<bool>,
}

impl Verdict {
    /// The rule. `original` and `adversarial` are the model's top-1 on the two images.
    pub fn decide(
        truth: &Truth,
        target: Option<usize>,
        original: usize,
        adversarial: usize,
    ) -> Self {
        let (counted, fooled) = match truth.accepts(original) {
            Some(right) => (right, truth.accepts(adversarial) == Some(false)),
            None => (true, adversarial != original),
        };
        Verdict {
            counted,
            fooled,
            target_hit: target.map(|t| adversarial == t),
        }
    }

    /// Whether the attack reached its goal on this model: the target for a targeted attack,
    /// a wrong answer otherwise.
    pub fn goal_reached(&self) -> bool {
        self.target_hit.unwrap_or(self.fooled)
    }

    /// A word for tables: `fooled`, `target`, `held` or `already wrong`.
    pub fn word(&self) -> &'static str {
        match (self.counted, self.target_hit, self.fooled) {
            (false, _, _) => "already wrong",
            (true, Some(true), _) => "target",
            (true, _, true) => "fooled",
            (true, _, false) => "held",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABBY: usize = 281;
    const TIGER_CAT: usize = 282;
    const GIBBON: usize = 368;

    fn cat() -> Truth {
        Truth::Known {
            label: TABBY,
            also: vec![TIGER_CAT],
        }
    }

    #[test]
    fn with_a_label_only_wrong_answers_fool() {
        let v = Verdict::decide(&cat(), None, TABBY, TIGER_CAT);
        assert_eq!(
            (v.counted, v.fooled),
            (true, false),
            "a synonym is no success"
        );
        let v = Verdict::decide(&cat(), None, TIGER_CAT, GIBBON);
        assert_eq!((v.counted, v.fooled, v.word()), (true, true, "fooled"));
    }

    #[test]
    fn images_the_model_got_wrong_are_not_counted() {
        let v = Verdict::decide(&cat(), None, GIBBON, 1);
        assert!(!v.counted);
        assert_eq!(v.word(), "already wrong");
    }

    #[test]
    fn without_a_label_a_changed_answer_fools() {
        let v = Verdict::decide(&Truth::Unknown, None, 5, 5);
        assert_eq!((v.counted, v.fooled), (true, false));
        let v = Verdict::decide(&Truth::Unknown, None, 5, 6);
        assert_eq!((v.counted, v.fooled), (true, true));
    }

    #[test]
    fn targeted_goals_need_the_target() {
        let v = Verdict::decide(&cat(), Some(GIBBON), TABBY, 1);
        assert!(v.fooled && !v.goal_reached());
        assert_eq!(v.word(), "fooled");
        let v = Verdict::decide(&cat(), Some(GIBBON), TABBY, GIBBON);
        assert!(v.goal_reached());
        assert_eq!(v.word(), "target");
    }

    #[test]
    fn the_attack_moves_away_from_a_right_answer() {
        assert_eq!(cat().attack_label(TIGER_CAT), TIGER_CAT);
        assert_eq!(cat().attack_label(GIBBON), TABBY);
        assert_eq!(Truth::Unknown.attack_label(7), 7);
        assert_eq!(Truth::label(3).known_label(), Some(3));
    }
}
