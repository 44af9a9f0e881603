//! Weights as 8-bit integers with a scale per 32 weights of an output channel (`gibbon convert
//! --dtype int8`): Lite0 in 5.32 MB instead of 9.6 MB as f16, expanded to f32 once read.
//!
//! Symmetric post-training quantisation of the weights alone: each group `g` of 32 weights along
//! an output channel keeps an f16 `scale[g]` (the largest magnitude over 127, or a little less
//! where that rounds the group with less squared error) and `q = round(w / scale[g])` in
//! -127..=127. Kernels of fewer than 32 weights per channel (the stem, depthwise 3x3 and 5x5)
//! stay f16: quantised with a scale per channel (tests/weights.rs, 306 photos), the depthwise
//! kernels changed the top-1 of 11 photos, the stem alone 9, both 12, against 5 with them f16.
//! (What else a compact file keeps: [`crate::models::compact`].) In a safetensors file the
//! integers are an `I8` tensor under the weight's own name and the scales an f16 tensor `<name>.int8_scale` of shape
//! `[channels, groups]`; the reader gives back `q * scale` under the weight's name, so a
//! loader never sees the difference.
//!
//! Bias correction: rounding each weight to its nearest integer leaves errors that are small
//! one by one but add up over a channel's hundreds of inputs. Inputs have a mean (after ReLU6
//! mostly positive), so the sum `Σ error[c] · mean[c]` shifts the channel's output like a wrong
//! bias, which the next batch norm magnifies and the residual path carries to the logits. Given
//! the means of a layer's inputs ([`quantise`]'s `input_means`; for EfficientNet-Lite
//! `models::compact` estimates them from the batch-norm statistics), a few weights per channel
//! that lie nearest to halfway between two integers are rounded the other way until that sum is
//! as near zero as one step allows. The file format does not change.
//!
//! Measured on Lite0 against its f32 weights (tests/weights.rs, 306 photos): plain rounding kept
//! the top-1 of 292 (95%), logits within 0.67 (median 0.25); the quantised linear-bottleneck
//! ("project") convolutions alone caused nearly all of it. With bias correction 301 (98.4%),
//! within 0.30 (median 0.120); see `models::compact`.

use super::{Dtype, NamedTensor, WeightsError};

/// Weights per scale along a channel: 32, as GGML's Q8_0 groups them. One scale for a whole
/// channel let a channel's few largest weights set a coarse step for all the others; on
/// Lite0 that changed the top-1 of 20 of 306 photos (see tests/weights.rs).
pub const GROUP: usize = 32;

/// What a weight's scales are called beside it.
pub const SCALE_SUFFIX: &str = ".int8_scale";

/// Whether a tensor is quantised when a file is converted: weights of two or more dimensions
/// with at least [`GROUP`] weights per output channel.
pub fn worth_quantising(tensor: &NamedTensor) -> bool {
    let per_channel = tensor.shape.iter().skip(1).product::<usize>();
    tensor.shape.len() > 1 && tensor.shape[0] > 0 && per_channel >= 32
}

/// Splits a weight into its integers (as f32 values -127..=127, `stored_as` I8) and the scales
/// of its groups (f16), named as the file stores them. With `input_means`, the mean of each
/// input channel (`shape[1]` of them), each output channel's rounding errors are balanced
/// against those means (bias correction, see the module's notes); with means of the wrong
/// length the weight is rounded plainly.
pub fn quantise(tensor: &NamedTensor, input_means: Option<&[f32]>) -> (NamedTensor, NamedTensor) {
    let channels = tensor.shape.first().copied().unwrap_or(1).max(1);
    let per = tensor.values.len() / channels;
    let groups = per.div_ceil(GROUP);
    let inputs = tensor.shape.get(1).copied().unwrap_or(0);
    // The mean under each weight of a row: [C_in, kh, kw] row-major, so input i / (kh * kw).
    let means: Option<Vec<f32>> = input_means
        .filter(|m| inputs > 0 && m.len() == inputs && per.is_multiple_of(inputs))
        .map(|m| (0..per).map(|i| m[i / (per / inputs)]).collect());
    let mut ints = Vec::with_capacity(tensor.values.len());
    let mut scales = Vec::with_capacity(channels * groups);
    for row in tensor.values.chunks(per.max(1)) {
        let first = ints.len();
        for group in row.chunks(GROUP) {
            // The scale as the file keeps it (f16), so that the integers fit it.
            let scale = half::f16::from_f32(best_scale(group)).to_f32();
            let scale = if scale > 0.0 && scale.is_finite() {
                scale
            } else {
                1.0
            };
            scales.push(scale);
            ints.extend(
                group
                    .iter()
                    .map(|v| (v / scale).round().clamp(-127.0, 127.0)),
            );
        }
        if let Some(means) = &means {
            let row_scales = &scales[scales.len() - groups..];
            correct_bias(row, &mut ints[first..], row_scales, means);
        }
    }
    (
        NamedTensor {
            name: tensor.name.clone(),
            shape: tensor.shape.clone(),
            values: ints,
            stored_as: Dtype::I8,
        },
        NamedTensor {
            name: format!("{}{SCALE_SUFFIX}", tensor.name),
            shape: vec![channels, groups],
            values: scales,
            stored_as: Dtype::F16,
        },
    )
}

/// Rounds some of one output channel's weights the other way (by one step each, never past
/// ±127) so that `Σ (q·scale - w) · mean` comes as near zero as one step allows. Each move is
/// the one that adds the least squared weight error per unit of the sum it removes: weights
/// near halfway between two integers, under inputs with large means.
fn correct_bias(row: &[f32], ints: &mut [f32], scales: &[f32], means: &[f32]) {
    let scale = |i: usize| scales[i / GROUP];
    let error = |ints: &[f32], i: usize| ints[i] * scale(i) - row[i];
    let mut total: f64 = (0..row.len())
        .map(|i| f64::from(error(ints, i)) * f64::from(means[i]))
        .sum();
    // A move: weight i one step up (+1) or down (-1), changing the total by step·scale·mean.
    let moves: Vec<(usize, f32)> = (0..row.len())
        .filter_map(|i| {
            let direction = if (total > 0.0) == (means[i] > 0.0) {
                -1.0
            } else {
                1.0
            };
            let q = ints[i] + direction;
            (means[i] != 0.0 && (-127.0..=127.0).contains(&q)).then_some((i, direction))
        })
        .collect();
    let added = |&(i, d): &(usize, f32)| {
        let (e, s) = (error(ints, i), scale(i));
        let after = e + d * s;
        (after * after - e * e) / (s * means[i].abs())
    };
    let mut moves: Vec<(f32, usize, f32)> = moves.iter().map(|m| (added(m), m.0, m.1)).collect();
    moves.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (_, i, direction) in moves {
        let change = f64::from(direction * scale(i) * means[i]);
        if (total + change).abs() < total.abs() {
            ints[i] += direction;
            total += change;
        }
    }
}

/// The scale for one channel with the least squared error: the largest magnitude over 127, or
/// a little less, which clips the rare largest weights and rounds all others more finely.
fn best_scale(row: &[f32]) -> f32 {
    let largest = row.iter().fold(0f32, |m, v| m.max(v.abs()));
    // A channel of zeros keeps scale 1 (its integers are all 0 either way).
    if !(largest > 0.0 && largest.is_finite()) {
        return 1.0;
    }
    let error = |scale: f32| -> f32 {
        row.iter()
            .map(|v| {
                let q = (v / scale).round().clamp(-127.0, 127.0) * scale;
                (q - v) * (q - v)
            })
            .sum()
    };
    (0..=40)
        .map(|k| largest * (1.0 - k as f32 * 0.0125) / 127.0)
        .min_by(|a, b| error(*a).total_cmp(&error(*b)))
        .unwrap_or(largest / 127.0)
}

/// Expands every quantised weight among `tensors` in place (its integers times its group's
/// scale) and drops the scales. A scale tensor without its weight, a weight that is not `I8`,
/// a count of scales that does not fit the weight's shape, or a scale that is not a positive
/// finite number is a corrupt file.
pub fn expand(tensors: &mut Vec<NamedTensor>) -> Result<(), WeightsError> {
    let corrupt = |what: String| WeightsError::Corrupt(format!("int8 weights: {what}"));
    let scales: Vec<NamedTensor> = {
        let (scales, rest): (Vec<_>, Vec<_>) = std::mem::take(tensors)
            .into_iter()
            .partition(|t| t.name.ends_with(SCALE_SUFFIX));
        *tensors = rest;
        scales
    };
    for scale in scales {
        let name = &scale.name[..scale.name.len() - SCALE_SUFFIX.len()];
        let Some(weight) = tensors.iter_mut().find(|t| t.name == name) else {
            return Err(corrupt(format!("'{}' scales no tensor", scale.name)));
        };
        if weight.stored_as != Dtype::I8 {
            return Err(corrupt(format!(
                "'{name}' has scales but is stored as {:?}, not I8",
                weight.stored_as
            )));
        }
        let channels = weight.shape.first().copied().unwrap_or(0);
        let per = weight.values.len() / channels.max(1);
        if channels == 0 || scale.values.len() != channels * per.div_ceil(GROUP) {
            return Err(corrupt(format!(
                "'{name}' has {channels} output channels of {per} but {} scales",
                scale.values.len()
            )));
        }
        if let Some(bad) = scale.values.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            return Err(corrupt(format!("'{name}' has a scale of {bad}")));
        }
        let groups = weight
            .values
            .chunks_mut(per.max(1))
            .flat_map(|row| row.chunks_mut(GROUP));
        for (group, s) in groups.zip(&scale.values) {
            group.iter_mut().for_each(|v| *v *= s);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weight(values: &[f32], shape: &[usize]) -> NamedTensor {
        NamedTensor {
            name: "conv.weight".into(),
            shape: shape.to_vec(),
            values: values.to_vec(),
            stored_as: Dtype::F32,
        }
    }

    #[test]
    fn each_group_keeps_its_own_scale_and_comes_back_within_half_a_step() {
        // Two channels of 40 weights (two groups each: 32 and 8), the second 500 times smaller.
        let values: Vec<f32> = (0..80)
            .map(|i| {
                let v = ((i * 37 % 41) as f32 - 20.0) / 20.0;
                if i < 40 { v } else { v / 500.0 }
            })
            .collect();
        let w = weight(&values, &[2, 40]);
        let (ints, scales) = quantise(&w, None);
        assert_eq!(scales.shape, [2, 2]);
        assert_eq!(scales.name, "conv.weight.int8_scale");
        assert!(
            ints.values
                .iter()
                .all(|q| q.fract() == 0.0 && q.abs() <= 127.0)
        );
        let mut back = vec![ints, scales.clone()];
        expand(&mut back).unwrap();
        assert_eq!(back.len(), 1);
        for (i, (a, b)) in back[0].values.iter().zip(&values).enumerate() {
            let scale = scales.values[(i / 40) * 2 + usize::from(i % 40 >= 32)];
            assert!((a - b).abs() <= scale / 2.0 + 1e-9, "{i}: {a} vs {b}");
            assert!(
                scale
                    <= values[i / 40 * 40..][..40]
                        .iter()
                        .fold(0f32, |m, v| m.max(v.abs()))
                        / 127.0
                        * 1.001
            );
        }
    }

    #[test]
    fn bias_correction_balances_the_errors_against_the_input_means() {
        // Four output channels of 96 inputs whose means differ (after ReLU6: 0 to 6).
        let values: Vec<f32> = (0..384)
            .map(|i| ((i * 7919 % 1000) as f32 / 1000.0 - 0.5) * 0.2)
            .collect();
        let means: Vec<f32> = (0..96).map(|c| (c % 13) as f32 * 0.45).collect();
        let w = weight(&values, &[4, 96]);
        let shift = |ints: &NamedTensor, scales: &NamedTensor, row: usize| -> f32 {
            (0..96)
                .map(|c| {
                    let i = row * 96 + c;
                    let s = scales.values[row * 3 + c / 32];
                    (ints.values[i] * s - values[i]) * means[c]
                })
                .sum()
        };
        let (plain, plain_scales) = quantise(&w, None);
        let (fixed, scales) = quantise(&w, Some(&means));
        assert_eq!(plain_scales.values, scales.values);
        for row in 0..4 {
            let step = scales.values[row * 3..][..3]
                .iter()
                .fold(0f32, |m, s| m.max(*s))
                * 6.0;
            let (before, after) = (shift(&plain, &scales, row), shift(&fixed, &scales, row));
            assert!(
                after.abs() <= step,
                "row {row}: {after} (plain rounding {before})"
            );
            assert!(
                after.abs() <= before.abs(),
                "row {row}: {after} vs {before}"
            );
        }
        // Every weight still within one and a half steps, and the integers in range.
        for (i, (q, v)) in fixed.values.iter().zip(&values).enumerate() {
            let s = scales.values[(i / 96) * 3 + (i % 96) / 32];
            assert!((q * s - v).abs() <= 1.5 * s && q.abs() <= 127.0, "{i}");
        }
        // Means of the wrong length: plain rounding.
        assert_eq!(quantise(&w, Some(&means[..50])).0.values, plain.values);
    }

    #[test]
    fn a_channel_of_zeros_stays_zero() {
        let (ints, scales) = quantise(&weight(&[0.0; 64], &[2, 32]), None);
        assert!(ints.values.iter().all(|&q| q == 0.0));
        assert!(scales.values.iter().all(|&s| s == 1.0));
    }

    #[test]
    fn inconsistent_files_are_corrupt() {
        let (ints, scales) = quantise(&weight(&[1.0, 2.0, 3.0, 4.0], &[2, 2]), None);
        assert_eq!(scales.values.len(), 2);
        let mut wrong_count = scales.clone();
        wrong_count.values.push(1.0);
        let mut nan = scales.clone();
        nan.values[0] = f32::NAN;
        let mut not_i8 = ints.clone();
        not_i8.stored_as = Dtype::F16;
        for (what, mut tensors) in [
            ("no weight", vec![scales.clone()]),
            ("count", vec![ints.clone(), wrong_count]),
            ("nan", vec![ints.clone(), nan]),
            ("dtype", vec![not_i8, scales]),
        ] {
            let err = expand(&mut tensors).unwrap_err();
            assert!(matches!(err, WeightsError::Corrupt(_)), "{what}: {err}");
        }
    }
}
