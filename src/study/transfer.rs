//! A transfer test's records, and the matrices they add up to.

use std::fmt::Write as _;

use crate::attacks::{Method, TransferMatrix, Verdict};
use crate::zoo::ModelId;

/// One image of a transfer test: made by attacking `source`, judged by `judge` (the source
/// judges its own images too: the matrix's diagonal).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TransferRecord {
    /// Position of the image in the whole input list (not in the shard).
    pub index: usize,
    pub path: String,
    pub source: String,
    pub judge: String,
    pub method: Method,
    pub eps: f32,
    /// The judge's verdict under the one rule.
    pub verdict: Verdict,
    /// The judge's top-1 on the original and on the saved adversarial image.
    pub original: usize,
    pub adversarial: usize,
}

/// Transfer records in their canonical order (by method, eps, source, judge, image), each
/// once, as [`canonical`](super::canonical) does for sweep records.
pub fn canonical_transfer(mut records: Vec<TransferRecord>) -> Result<Vec<TransferRecord>, String> {
    fn key(r: &TransferRecord) -> (&str, u32, &str, &str, usize) {
        (
            r.method.as_str(),
            r.eps.to_bits(),
            &r.source,
            &r.judge,
            r.index,
        )
    }
    records.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(kb.0)
            .then(a.eps.total_cmp(&b.eps))
            .then(ka.2.cmp(kb.2))
            .then(ka.3.cmp(kb.3))
            .then(ka.4.cmp(&kb.4))
    });
    if let Some(w) = records.windows(2).find(|w| key(&w[0]) == key(&w[1])) {
        return Err(format!(
            "image {} ({}) made on {} appears twice for judge {} ({} eps {}): do two shards overlap?",
            w[0].index, w[0].path, w[0].source, w[0].judge, w[0].method, w[0].eps
        ));
    }
    Ok(records)
}

/// One transfer matrix: an attack at one budget.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferStudy {
    pub method: Method,
    pub eps: f32,
    pub matrix: TransferMatrix,
}

/// What transfer records add up to: a matrix per attack and budget, its models in name
/// order, so that one run and merged shards give the same report.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferReport {
    pub studies: Vec<TransferStudy>,
}

impl TransferReport {
    /// Adds up records (in canonical order, see [`canonical_transfer`]); a model name that is
    /// not a model is an error.
    pub fn from_records(records: &[TransferRecord]) -> Result<Self, String> {
        let id = |name: &str| {
            name.parse::<ModelId>()
                .map_err(|e| format!("a transfer record names {name}: {e}"))
        };
        let mut names: Vec<&str> = records
            .iter()
            .flat_map(|r| [r.source.as_str(), r.judge.as_str()])
            .collect();
        names.sort_unstable();
        names.dedup();
        let models = names.into_iter().map(id).collect::<Result<Vec<_>, _>>()?;
        let mut studies: Vec<TransferStudy> = Vec::new();
        for r in records {
            let study = match studies
                .iter_mut()
                .position(|s| s.method == r.method && s.eps.to_bits() == r.eps.to_bits())
            {
                Some(i) => &mut studies[i],
                None => {
                    studies.push(TransferStudy {
                        method: r.method,
                        eps: r.eps,
                        matrix: TransferMatrix::new(&models),
                    });
                    studies.last_mut().expect("just pushed")
                }
            };
            study.matrix.add(id(&r.source)?, id(&r.judge)?, r.verdict);
        }
        Ok(Self { studies })
    }

    /// One JSON object per cell: judge, source, counts, rate and its 95% Wilson interval.
    pub fn json_lines(&self) -> String {
        let mut out = String::new();
        for s in &self.studies {
            for &judge in s.matrix.models() {
                for &source in s.matrix.models() {
                    let tally = s.matrix.cell(judge, source);
                    let rate = tally.fooled_rate();
                    let line = serde_json::json!({
                        "judge": judge.as_str(),
                        "source": source.as_str(),
                        "fooled": tally.fooled,
                        "of": tally.counted,
                        "images": tally.images,
                        "rate": rate.rate(),
                        "ci95": rate.wilson95(),
                        "target_hits": (tally.targeted > 0).then_some(tally.target_hits),
                        "method": s.method,
                        "eps": s.eps,
                    });
                    let _ = writeln!(out, "{line}");
                }
            }
        }
        out
    }

    /// The same as CSV, with a header.
    pub fn csv(&self) -> String {
        let mut out =
            String::from("method,eps,judge,source,images,counted,fooled,rate,ci95_low,ci95_high\n");
        for s in &self.studies {
            for &judge in s.matrix.models() {
                for &source in s.matrix.models() {
                    let tally = s.matrix.cell(judge, source);
                    let p = tally.fooled_rate();
                    let ci = p.wilson95();
                    let num = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "{},{},{},{},{},{},{},{},{},{}",
                        s.method,
                        s.eps,
                        judge.as_str(),
                        source.as_str(),
                        tally.images,
                        tally.counted,
                        tally.fooled,
                        num(p.rate()),
                        num(ci.map(|c| c.0)),
                        num(ci.map(|c| c.1))
                    );
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_records_make_one_matrix_per_attack_in_name_order() {
        let rec =
            |index: usize, source: &str, judge: &str, eps: f32, fooled: bool| TransferRecord {
                index,
                path: format!("img{index}.png"),
                source: source.into(),
                judge: judge.into(),
                method: Method::Ifgsm,
                eps,
                verdict: Verdict {
                    counted: index != 2,
                    fooled,
                    target_hit: None,
                },
                original: 1,
                adversarial: if fooled { 2 } else { 1 },
            };
        let (l0, l1) = ("efficientnet-lite0", "efficientnet-lite1");
        let mut records = Vec::new();
        for i in 0..3 {
            for eps in [4.0, 8.0] {
                records.push(rec(i, l1, l1, eps, true));
                records.push(rec(i, l1, l0, eps, i == 0 && eps == 8.0));
                records.push(rec(i, l0, l0, eps, true));
                records.push(rec(i, l0, l1, eps, false));
            }
        }
        let one = canonical_transfer(records.clone()).unwrap();
        records.reverse();
        assert_eq!(canonical_transfer(records.clone()).unwrap(), one);
        let report = TransferReport::from_records(&one).unwrap();
        assert_eq!(report.studies.len(), 2);
        let eps8 = &report.studies[1];
        assert_eq!(eps8.eps, 8.0);
        use ModelId::{EfficientNetLite0, EfficientNetLite1};
        assert_eq!(
            eps8.matrix.models(),
            &[EfficientNetLite0, EfficientNetLite1]
        );
        // Made on Lite1, judged by Lite0: image 0 fooled, image 2 not counted.
        let cell = eps8.matrix.cell(EfficientNetLite0, EfficientNetLite1);
        assert_eq!((cell.images, cell.counted, cell.fooled), (3, 2, 1));
        assert_eq!(report.json_lines().lines().count(), 8);
        assert!(
            report
                .csv()
                .contains("ifgsm,8,efficientnet-lite0,efficientnet-lite1,3,2,1,0.500000,")
        );
        records.push(records[0].clone());
        assert!(canonical_transfer(records).unwrap_err().contains("twice"));
        let unknown = vec![rec(0, "lenet", l0, 4.0, true)];
        assert!(TransferReport::from_records(&unknown).is_err());
    }
}
