//! What counts as fooled: one rule, used by the attack loop to stop, for the attacked model and
//! for every model that judges its images, by the command line and by the page alike.

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

    /// Every class that counts as right for a model that answers `model_top1` on the photo:
    /// [`Truth::attack_label`] first, then the label and its synonyms. An untargeted attack
    /// succeeds only outside them.
    pub fn right_classes(&self, model_top1: usize) -> Vec<usize> {
        let mut classes = vec![self.attack_label(model_top1)];
        if let Truth::Known { label, also } = self {
            for &c in std::iter::once(label).chain(also) {
                if !classes.contains(&c) {
                    classes.push(c);
                }
            }
        }
        classes
    }
}

/// What the attack tries to achieve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Goal {
    /// Any class but `label`.
    Untargeted { label: usize },
    /// Class `target` (the true class being `label`).
    Targeted { label: usize, target: usize },
}

impl Goal {
    /// The true class.
    pub fn label(&self) -> usize {
        match *self {
            Goal::Untargeted { label } | Goal::Targeted { label, .. } => label,
        }
    }

    /// The target class, if any.
    pub fn target(&self) -> Option<usize> {
        match *self {
            Goal::Targeted { target, .. } => Some(target),
            Goal::Untargeted { .. } => None,
        }
    }

    /// The one rule applied to this goal: a model that answered `original` on the photo
    /// answers `now` on the adversarial image (or an iterate). The attack loop's early stop,
    /// the outcome's success and every judge's verdict all come from here.
    pub fn verdict(&self, truth: &Truth, original: usize, now: usize) -> Verdict {
        Verdict::decide(truth, self.target(), original, now)
    }

    /// Whether the goal is reached: the target of a targeted attack; for an untargeted one,
    /// a top-1 outside every right class (or, with nothing known, another answer than the
    /// model's on the photo).
    pub fn reached(&self, truth: &Truth, original: usize, now: usize) -> bool {
        self.verdict(truth, original, now).goal_reached()
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
    fn a_synonym_is_no_success_for_the_loop_nor_the_verdict() {
        // The chosen model calls the tabby a tiger cat; an iterate it calls a tabby, a tiger
        // cat or a gibbon.
        let goal = Goal::Untargeted {
            label: cat().attack_label(TIGER_CAT),
        };
        for (now, reached) in [(TABBY, false), (TIGER_CAT, false), (GIBBON, true)] {
            assert_eq!(goal.reached(&cat(), TIGER_CAT, now), reached, "{now}");
            let verdict = Verdict::decide(&cat(), None, TIGER_CAT, now);
            assert_eq!(verdict.goal_reached(), reached, "{now}");
        }
        assert_eq!(cat().right_classes(TIGER_CAT), vec![TIGER_CAT, TABBY]);
        assert_eq!(cat().right_classes(GIBBON), vec![TABBY, TIGER_CAT]);
        assert_eq!(Truth::Unknown.right_classes(GIBBON), vec![GIBBON]);
    }

    #[test]
    fn the_attack_moves_away_from_a_right_answer() {
        assert_eq!(cat().attack_label(TIGER_CAT), TIGER_CAT);
        assert_eq!(cat().attack_label(GIBBON), TABBY);
        assert_eq!(Truth::Unknown.attack_label(7), 7);
        assert_eq!(Truth::label(3).known_label(), Some(3));
    }
}
