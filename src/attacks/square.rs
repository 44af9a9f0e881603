//! Square Attack, L-inf (Andriushchenko et al. 2020, "Square Attack: a query-efficient black-box
//! adversarial attack via random search"): the one attack in Gibbon that needs no gradient. It
//! sees only the model's five most likely classes and their probabilities, as a web service
//! would show them, and still fools undefended models: hiding the gradient is no defence.
//!
//! It starts from vertical stripes of +-eps, then, query after query, sets a random square
//! window of each channel to the photo plus or minus eps and keeps the change when the margin
//! (log-probability of the best right class minus that of the best other visible class) falls,
//! or when the margin is negative: the model is fooled. The square's side shrinks on the
//! schedule of the reference implementation (fra31/auto-attack's `square.py`, without
//! rescaling: p = 0.8 halved after 10, 50, 200, 500, 1000, 2000, 4000, 6000 and 8000 queries).
//! Each image draws its windows from its own stream, so a batch gives the results of each
//! image alone. A history record is written every [`REPORT_EVERY`] queries; its `step` counts
//! the queries made so far.

use burn::prelude::*;

use super::AttackError;
use super::observer::Observer;
use super::random::SplitMix64;
use super::setup::Setup;
use super::tracker::Tracker;
use crate::imaging::to_chw;
use crate::prediction::Probabilities;

/// How many queries pass between two history records (and the observer's turns).
pub const REPORT_EVERY: usize = 10;

/// The classes the attacker sees: the model's top five.
const VISIBLE: usize = 5;

/// The side of the square window at query `i`, for an image of `h` x `w` and the initial share
/// `p_init` of its pixels.
pub fn side(i: usize, p_init: f32, h: usize, w: usize) -> usize {
    let halvings = match i {
        0..=10 => 0,
        11..=50 => 1,
        51..=200 => 2,
        201..=500 => 3,
        501..=1000 => 4,
        1001..=2000 => 5,
        2001..=4000 => 6,
        4001..=6000 => 7,
        6001..=8000 => 8,
        _ => 9,
    };
    let p = p_init as f64 / (1u32 << halvings) as f64;
    let s = (p * (h * w) as f64).sqrt().round_ties_even() as usize;
    s.clamp(1, h.min(w))
}

/// The margin the attack drives below zero, from what the attacker sees (the top five): the
/// log-probability of the most likely right class minus that of the most likely other class.
/// Negative when the top-1 is not a right class.
pub fn margin(probs: &Probabilities, right: &[usize]) -> f32 {
    let top = probs.top(VISIBLE);
    let ln = |p: f32| p.max(f32::MIN_POSITIVE).ln();
    let best_right = top.iter().find(|p| right.contains(&p.index));
    let best_other = top.iter().find(|p| !right.contains(&p.index));
    match (best_right, best_other) {
        (Some(r), Some(o)) => ln(r.prob) - ln(o.prob),
        // Every visible class is right: the others are below the fifth.
        (Some(r), None) => ln(r.prob) - ln(top[top.len() - 1].prob),
        (None, _) => -f32::INFINITY,
    }
}

/// One image's search.
struct Search {
    /// Its row in the batch.
    image: usize,
    rng: SplitMix64,
    original: Vec<f32>,
    best: Vec<f32>,
    margin: f32,
    loss: f32,
    queries: usize,
}

pub async fn attack(
    setup: &Setup<'_>,
    tracker: &mut Tracker<'_, impl Observer>,
) -> Result<Tensor<4>, AttackError> {
    let (config, n, device) = (setup.config, setup.n, &setup.device);
    let (h, w) = (setup.height, setup.width);
    let plane = h * w;
    let eps = config.eps;
    let clamp = |v: f32| v.clamp(0.0, 255.0);
    // The first query: vertical stripes of +-eps, each column and channel its own sign.
    let mut searches: Vec<Search> = (0..n)
        .map(|i| {
            let mut rng = SplitMix64(config.seed ^ 0x7371_7561_7265);
            let original = to_chw(&setup.images[i]);
            let mut best = original.clone();
            for c in 0..3 {
                for x in 0..w {
                    let sign = if rng.unit() < 0.5 { -1.0 } else { 1.0 };
                    for y in 0..h {
                        let at = c * plane + y * w + x;
                        best[at] = clamp(original[at] + sign * eps);
                    }
                }
            }
            Search {
                image: i,
                rng,
                original,
                best,
                margin: f32::INFINITY,
                loss: f32::INFINITY,
                queries: 0,
            }
        })
        .collect();
    let mut last_probs = setup.original_probs.clone();
    let candidates: Vec<Vec<f32>> = searches.iter().map(|s| s.best.clone()).collect();
    let probs = query(setup, &candidates).await?;
    for (s, p) in searches.iter_mut().zip(probs) {
        s.margin = margin(&p, &setup.right[s.image]);
        s.loss = s.margin;
        s.queries = 1;
        last_probs[s.image] = p;
    }
    let mut since_report = 0;
    for i in 0..config.queries {
        let active: Vec<usize> = (0..n).filter(|&k| searches[k].margin > 0.0).collect();
        if active.is_empty() {
            break;
        }
        let s_side = side(i, config.p_init, h, w);
        let candidates: Vec<Vec<f32>> = active
            .iter()
            .map(|&k| {
                let search = &mut searches[k];
                let top = (search.rng.unit() * (h - s_side) as f64) as usize;
                let left = (search.rng.unit() * (w - s_side) as f64) as usize;
                let signs: [f32; 3] =
                    std::array::from_fn(|_| if search.rng.unit() < 0.5 { -1.0 } else { 1.0 });
                let mut x = search.best.clone();
                for (c, sign) in signs.iter().enumerate() {
                    for y in top..top + s_side {
                        let window = c * plane + y * w + left..c * plane + y * w + left + s_side;
                        for (v, o) in x[window.clone()].iter_mut().zip(&search.original[window]) {
                            *v = clamp(o + sign * eps);
                        }
                    }
                }
                x
            })
            .collect();
        let probs = query(setup, &candidates).await?;
        for ((&k, x), p) in active.iter().zip(candidates).zip(probs) {
            let search = &mut searches[k];
            let m = margin(&p, &setup.right[search.image]);
            let improved = m < search.loss;
            if improved {
                search.loss = m;
            }
            if improved || m <= 0.0 {
                search.margin = m;
                search.best = x;
                last_probs[search.image] = p;
            }
            search.queries += 1;
        }
        since_report += 1;
        if since_report == REPORT_EVERY || i + 1 == config.queries {
            since_report = 0;
            for s in &searches {
                tracker.set_queries(s.image, s.queries);
            }
            let records = tracker.record(setup, &last_probs, true);
            let iterate = batch(&searches, h, w, device);
            if !tracker.moved(&records, &iterate).await {
                break;
            }
        }
    }
    for s in &searches {
        tracker.set_queries(s.image, s.queries);
    }
    Ok(batch(&searches, h, w, device))
}

/// The model's answers for candidate images (CHW pixels): one query each.
async fn query(
    setup: &Setup<'_>,
    candidates: &[Vec<f32>],
) -> Result<Vec<Probabilities>, AttackError> {
    let (h, w) = (setup.height, setup.width);
    let values = candidates.concat();
    let x = Tensor::<4>::from_data(
        TensorData::new(values, [candidates.len(), 3, h, w]),
        &setup.device,
    );
    Ok(setup.ensemble.probabilities(x).await?)
}

/// Every image's best candidate as a batch [N, 3, H, W].
fn batch(searches: &[Search], h: usize, w: usize, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = searches
        .iter()
        .flat_map(|s| s.best.iter().copied())
        .collect();
    Tensor::from_data(TensorData::new(values, [searches.len(), 3, h, w]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_square_shrinks_on_the_reference_schedule() {
        let sides: Vec<usize> = [0, 10, 11, 51, 201, 501, 1001, 2001, 4001, 4999]
            .iter()
            .map(|&i| side(i, 0.8, 224, 224))
            .collect();
        assert_eq!(sides, vec![200, 200, 142, 100, 71, 50, 35, 25, 18, 18]);
        assert_eq!(side(9000, 0.8, 224, 224), 9);
        assert_eq!(side(0, 0.8, 4, 4), 4);
    }

    #[test]
    fn the_margin_sees_the_top_five_only() {
        let mut log_probs = vec![(1e-6f32).ln(); 1000];
        for (c, p) in [(281, 0.5f32), (282, 0.3), (7, 0.1)] {
            log_probs[c] = p.ln();
        }
        let probs = Probabilities::from_log_probs(log_probs);
        let m = margin(&probs, &[281, 282]);
        assert!((m - (0.5f32 / 0.1).ln()).abs() < 1e-5, "{m}");
        assert!(margin(&probs, &[7]) < 0.0);
        assert_eq!(margin(&probs, &[999]), -f32::INFINITY);
    }
}
