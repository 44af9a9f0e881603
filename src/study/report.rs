//! What a sweep's records add up to: the success rate per model, attack and eps, as JSON lines,
//! CSV and a plot.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Record;
use super::plot::{Point, Series, plot_svg, short};
use crate::attacks::Method;
use crate::stats::Proportion;

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
