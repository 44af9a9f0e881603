//! Compact weights for the web app (`gibbon convert`): the same tensors under the same names,
//! stored as f16, or as int8 with a scale per 32 weights ([`crate::weights::int8`]).
//!
//! Weights of two or more dimensions take the chosen precision; one-dimensional tensors
//! (biases, batch-norm statistics) stay f32, as they are tiny and the most sensitive. int8 keeps
//! kernels of fewer than 32 weights per channel (depthwise 3x3 and 5x5) in f16. For
//! EfficientNet-Lite the rounding of each channel is bias-corrected with its inputs' means,
//! estimated from the batch norms ([`efficientnet_lite::input_means`]); other architectures
//! are rounded plainly.
//!
//! Measured on Lite0 against its f32 weights (tests/weights.rs, 306 photos: the samples, their
//! crops, flips and noisy copies, and made-up stripes): f16 keeps every top-1. int8 keeps
//! 301 of 306 (98.4%) with logits within 0.29 (median 0.115), in 5.45 MB instead of 9.6. Rounded
//! plainly it kept 292 (95%), within 0.67 (median 0.25).

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
    let wide = match precision {
        Precision::F32 => Dtype::F32,
        Precision::F16 | Precision::Int8 => Dtype::F16,
    };
    store
        .iter()
        .flat_map(|t| {
            if precision == Precision::Int8 && int8::worth_quantising(t) {
                let (ints, scales) = int8::quantise(t, means.get(&t.name).map(Vec::as_slice));
                vec![ints, scales]
            } else {
                let stored_as = if t.shape.len() > 1 { wide } else { Dtype::F32 };
                vec![NamedTensor {
                    stored_as,
                    ..t.clone()
                }]
            }
        })
        .collect()
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
