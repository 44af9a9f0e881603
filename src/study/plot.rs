//! Success rates against a budget as a standalone SVG: a line per model and attack, named at
//! its end, each point's 95% interval as a band.

use std::fmt::Write as _;

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
pub(super) fn short(model: &str) -> &str {
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
