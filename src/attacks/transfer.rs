//! The transfer test (the 2018 article's `change_model` step, after Papernot et al. 2016): how
//! other models judge an attack's original and adversarial images, and the matrix that tallies
//! it over photos and models.

use super::{Truth, Verdict};
use crate::prediction::Prediction;
use crate::stats::Proportion;
use crate::zoo::ModelId;

/// What one model says about an original and its adversarial image.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Judgement {
    pub model: ModelId,
    pub original: Prediction,
    pub adversarial: Prediction,
}

impl Judgement {
    /// The verdict under the one rule ([`Verdict::decide`]).
    pub fn verdict(&self, truth: &Truth, target: Option<usize>) -> Verdict {
        Verdict::decide(truth, target, self.original.index, self.adversarial.index)
    }
}

/// Verdicts summed over images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// Images judged.
    pub images: usize,
    /// Images the judge got right before the attack (the denominator of every rate).
    pub counted: usize,
    /// Counted images whose adversarial version it misclassifies.
    pub fooled: usize,
    /// Counted images of targeted attacks.
    pub targeted: usize,
    /// Counted images of targeted attacks whose adversarial version it calls the target.
    pub target_hits: usize,
}

impl Tally {
    /// Adds one image's verdict.
    pub fn add(&mut self, verdict: Verdict) {
        self.images += 1;
        if !verdict.counted {
            return;
        }
        self.counted += 1;
        self.fooled += verdict.fooled as usize;
        if let Some(hit) = verdict.target_hit {
            self.targeted += 1;
            self.target_hits += hit as usize;
        }
    }

    /// Adds another tally.
    pub fn merge(&mut self, other: &Tally) {
        self.images += other.images;
        self.counted += other.counted;
        self.fooled += other.fooled;
        self.targeted += other.targeted;
        self.target_hits += other.target_hits;
    }

    /// Fooled among counted images.
    pub fn fooled_rate(&self) -> Proportion {
        Proportion::new(self.fooled, self.counted)
    }

    /// Target hits among counted images of targeted attacks.
    pub fn target_rate(&self) -> Proportion {
        Proportion::new(self.target_hits, self.targeted)
    }
}

/// The transfer matrix: for every pair (the model that made the images, the model that judges
/// them), the tally of verdicts. Models keep the order they were added in.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct TransferMatrix {
    models: Vec<ModelId>,
    /// `cells[judge * models.len() + source]`.
    cells: Vec<Tally>,
}

impl TransferMatrix {
    /// An empty matrix over `models` (duplicates are dropped, the first kept).
    pub fn new(models: &[ModelId]) -> Self {
        let mut m = Self::default();
        for &id in models {
            m.ensure(id);
        }
        m
    }

    /// The models, in order: the columns (sources) and the rows (judges).
    pub fn models(&self) -> &[ModelId] {
        &self.models
    }

    fn index(&self, id: ModelId) -> Option<usize> {
        self.models.iter().position(|&m| m == id)
    }

    /// Adds a model (a new row and column) unless it is there.
    fn ensure(&mut self, id: ModelId) -> usize {
        if let Some(i) = self.index(id) {
            return i;
        }
        let n = self.models.len();
        let mut cells = Vec::with_capacity((n + 1) * (n + 1));
        for judge in 0..=n {
            for source in 0..=n {
                cells.push(if judge < n && source < n {
                    self.cells[judge * n + source]
                } else {
                    Tally::default()
                });
            }
        }
        self.models.push(id);
        self.cells = cells;
        n
    }

    /// Counts the verdict of `judge` on an image made on `source`.
    pub fn add(&mut self, source: ModelId, judge: ModelId, verdict: Verdict) {
        let s = self.ensure(source);
        let j = self.ensure(judge);
        let n = self.models.len();
        self.cells[j * n + s].add(verdict);
    }

    /// The tally of `judge` on images made on `source` (empty when either is unknown).
    pub fn cell(&self, judge: ModelId, source: ModelId) -> Tally {
        match (self.index(judge), self.index(source)) {
            (Some(j), Some(s)) => self.cells[j * self.models.len() + s],
            _ => Tally::default(),
        }
    }

    /// Adds every cell of another matrix (for shards and photos studied one at a time).
    pub fn merge(&mut self, other: &TransferMatrix) {
        for &judge in other.models() {
            for &source in other.models() {
                let s = self.ensure(source);
                let j = self.ensure(judge);
                let n = self.models.len();
                self.cells[j * n + s].merge(&other.cell(judge, source));
            }
        }
    }

    /// Whether nothing has been counted yet.
    pub fn is_empty(&self) -> bool {
        self.cells.iter().all(|c| c.images == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(counted: bool, fooled: bool) -> Verdict {
        Verdict {
            counted,
            fooled,
            target_hit: None,
        }
    }

    #[test]
    fn the_matrix_counts_per_pair_and_keeps_its_order() {
        use ModelId::*;
        let mut m = TransferMatrix::new(&[EfficientNetLite0, EfficientNetLite1, EfficientNetLite0]);
        assert_eq!(m.models(), &[EfficientNetLite0, EfficientNetLite1]);
        m.add(EfficientNetLite0, EfficientNetLite1, verdict(true, true));
        m.add(EfficientNetLite0, EfficientNetLite1, verdict(true, false));
        m.add(EfficientNetLite0, EfficientNetLite1, verdict(false, true));
        let c = m.cell(EfficientNetLite1, EfficientNetLite0);
        assert_eq!((c.images, c.counted, c.fooled), (3, 2, 1));
        assert_eq!(c.fooled_rate(), Proportion::new(1, 2));
        assert_eq!(
            m.cell(EfficientNetLite0, EfficientNetLite1),
            Tally::default()
        );
        // A model seen for the first time grows the matrix without losing counts.
        m.add(ResNet18, EfficientNetLite0, verdict(true, true));
        assert_eq!(m.models().len(), 3);
        assert_eq!(m.cell(EfficientNetLite1, EfficientNetLite0).fooled, 1);
        assert_eq!(m.cell(EfficientNetLite0, ResNet18).fooled, 1);
        let mut total = TransferMatrix::default();
        total.merge(&m);
        total.merge(&m);
        assert_eq!(total.cell(EfficientNetLite1, EfficientNetLite0).counted, 4);
        assert!(!total.is_empty());
    }
}
