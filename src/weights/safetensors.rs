//! The safetensors format: an 8-byte little-endian header length, a JSON header mapping each
//! name to dtype, shape and byte range, then the raw little-endian data.
//!
//! Gibbon also writes it: `gibbon convert` stores the web app's compact model files as
//! safetensors with f16 weights (half the size; f32 again once loaded).

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};

use super::{Dtype, NamedTensor, TensorStore, WeightsError};

/// Largest header accepted: a real header is a few hundred KB at most.
const MAX_HEADER: u64 = 64 << 20;

#[derive(Debug)]
struct Entry {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
    begin: u64,
    end: u64,
}

/// Reads a safetensors file; tensors are read one at a time.
pub fn read<R: Read + Seek>(mut reader: R) -> Result<TensorStore, WeightsError> {
    let corrupt = |m: String| WeightsError::Corrupt(format!("safetensors: {m}"));
    let mut len = [0u8; 8];
    reader
        .read_exact(&mut len)
        .map_err(|_| corrupt("no header".into()))?;
    let len = u64::from_le_bytes(len);
    if len > MAX_HEADER {
        return Err(corrupt(format!("header of {len} bytes")));
    }
    let mut header = vec![0u8; len as usize];
    reader
        .read_exact(&mut header)
        .map_err(|_| corrupt("the file ends inside the header".into()))?;
    let header: serde_json::Value =
        serde_json::from_slice(&header).map_err(|e| corrupt(format!("header is not JSON: {e}")))?;
    let object = header
        .as_object()
        .ok_or_else(|| corrupt("header is not a JSON object".into()))?;
    let data_start = 8 + len;
    let file_len = reader
        .seek(SeekFrom::End(0))
        .map_err(|e| corrupt(e.to_string()))?;

    let mut entries = Vec::new();
    for (name, info) in object {
        if name == "__metadata__" {
            continue;
        }
        let bad = |what: &str| corrupt(format!("tensor '{name}': {what}"));
        let dtype_name = info["dtype"].as_str().ok_or_else(|| bad("no dtype"))?;
        let dtype = Dtype::from_safetensors(dtype_name)
            .ok_or_else(|| bad(&format!("unsupported dtype {dtype_name}")))?;
        let shape: Vec<usize> = info["shape"]
            .as_array()
            .ok_or_else(|| bad("no shape"))?
            .iter()
            .map(|d| d.as_u64().map(|d| d as usize))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("bad shape"))?;
        let offsets = info["data_offsets"]
            .as_array()
            .ok_or_else(|| bad("no data_offsets"))?;
        let (begin, end) = match offsets.as_slice() {
            [b, e] => (
                b.as_u64().ok_or_else(|| bad("bad offset"))?,
                e.as_u64().ok_or_else(|| bad("bad offset"))?,
            ),
            _ => return Err(bad("data_offsets must be [begin, end]")),
        };
        let count = shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
            .ok_or_else(|| bad("shape too large"))?;
        if end < begin || end - begin != count * dtype.size() as u64 {
            return Err(bad("byte range does not match shape and dtype"));
        }
        if data_start + end > file_len {
            return Err(bad("data runs past the end of the file (truncated?)"));
        }
        entries.push(Entry {
            name: name.clone(),
            dtype,
            shape,
            begin,
            end,
        });
    }
    // File order is data order; the JSON object's order is not meaningful.
    entries.sort_by_key(|e| e.begin);

    let mut store = TensorStore::new();
    for e in entries {
        reader
            .seek(SeekFrom::Start(data_start + e.begin))
            .map_err(|err| corrupt(err.to_string()))?;
        let mut bytes = vec![0u8; (e.end - e.begin) as usize];
        reader
            .read_exact(&mut bytes)
            .map_err(|_| corrupt(format!("tensor '{}' is truncated", e.name)))?;
        let values = e.dtype.to_f32(&bytes)?;
        store.insert(NamedTensor {
            name: e.name,
            shape: e.shape,
            values,
            stored_as: e.dtype,
        });
    }
    Ok(store)
}

/// Serialises tensors as safetensors, each in the dtype `dtype_of` picks (F32 or F16), with
/// string metadata.
pub fn write<'a>(
    tensors: impl IntoIterator<Item = &'a NamedTensor>,
    dtype_of: impl Fn(&NamedTensor) -> Dtype,
    metadata: &BTreeMap<String, String>,
) -> Result<Vec<u8>, WeightsError> {
    let mut header = serde_json::Map::new();
    if !metadata.is_empty() {
        header.insert(
            "__metadata__".into(),
            serde_json::to_value(metadata).unwrap(),
        );
    }
    let mut data: Vec<u8> = Vec::new();
    for t in tensors {
        let dtype = dtype_of(t);
        let begin = data.len();
        match dtype {
            Dtype::F32 => t
                .values
                .iter()
                .for_each(|v| data.extend_from_slice(&v.to_le_bytes())),
            Dtype::F16 => t
                .values
                .iter()
                .for_each(|v| data.extend_from_slice(&half::f16::from_f32(*v).to_le_bytes())),
            other => {
                return Err(WeightsError::Unsupported(format!(
                    "writing {other:?} tensors"
                )));
            }
        }
        header.insert(
            t.name.clone(),
            serde_json::json!({ "dtype": dtype.safetensors_name(), "shape": t.shape, "data_offsets": [begin, data.len()] }),
        );
    }
    let mut json = serde_json::to_vec(&serde_json::Value::Object(header)).unwrap();
    while json.len() % 8 != 0 {
        json.push(b' ');
    }
    let mut out = Vec::with_capacity(8 + json.len() + data.len());
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&data);
    Ok(out)
}

/// The `__metadata__` strings of a safetensors file (empty when there are none).
pub fn metadata(bytes: &[u8]) -> BTreeMap<String, String> {
    let parse = || -> Option<BTreeMap<String, String>> {
        let len = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?) as usize;
        let header: serde_json::Value = serde_json::from_slice(bytes.get(8..8 + len)?).ok()?;
        serde_json::from_value(header.get("__metadata__")?.clone()).ok()
    };
    parse().unwrap_or_default()
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
        let store = read(std::io::Cursor::new(&bytes)).unwrap();
        assert_eq!(store.names().collect::<Vec<_>>(), vec!["a.weight", "b"]);
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
            let err = read(std::io::Cursor::new(&bytes[..cut])).unwrap_err();
            assert!(matches!(err, WeightsError::Corrupt(_)), "{cut}: {err}");
        }
    }
}
