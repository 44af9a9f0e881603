//! Compact weights for the web app (`gibbon convert`): the same tensors under the same names,
//! stored as f16, or as int8 with a scale per 32 weights ([`crate::weights::int8`]).
//!
//! Weights of two or more dimensions take the chosen precision. As f16, one-dimensional tensors
//! (biases, batch-norm statistics) stay f32. As int8, kernels of at least 32 weights per
//! channel are quantised (smaller ones, the stem and the depthwise kernels, stay f16). For
//! EfficientNet-Lite:
//! - the rounding of each channel is bias-corrected with its inputs' means, estimated from the
//!   batch norms ([`efficientnet_lite::input_means`]); other architectures are rounded plainly;
//! - each batch norm is stored as the scale and shift it applies in eval mode (weight
//!   `γ/√(var+ε)`, bias `β − mean·weight`, mean 0, variance `1 − ε`): the loader folds it into
//!   its convolution the same way ([`super::blocks::ConvNormAct`]), the two rounded numbers per
//!   channel are those it uses, and the two constant tensors cost a compressing host nothing;
//! - the one-dimensional tensors are f16 (the scale and shift of each batch norm, the biases):
//!   each within 1/2048 of itself, far inside what the int8 weights change (measured below).
//!   Other architectures keep them f32: their batch norms are stored as statistics, where an
//!   f16 mean, off by |mean|/2048, could shift a channel of small variance by much more.
//!
//! Measured on Lite0 against its f32 weights (tests/weights.rs, 306 photos: the samples, their
//! crops, flips and noisy copies, and made-up stripes): f16 keeps every top-1. int8 keeps
//! 301 of 306 (98.4%) with logits within 0.30 (median 0.120), in 5.32 MB instead of 9.6 (4.82 MB
//! with brotli). Rounded plainly it kept 292 (95%), within 0.67 (median 0.25). Its biases and
//! batch norms as f32 (as before 2026-12-07): the same 301, within 0.29 (median 0.115), 5.45 MB.

use std::collections::HashMap;

use super::efficientnet_lite::{self, Variant};
use super::keymap::KeyMap;
use crate::weights::{Dtype, NamedTensor, TensorStore, int8};
use crate::zoo::ModelId;

/// How the weights of two or more dimensions are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F32,
    F16,
    Int8,
}

impl Precision {
    /// Every precision, by its name in file names and on the command line.
    pub const ALL: [(&'static str, Precision); 3] = [
        ("f16", Precision::F16),
        ("int8", Precision::Int8),
        ("f32", Precision::F32),
    ];

    /// The name used in file names (`<model>.<name>.safetensors`) and by `--dtype`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
            Precision::Int8 => "int8",
        }
    }

    /// The precision called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|&(_, p)| p)
    }
}

/// `store`'s tensors, ready for [`crate::weights::safetensors::write`] with `|t| t.stored_as`:
/// int8 weights come as two tensors each, the integers and their scales.
pub fn tensors(id: ModelId, store: &TensorStore, precision: Precision) -> Vec<NamedTensor> {
    let means: HashMap<String, Vec<f32>> = match precision {
        Precision::Int8 => input_means(id, store).into_iter().collect(),
        _ => HashMap::new(),
    };
    let norms: HashMap<String, NamedTensor> = match (precision, Variant::of(id)) {
        (Precision::Int8, Some(_)) => batch_norms_as_affine(store, efficientnet_lite::BN_EPS),
        _ => HashMap::new(),
    };
    let (wide, narrow) = match precision {
        Precision::F32 => (Dtype::F32, Dtype::F32),
        Precision::F16 => (Dtype::F16, Dtype::F32),
        Precision::Int8 if norms.is_empty() => (Dtype::F16, Dtype::F32),
        Precision::Int8 => (Dtype::F16, Dtype::F16),
    };
    store
        .iter()
        .flat_map(|t| {
            if let Some(norm) = norms.get(&t.name) {
                vec![norm.clone()]
            } else if precision == Precision::Int8 && int8::worth_quantising(t) {
                let (ints, scales) = int8::quantise(t, means.get(&t.name).map(Vec::as_slice));
                vec![ints, scales]
            } else {
                let stored_as = match t.shape.len() {
                    0 => Dtype::F32,
                    1 => narrow,
                    _ => wide,
                };
                vec![NamedTensor {
                    stored_as,
                    ..t.clone()
                }]
            }
        })
        .collect()
}

/// Every batch norm of `store` (the tensors `<p>weight`, `<p>bias`, `<p>running_mean` and
/// `<p>running_var` of one length) as the scale and shift it applies in eval mode with `eps`:
/// weight `γ/√(var+eps)`, bias `β − mean·weight`, mean 0 and variance `1 − eps` (kept f32, so
/// that `var + eps` is 1 to within a part in 10^8), keyed by name.
fn batch_norms_as_affine(store: &TensorStore, eps: f64) -> HashMap<String, NamedTensor> {
    let mut out = HashMap::new();
    for var in store.iter().filter(|t| t.name.ends_with("running_var")) {
        let prefix = &var.name[..var.name.len() - "running_var".len()];
        let get = |param: &str| {
            store
                .get(&format!("{prefix}{param}"))
                .filter(|t| t.values.len() == var.values.len() && t.shape.len() == 1)
        };
        let (Some(gamma), Some(beta), Some(mean)) =
            (get("weight"), get("bias"), get("running_mean"))
        else {
            continue;
        };
        let scale: Vec<f64> = gamma
            .values
            .iter()
            .zip(&var.values)
            .map(|(&g, &v)| f64::from(g) / (f64::from(v) + eps).sqrt())
            .collect();
        let shift = beta
            .values
            .iter()
            .zip(&mean.values)
            .zip(&scale)
            .map(|((&b, &m), &s)| (f64::from(b) - f64::from(m) * s) as f32)
            .collect();
        let like = |t: &NamedTensor, values: Vec<f32>, stored_as: Dtype| NamedTensor {
            name: t.name.clone(),
            shape: t.shape.clone(),
            values,
            stored_as,
        };
        let n = var.values.len();
        let scale = scale.iter().map(|&s| s as f32).collect();
        for t in [
            like(gamma, scale, Dtype::F16),
            like(beta, shift, Dtype::F16),
            like(mean, vec![0.0; n], Dtype::F16),
            like(var, vec![(1.0 - eps) as f32; n], Dtype::F32),
        ] {
            out.insert(t.name.clone(), t);
        }
    }
    out
}

/// The input means of `id`'s layers, keyed by weight name in `store`, where Gibbon knows how to
/// estimate them (EfficientNet-Lite); empty otherwise.
fn input_means(id: ModelId, store: &TensorStore) -> Vec<(String, Vec<f32>)> {
    let Some(variant) = Variant::of(id) else {
        return Vec::new();
    };
    let names = KeyMap::new(id.detect_layout(store), id);
    efficientnet_lite::input_means(variant, &names, store).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(name: &str, values: Vec<f32>) -> NamedTensor {
        NamedTensor {
            name: name.into(),
            shape: vec![values.len()],
            values,
            stored_as: Dtype::F32,
        }
    }

    /// A Lite file's batch norm, stored as int8 (f16 scale and shift) and read back, does to an
    /// input what the original batch norm does, to f16's precision.
    #[test]
    fn batch_norms_become_their_scale_and_shift() {
        let mut store = TensorStore::new();
        let (gamma, beta) = (vec![0.5, -2.0, 3.0], vec![0.1, 4.0, -1.5]);
        let (mean, var) = (vec![1.0, -3.0, 0.25], vec![0.01, 4.0, 2.5]);
        for (param, values) in [
            ("weight", &gamma),
            ("bias", &beta),
            ("running_mean", &mean),
            ("running_var", &var),
        ] {
            store.insert(tensor(&format!("_bn0.{param}"), values.clone()));
        }
        let stored = tensors(ModelId::EfficientNetLite0, &store, Precision::Int8);
        let bytes = crate::weights::safetensors::write(
            &stored,
            |t| t.stored_as,
            &std::collections::BTreeMap::new(),
        )
        .unwrap();
        let back = crate::weights::read_bytes(&bytes, "bn").unwrap();
        let get = |param: &str| back.get(&format!("_bn0.{param}")).unwrap().values.clone();
        assert_eq!(get("running_mean"), vec![0.0; 3]);
        let eps = efficientnet_lite::BN_EPS;
        let norm = |x: f64, g: f32, b: f32, m: f32, v: f32| {
            (x - f64::from(m)) * f64::from(g) / (f64::from(v) + eps).sqrt() + f64::from(b)
        };
        let (g2, b2, m2, v2) = (
            get("weight"),
            get("bias"),
            get("running_mean"),
            get("running_var"),
        );
        for c in 0..3 {
            for x in [-4.0, 0.0, 0.5, 7.0] {
                let want = norm(x, gamma[c], beta[c], mean[c], var[c]);
                let got = norm(x, g2[c], b2[c], m2[c], v2[c]);
                assert!(
                    (want - got).abs() < 1e-3 * (1.0 + want.abs()),
                    "{c} {x}: {want} {got}"
                );
            }
        }
        // Other architectures keep their batch norms as they are, in f32.
        let plain = tensors(ModelId::ResNet50, &store, Precision::Int8);
        let var_kept = plain.iter().find(|t| t.name == "_bn0.running_var").unwrap();
        assert_eq!(var_kept.values, var);
        assert_eq!(var_kept.stored_as, Dtype::F32);
    }
}
