//! The safetensors format: an 8-byte little-endian header length, a JSON header mapping each
//! name to dtype, shape and byte range, then the raw little-endian data.
//!
//! Parsing and writing go through Hugging Face's `safetensors` crate, which is fuzzed and
//! checks what a hostile header can get wrong: its size, byte ranges that overlap, leave gaps,
//! run backwards or past the data, and shapes that do not match their bytes. Gibbon writes it
//! too: `gibbon convert` stores the web app's compact model files with f16 or int8 weights
//! (half or a quarter of the size; f32 again once loaded, see [`super::int8`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use safetensors::tensor::{Dtype as StDtype, SafeTensors, View};

use super::{Dtype, NamedTensor, TensorStore, WeightsError};

fn corrupt(e: impl std::fmt::Display) -> WeightsError {
    WeightsError::Corrupt(format!("safetensors: {e}"))
}

fn our_dtype(dtype: StDtype) -> Option<Dtype> {
    Some(match dtype {
        StDtype::F64 => Dtype::F64,
        StDtype::F32 => Dtype::F32,
        StDtype::F16 => Dtype::F16,
        StDtype::BF16 => Dtype::BF16,
        StDtype::I64 => Dtype::I64,
        StDtype::I32 => Dtype::I32,
        StDtype::I16 => Dtype::I16,
        StDtype::I8 => Dtype::I8,
        StDtype::U8 => Dtype::U8,
        StDtype::BOOL => Dtype::Bool,
        _ => return None,
    })
}

/// Reads a whole safetensors file held in memory (or mapped from disk).
pub fn read(bytes: &[u8]) -> Result<TensorStore, WeightsError> {
    let file = SafeTensors::deserialize(bytes).map_err(corrupt)?;
    // In the file's data order (the header's JSON order means nothing).
    let mut tensors: Vec<_> = file.iter().collect();
    tensors.sort_by_key(|(_, view)| view.data().as_ptr() as usize);
    let mut read = Vec::with_capacity(tensors.len());
    for (name, view) in tensors {
        let dtype = our_dtype(view.dtype()).ok_or_else(|| {
            WeightsError::Unsupported(format!("tensor '{name}' has dtype {:?}", view.dtype()))
        })?;
        super::element_count(view.shape(), name)?;
        read.push(NamedTensor {
            name: name.to_string(),
            shape: view.shape().to_vec(),
            values: dtype.to_f32(view.data())?,
            stored_as: dtype,
        });
    }
    super::int8::expand(&mut read)?;
    let mut store = TensorStore::new();
    read.into_iter().for_each(|t| store.insert(t));
    Ok(store)
}

/// One tensor's bytes, ready to write.
struct Encoded {
    dtype: StDtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for &Encoded {
    fn dtype(&self) -> StDtype {
        self.dtype
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }

    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Serialises tensors as safetensors, each in the dtype `dtype_of` picks (F32 or F16, or I8 for
/// the integers of [`super::int8::quantise`], whose values are whole numbers in -127..=127),
/// with string metadata.
pub fn write<'a>(
    tensors: impl IntoIterator<Item = &'a NamedTensor>,
    dtype_of: impl Fn(&NamedTensor) -> Dtype,
    metadata: &BTreeMap<String, String>,
) -> Result<Vec<u8>, WeightsError> {
    let mut encoded = Vec::new();
    for t in tensors {
        let (dtype, bytes) = match dtype_of(t) {
            Dtype::F32 => (
                StDtype::F32,
                t.values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ),
            Dtype::F16 => (
                StDtype::F16,
                t.values
                    .iter()
                    .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
                    .collect(),
            ),
            Dtype::I8 => (
                StDtype::I8,
                t.values
                    .iter()
                    .map(|v| (v.round().clamp(-127.0, 127.0) as i8).to_le_bytes()[0])
                    .collect(),
            ),
            other => {
                return Err(WeightsError::Unsupported(format!(
                    "writing {other:?} tensors"
                )));
            }
        };
        encoded.push((
            t.name.clone(),
            Encoded {
                dtype,
                shape: t.shape.clone(),
                bytes,
            },
        ));
    }
    let info: HashMap<String, String> = metadata.clone().into_iter().collect();
    let info = (!info.is_empty()).then_some(info);
    safetensors::serialize(encoded.iter().map(|(n, e)| (n.as_str(), e)), info).map_err(corrupt)
}

/// The `__metadata__` strings of a safetensors file (empty when there are none, or when the
/// file is no valid safetensors).
pub fn metadata(bytes: &[u8]) -> BTreeMap<String, String> {
    SafeTensors::read_metadata(bytes)
        .ok()
        .and_then(|(_, m)| m.metadata().clone())
        .map(|m| m.into_iter().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(name: &str, shape: &[usize], values: &[f32]) -> NamedTensor {
        NamedTensor {
            name: name.into(),
            shape: shape.to_vec(),
            values: values.to_vec(),
            stored_as: Dtype::F32,
        }
    }

    #[test]
    fn round_trips_f32_and_f16() {
        let a = tensor("a.weight", &[2, 2], &[1.0, -2.0, 0.5, 3.25]);
        let b = tensor("b", &[3], &[0.1, 0.2, 0.3]);
        let meta = BTreeMap::from([("model".to_string(), "test".to_string())]);
        let bytes = write(
            [&a, &b],
            |t| {
                if t.name == "b" {
                    Dtype::F16
                } else {
                    Dtype::F32
                }
            },
            &meta,
        )
        .unwrap();
        assert_eq!(metadata(&bytes), meta);
        let store = read(&bytes).unwrap();
        let mut names: Vec<_> = store.names().collect();
        names.sort();
        assert_eq!(names, vec!["a.weight", "b"]);
        assert_eq!(store.get("a.weight").unwrap().values, a.values);
        let b16 = &store.get("b").unwrap().values;
        assert_eq!(store.get("b").unwrap().stored_as, Dtype::F16);
        for (x, y) in b16.iter().zip(&b.values) {
            assert!((x - y).abs() < 1e-3, "{x} vs {y}");
        }
    }

    #[test]
    fn truncated_file_is_an_error() {
        let a = tensor("a", &[4], &[1.0, 2.0, 3.0, 4.0]);
        let bytes = write([&a], |_| Dtype::F32, &BTreeMap::new()).unwrap();
        for cut in [4, 12, bytes.len() - 1] {
            let err = read(&bytes[..cut]).unwrap_err();
            assert!(matches!(err, WeightsError::Corrupt(_)), "{cut}: {err}");
        }
    }

    /// Headers a hostile file could carry: each is refused with a message, none panics.
    #[test]
    fn hostile_headers_are_refused() {
        let file = |header: &str, data: usize| {
            let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
            bytes.extend_from_slice(header.as_bytes());
            bytes.resize(bytes.len() + data, 0);
            bytes
        };
        for (what, header, data) in [
            (
                "backwards",
                r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#,
                4,
            ),
            (
                "overlap",
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                8,
            ),
            (
                "past the end",
                r#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
                8,
            ),
            (
                "shape vs bytes",
                r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                8,
            ),
            (
                "overflow",
                r#"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#,
                8,
            ),
            ("not json", "{nope", 0),
        ] {
            let err = read(&file(header, data)).unwrap_err();
            assert!(matches!(err, WeightsError::Corrupt(_)), "{what}: {err}");
        }
        // A header that claims more bytes than the file holds.
        let mut bytes = (1u64 << 40).to_le_bytes().to_vec();
        bytes.extend_from_slice(b"{}");
        assert!(read(&bytes).is_err());
    }
}
