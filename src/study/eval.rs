//! A robustness evaluation's records (one per image and eps) and what they add up to: clean
//! accuracy, robust accuracy after each attack of the suite (cumulative, as AutoAttack reports
//! it) and in the end, each with its 95% Wilson interval. Robust accuracy counts every image
//! of the list: an image the model gets wrong unattacked is not robust.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::attacks::Method;
use crate::stats::Proportion;

/// How one image fared at one eps.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EvalRecord {
    /// Position of the image in the whole input list (not in the shard).
    pub index: usize,
    pub path: String,
    pub model: String,
    /// The suite's name (`standard`, `fast`, `custom:...`).
    pub suite: String,
    pub eps: f32,
    /// The label.
    pub label: usize,
    /// The model's top-1 on the photo.
    pub clean: usize,
    /// Whether that top-1 is a right class.
    pub correct: bool,
    /// The first attack of the suite whose image fooled the model (None: robust, or wrong
    /// unattacked).
    pub broken_by: Option<Method>,
    /// The top-1 on that attack's image.
    pub adversarial: Option<usize>,
    /// Score queries the Square attack made on the image, when it ran on it.
    pub queries: Option<usize>,
    /// L-inf distance of the breaking image, in pixel units.
    pub linf: Option<f32>,
}

impl EvalRecord {
    /// Whether every attack failed on an image the model got right.
    pub fn robust(&self) -> bool {
        self.correct && self.broken_by.is_none()
    }

    fn key(&self) -> (&str, &str, u32, usize) {
        (&self.model, &self.suite, self.eps.to_bits(), self.index)
    }
}

/// Eval records in their canonical order (by model, suite, eps, image), each once: the same
/// image's record twice means overlapping shards or a resumed run that ran it again.
pub fn canonical_eval(mut records: Vec<EvalRecord>) -> Result<Vec<EvalRecord>, String> {
    records.sort_by(|a, b| {
        a.model
            .cmp(&b.model)
            .then(a.suite.cmp(&b.suite))
            .then(a.eps.total_cmp(&b.eps))
            .then(a.index.cmp(&b.index))
    });
    if let Some(w) = records.windows(2).find(|w| w[0].key() == w[1].key()) {
        return Err(format!(
            "image {} ({}) appears twice for {} {} eps {}: do two shards overlap?",
            w[0].index, w[0].path, w[0].model, w[0].suite, w[0].eps
        ));
    }
    Ok(records)
}

/// One evaluation: a model, a suite and an eps.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalCell {
    pub model: String,
    pub suite: String,
    pub eps: f32,
    pub clean: Proportion,
    /// The attacks in the order they ran, each with the robust accuracy after it.
    pub after: Vec<(Method, Proportion)>,
    pub robust: Proportion,
    /// Square's queries on the images it broke.
    pub square_queries: Vec<usize>,
}

impl EvalCell {
    /// Square's median queries on the images it broke.
    pub fn median_queries(&self) -> Option<usize> {
        let mut q = self.square_queries.clone();
        q.sort_unstable();
        q.get(q.len().saturating_sub(1) / 2).copied()
    }
}

/// What eval records add up to.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    pub cells: Vec<EvalCell>,
}

impl EvalReport {
    /// Adds up records; `order` is the suite's attacks (each cell lists them in that order,
    /// the ones that broke nothing included).
    pub fn from_records(records: &[EvalRecord], order: &[Method]) -> Self {
        let mut cells: BTreeMap<(String, String, u32), Vec<&EvalRecord>> = BTreeMap::new();
        for r in records {
            cells
                .entry((r.model.clone(), r.suite.clone(), r.eps.to_bits()))
                .or_default()
                .push(r);
        }
        let mut out: Vec<EvalCell> = cells
            .into_values()
            .map(|rs| {
                let n = rs.len();
                let correct = rs.iter().filter(|r| r.correct).count();
                let mut standing = correct;
                let mut methods: Vec<Method> = order.to_vec();
                for r in &rs {
                    if let Some(m) = r.broken_by
                        && !methods.contains(&m)
                    {
                        methods.push(m);
                    }
                }
                let after = methods
                    .into_iter()
                    .map(|m| {
                        standing -= rs.iter().filter(|r| r.broken_by == Some(m)).count();
                        (m, Proportion::new(standing, n))
                    })
                    .collect();
                EvalCell {
                    model: rs[0].model.clone(),
                    suite: rs[0].suite.clone(),
                    eps: rs[0].eps,
                    clean: Proportion::new(correct, n),
                    after,
                    robust: Proportion::new(rs.iter().filter(|r| r.robust()).count(), n),
                    square_queries: rs
                        .iter()
                        .filter(|r| r.broken_by == Some(Method::Square))
                        .filter_map(|r| r.queries)
                        .collect(),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            a.model
                .cmp(&b.model)
                .then(a.suite.cmp(&b.suite))
                .then(a.eps.total_cmp(&b.eps))
        });
        Self { cells: out }
    }

    /// One JSON object per cell.
    pub fn json_lines(&self) -> String {
        let mut out = String::new();
        for c in &self.cells {
            let rate = |p: &Proportion| serde_json::json!({"hits": p.hits, "images": p.trials, "rate": p.rate(), "ci95": p.wilson95()});
            let after: Vec<serde_json::Value> = c
                .after
                .iter()
                .map(|(m, p)| serde_json::json!({"attack": m, "robust": rate(p)}))
                .collect();
            let line = serde_json::json!({
                "model": c.model,
                "suite": c.suite,
                "eps": c.eps,
                "clean": rate(&c.clean),
                "after": after,
                "robust": rate(&c.robust),
                "square_median_queries": c.median_queries(),
            });
            let _ = writeln!(out, "{line}");
        }
        out
    }

    /// One line per cell: clean and robust accuracy with their intervals, and after each attack.
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "model,suite,eps,images,clean,clean_ci95_low,clean_ci95_high,robust,robust_ci95_low,robust_ci95_high,after\n",
        );
        let num = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
        for c in &self.cells {
            let (cl, rb) = (c.clean.wilson95(), c.robust.wilson95());
            let after: Vec<String> = c
                .after
                .iter()
                .map(|(m, p)| format!("{m}={}", num(p.rate())))
                .collect();
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{}",
                c.model,
                c.suite,
                c.eps,
                c.clean.trials,
                num(c.clean.rate()),
                num(cl.map(|c| c.0)),
                num(cl.map(|c| c.1)),
                num(c.robust.rate()),
                num(rb.map(|c| c.0)),
                num(rb.map(|c| c.1)),
                after.join(";")
            );
        }
        out
    }

    /// The table the command line prints.
    pub fn table(&self) -> String {
        let mut out = String::new();
        for c in &self.cells {
            let _ = writeln!(
                out,
                "{} eps {} ({} suite): clean accuracy {}",
                c.model,
                c.eps,
                c.suite,
                c.clean.describe()
            );
            if c.clean.hits == 0 && c.clean.trials > 0 {
                let _ = writeln!(
                    out,
                    "  the model gets no image right unattacked: its robust accuracy says nothing"
                );
                continue;
            }
            for (m, p) in &c.after {
                let _ = writeln!(out, "  after {:<8} robust {}", m.as_str(), p.describe());
            }
            let _ = writeln!(out, "  robust accuracy {}", c.robust.describe());
            if let Some(q) = c.median_queries() {
                let _ = writeln!(
                    out,
                    "  square broke {} image(s), median {q} queries",
                    c.square_queries.len()
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(index: usize, eps: f32, correct: bool, broken_by: Option<Method>) -> EvalRecord {
        EvalRecord {
            index,
            path: format!("{index}.png"),
            model: "efficientnet-lite0".into(),
            suite: "standard".into(),
            eps,
            label: 1,
            clean: if correct { 1 } else { 2 },
            correct,
            broken_by,
            adversarial: broken_by.map(|_| 3),
            queries: (broken_by == Some(Method::Square)).then_some(40),
            linf: broken_by.map(|_| eps),
        }
    }

    #[test]
    fn robust_accuracy_falls_attack_by_attack() {
        let order = [Method::ApgdCe, Method::ApgdT, Method::Square];
        let records = vec![
            record(0, 1.0, true, None),
            record(1, 1.0, true, Some(Method::ApgdCe)),
            record(2, 1.0, true, Some(Method::Square)),
            record(3, 1.0, false, None),
            record(0, 0.0, true, None),
        ];
        let report = EvalReport::from_records(&canonical_eval(records).unwrap(), &order);
        assert_eq!(report.cells.len(), 2);
        let c = &report.cells[1];
        assert_eq!(c.clean, Proportion::new(3, 4));
        let after: Vec<usize> = c.after.iter().map(|(_, p)| p.hits).collect();
        assert_eq!(after, vec![2, 2, 1]);
        assert_eq!(c.robust, Proportion::new(1, 4));
        assert_eq!(c.median_queries(), Some(40));
        assert!(report.table().contains("robust accuracy 1/4"));
        let twice = vec![record(0, 1.0, true, None), record(0, 1.0, true, None)];
        assert!(canonical_eval(twice).unwrap_err().contains("twice"));
    }
}
