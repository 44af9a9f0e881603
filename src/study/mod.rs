//! Studies over many photos: every attacked image becomes one [`Record`] (a JSON line), and a
//! [`Report`] is what the records add up to. Because the report is computed from records
//! alone, records written by several machines (`gibbon sweep --shard i/n`) and merged
//! (`gibbon merge`) give the very report one run gives, byte for byte.

mod eval;
mod plot;
mod report;
mod shard;
mod transfer;

pub use eval::{EvalCell, EvalRecord, EvalReport, canonical_eval};
pub use plot::{Point, Series, plot_svg};
pub use report::{Cell, Report};
pub use shard::Shard;
pub use transfer::{TransferRecord, TransferReport, TransferStudy, canonical_transfer};

use crate::attacks::{Method, Verdict};

/// One attacked image, judged by the model that was attacked.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    /// Position of the image in the whole input list (not in the shard).
    pub index: usize,
    pub path: String,
    pub model: String,
    pub method: Method,
    pub eps: f32,
    pub verdict: Verdict,
    /// Top-1 of the original and of the rounded adversarial image.
    pub original: usize,
    pub adversarial: usize,
    pub linf: f32,
    pub l2: f32,
}

impl Record {
    /// The key records are ordered by: the study's cell, then the image.
    fn order(&self) -> (&str, &str, u32, usize) {
        (
            self.model.as_str(),
            self.method.as_str(),
            self.eps.to_bits(),
            self.index,
        )
    }
}

/// Reads JSON Lines of records (sweep [`Record`]s or [`TransferRecord`]s); blank lines are
/// skipped, anything else that is not a record of that kind is an error naming the line.
pub fn parse_records<T: serde::de::DeserializeOwned>(
    text: &str,
    source: &str,
) -> Result<Vec<T>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).map_err(|e| format!("{source}:{}: not a record: {e}", n + 1))
        })
        .collect()
}

/// The kinds of records a study writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// `gibbon sweep`: [`Record`].
    Sweep,
    /// `gibbon transfer`: [`TransferRecord`].
    Transfer,
    /// `gibbon eval`: [`EvalRecord`].
    Eval,
}

/// Which kind of records `text` holds, from its first record (None when it has none).
pub fn record_kind(text: &str) -> Option<RecordKind> {
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    let value: serde_json::Value = serde_json::from_str(first).ok()?;
    Some(if value.get("judge").is_some() {
        RecordKind::Transfer
    } else if value.get("suite").is_some() {
        RecordKind::Eval
    } else {
        RecordKind::Sweep
    })
}

/// Records in their canonical order (by model, method, eps, image), each once: the same
/// image's record from two shards is an error, since shards must not overlap.
pub fn canonical(mut records: Vec<Record>) -> Result<Vec<Record>, String> {
    records.sort_by(|a, b| {
        let (ma, mb) = (a.order(), b.order());
        ma.0.cmp(mb.0)
            .then(ma.1.cmp(mb.1))
            .then(a.eps.total_cmp(&b.eps))
            .then(ma.3.cmp(&mb.3))
    });
    if let Some(w) = records.windows(2).find(|w| w[0].order() == w[1].order()) {
        return Err(format!(
            "image {} ({}) appears twice for {} {} eps {}: do two shards overlap?",
            w[0].index, w[0].path, w[0].model, w[0].method, w[0].eps
        ));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Proportion;

    fn record(index: usize, model: &str, eps: f32, counted: bool, fooled: bool) -> Record {
        Record {
            index,
            path: format!("img{index}.png"),
            model: model.into(),
            method: Method::Ifgsm,
            eps,
            verdict: Verdict {
                counted,
                fooled,
                target_hit: None,
            },
            original: 1,
            adversarial: if fooled { 2 } else { 1 },
            linf: eps,
            l2: 10.0,
        }
    }

    #[test]
    fn shards_split_and_merge_back() {
        let all: Vec<Record> = (0..7)
            .flat_map(|i| {
                [
                    record(i, "efficientnet-lite0", 4.0, true, i % 2 == 0),
                    record(i, "efficientnet-lite0", 8.0, i != 3, true),
                ]
            })
            .collect();
        let shards: Vec<Shard> = (0..3).map(|i| format!("{i}/3").parse().unwrap()).collect();
        let mut merged = Vec::new();
        for shard in &shards {
            merged.extend(all.iter().filter(|r| shard.takes(r.index)).cloned());
        }
        merged.reverse();
        let merged = canonical(merged).unwrap();
        assert_eq!(merged, canonical(all.clone()).unwrap());
        let report = Report::from_records(&merged);
        assert_eq!(report, Report::from_records(&all));
        assert_eq!(report.cells.len(), 2);
        assert_eq!(report.cells[0].success, Proportion::new(4, 7));
        assert_eq!(report.cells[1].success, Proportion::new(6, 6));
        assert_eq!(report.cells[1].images, 7);
        assert!(report.csv().starts_with("model,method,eps"));
        assert!(report.svg("t").contains("lite0 ifgsm"));
        let mut twice = all.clone();
        twice.push(all[0].clone());
        assert!(canonical(twice).unwrap_err().contains("twice"));
    }
}
