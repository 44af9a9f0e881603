//! Studies over many photos: every attacked image becomes one [`Record`] (a JSON line), and a
//! [`Report`] is what the records add up to. Because the report is computed from records
//! alone, records written by several machines (`gibbon sweep --shard i/n`) and merged
//! (`gibbon merge`) give the very report one run gives, byte for byte.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::attacks::{Method, TransferMatrix, Verdict};
use crate::models::ModelId;
use crate::stats::Proportion;

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
}

/// Which kind of records `text` holds, from its first record (None when it has none).
pub fn record_kind(text: &str) -> Option<RecordKind> {
    let first = text.lines().find(|l| !l.trim().is_empty())?;
    let value: serde_json::Value = serde_json::from_str(first).ok()?;
    Some(if value.get("judge").is_some() {
        RecordKind::Transfer
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
/// once, as [`canonical`] does for sweep records.
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

/// One cell of a study: a model, an attack and a budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub model: String,
    pub method: Method,
    pub eps: f32,
    /// Images attacked.
    pub images: usize,
    /// Images that reached the attack's goal, out of those the model got right before.
    pub success: Proportion,
}

/// What records add up to: the success rate per model, attack and eps.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub cells: Vec<Cell>,
}

impl Report {
    /// Adds up records (any order).
    pub fn from_records(records: &[Record]) -> Self {
        let mut cells: BTreeMap<(String, &'static str, u32), Cell> = BTreeMap::new();
        for r in records {
            let key = (r.model.clone(), r.method.as_str(), r.eps.to_bits());
            let cell = cells.entry(key).or_insert_with(|| Cell {
                model: r.model.clone(),
                method: r.method,
                eps: r.eps,
                images: 0,
                success: Proportion::default(),
            });
            cell.images += 1;
            if r.verdict.counted {
                cell.success
                    .add(Proportion::new(r.verdict.goal_reached() as usize, 1));
            }
        }
        let mut cells: Vec<Cell> = cells.into_values().collect();
        cells.sort_by(|a, b| {
            a.model
                .cmp(&b.model)
                .then(a.method.as_str().cmp(b.method.as_str()))
                .then(a.eps.total_cmp(&b.eps))
        });
        Self { cells }
    }

    /// One JSON object per cell.
    pub fn json_lines(&self) -> String {
        let mut out = String::new();
        for c in &self.cells {
            let ci = c.success.wilson95();
            let line = serde_json::json!({
                "model": c.model,
                "method": c.method,
                "eps": c.eps,
                "images": c.images,
                "counted": c.success.trials,
                "success": c.success.hits,
                "rate": c.success.rate(),
                "ci95": ci,
            });
            let _ = writeln!(out, "{line}");
        }
        out
    }

    /// The same as CSV, with a header.
    pub fn csv(&self) -> String {
        let mut out =
            String::from("model,method,eps,images,counted,success,rate,ci95_low,ci95_high\n");
        for c in &self.cells {
            let num = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
            let ci = c.success.wilson95();
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{}",
                c.model,
                c.method,
                c.eps,
                c.images,
                c.success.trials,
                c.success.hits,
                num(c.success.rate()),
                num(ci.map(|c| c.0)),
                num(ci.map(|c| c.1))
            );
        }
        out
    }

    /// Success rate against eps, one line per model and attack, each named at its right end
    /// (no legend to hunt for), with the 95% Wilson interval as a band.
    pub fn svg(&self, title: &str) -> String {
        plot_svg(title, &self.series())
    }

    /// The cells grouped into lines, one per model and method.
    fn series(&self) -> Vec<Series> {
        let mut series: Vec<Series> = Vec::new();
        for c in &self.cells {
            let name = format!("{} {}", short(&c.model), c.method);
            let (Some(y), Some((low, high))) = (c.success.rate(), c.success.wilson95()) else {
                continue;
            };
            let point = Point {
                x: c.eps,
                y,
                low,
                high,
            };
            match series.iter_mut().find(|s| s.name == name) {
                Some(s) => s.points.push(point),
                None => series.push(Series {
                    name,
                    points: vec![point],
                }),
            }
        }
        series
    }
}

/// One point of a line: x, the rate y and its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f64,
    pub low: f64,
    pub high: f64,
}

/// A named line of points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<Point>,
}

/// "efficientnet-lite0" -> "lite0".
fn short(model: &str) -> &str {
    model.strip_prefix("efficientnet-").unwrap_or(model)
}

/// Colours that stay apart for colour-blind readers (Okabe & Ito 2008).
const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

/// Draws lines of points (y in 0..1, with their intervals) as a standalone SVG.
pub fn plot_svg(title: &str, series: &[Series]) -> String {
    let (width, height) = (720.0f64, 420.0f64);
    let (left, right, top, bottom) = (56.0, 170.0, 36.0, 48.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let max_x = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.x as f64))
        .fold(0.0f64, f64::max)
        .max(1.0);
    let x = |v: f64| left + v / max_x * plot_w;
    let y = |v: f64| top + (1.0 - v) * plot_h;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="12" role="img" aria-label="{t}">"#,
        t = escape(title)
    );
    let _ = write!(
        s,
        r#"<rect width="{width}" height="{height}" fill="white"/>"#
    );
    let _ = write!(
        s,
        r#"<text x="{left}" y="22" font-size="14" font-weight="bold">{}</text>"#,
        escape(title)
    );
    // Axes, grid and ticks.
    for i in 0..=4 {
        let v = i as f64 / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{x2:.1}" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{tx:.1}" y="{ty:.1}" text-anchor="end">{p}%</text>"##,
            x2 = left + plot_w,
            yy = y(v),
            tx = left - 6.0,
            ty = y(v) + 4.0,
            p = (v * 100.0) as u32
        );
    }
    let mut ticks: Vec<f32> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.x))
        .collect();
    ticks.sort_by(f32::total_cmp);
    ticks.dedup();
    for t in &ticks {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{t}</text>"#,
            x(*t as f64),
            top + plot_h + 16.0
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{left}" x2="{left}" y1="{top}" y2="{b:.1}" stroke="#444"/><line x1="{left}" x2="{r:.1}" y1="{b:.1}" y2="{b:.1}" stroke="#444"/>"##,
        b = top + plot_h,
        r = left + plot_w
    );
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">eps (pixel levels of 255)</text>"#,
        left + plot_w / 2.0,
        height - 10.0
    );
    let _ = write!(
        s,
        r#"<text transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">success rate (band: 95% Wilson)</text>"#,
        top + plot_h / 2.0
    );
    // Lines, bands, points, and each line's name at its end (nudged apart when ends collide).
    let mut label_ys: Vec<f64> = Vec::new();
    for (k, Series { name, points }) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        if points.len() > 1 {
            let upper: Vec<String> = points
                .iter()
                .map(|p| format!("{:.1},{:.1}", x(p.x as f64), y(p.high)))
                .collect();
            let lower: Vec<String> = points
                .iter()
                .rev()
                .map(|p| format!("{:.1},{:.1}", x(p.x as f64), y(p.low)))
                .collect();
            let _ = write!(
                s,
                r#"<polygon points="{} {}" fill="{colour}" fill-opacity="0.12"/>"#,
                upper.join(" "),
                lower.join(" ")
            );
            let line: Vec<String> = points
                .iter()
                .map(|p| format!("{:.1},{:.1}", x(p.x as f64), y(p.y)))
                .collect();
            let _ = write!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
                line.join(" ")
            );
        }
        for p in points {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{} eps {}: {:.0}% (95% CI {:.0}-{:.0}%)</title></circle>"#,
                x(p.x as f64),
                y(p.y),
                escape(name),
                p.x,
                p.y * 100.0,
                p.low * 100.0,
                p.high * 100.0
            );
        }
        if let Some(last) = points.last() {
            let mut ly = y(last.y) + 4.0;
            while label_ys.iter().any(|&u| (u - ly).abs() < 13.0) {
                ly += 13.0;
            }
            label_ys.push(ly);
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{ly:.1}" fill="{colour}">{}</text>"#,
                x(last.x as f64) + 8.0,
                escape(name)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Which share of a list a machine takes: image k goes to shard k mod n.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole list.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether the image at `position` of the whole list is this shard's.
    pub fn takes(&self, position: usize) -> bool {
        position % self.count == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    /// `i/n` with 0 <= i < n: Slurm's `$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT` (with
    /// `--array=0-(n-1)`) or Kubernetes' `$JOB_COMPLETION_INDEX/<completions>`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("--shard takes i/n with 0 <= i < n (such as 0/4), not '{s}'");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count || count > 100_000 {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn shard_syntax() {
        assert_eq!(
            "1/4".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 4 }
        );
        for bad in ["4/4", "1", "a/b", "0/0", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
