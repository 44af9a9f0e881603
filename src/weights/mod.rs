//! Reading weight files into a [`TensorStore`]: named f32 tensors in row-major order.
//!
//! Formats: PyTorch `.pth` (the legacy pre-1.6 format and the zip format, any dtype, any
//! strides and storage offsets), safetensors (f32, f16, bf16, ...) and NumPy `.npz` (Chainer's
//! weight files). Gibbon's compact web files are safetensors with f16 weights. Architectures take tensors out of the store by name
//! and shape, so a wrong file fails on the first key that does not fit, and says which.

mod dtype;
pub mod int8;
pub mod npz;
pub mod pickle;
pub mod safetensors;
pub mod torch;

pub use dtype::Dtype;

use std::collections::HashMap;
use std::io::{Read, Seek};

/// What can go wrong reading or using a weights file.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("cannot read weights file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{0}: this is not a weights file Gibbon reads (PyTorch .pth, safetensors or Chainer .npz)"
    )]
    UnknownFormat(String),
    #[error("the weights file is corrupt or truncated: {0}")]
    Corrupt(String),
    #[error("unsupported weights file: {0}")]
    Unsupported(String),
    #[error("the weights file has no tensor '{key}'{}: is it the weights of {arch}?", closest(.available))]
    Missing {
        key: String,
        arch: String,
        available: Vec<String>,
    },
    #[error(
        "tensor '{key}' has shape {found:?} in the weights file, but {arch} needs {expected:?}: are these the weights of another model?"
    )]
    Shape {
        key: String,
        arch: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    #[error(
        "weights for {model} are not installed: {path} does not exist.\n  Fetch them with:  {fetch}"
    )]
    NotInstalled {
        model: String,
        path: String,
        fetch: String,
    },
    #[error("no weights for {model}: pass --weights FILE ({examples}), or put the file in {dir}")]
    NoWeights {
        model: String,
        examples: String,
        dir: String,
    },
}

fn closest(available: &[String]) -> String {
    match available.first() {
        Some(first) => format!(" (its first tensor is '{first}')"),
        None => " (it holds no tensors at all)".to_string(),
    }
}

/// One named tensor: shape and row-major f32 values, and the dtype it had in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
    pub stored_as: Dtype,
}

/// Named tensors in file order.
#[derive(Debug, Default, Clone)]
pub struct TensorStore {
    tensors: Vec<Option<NamedTensor>>,
    index: HashMap<String, usize>,
}

impl TensorStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tensor; a second tensor of the same name replaces the first.
    pub fn insert(&mut self, tensor: NamedTensor) {
        match self.index.get(&tensor.name) {
            Some(&i) => self.tensors[i] = Some(tensor),
            None => {
                self.index.insert(tensor.name.clone(), self.tensors.len());
                self.tensors.push(Some(tensor));
            }
        }
    }

    /// The tensor called `name`, if it is (still) here.
    pub fn get(&self, name: &str) -> Option<&NamedTensor> {
        self.index.get(name).and_then(|&i| self.tensors[i].as_ref())
    }

    /// Whether a tensor called `name` is here.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Names of the tensors still here, in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tensors.iter().flatten().map(|t| t.name.as_str())
    }

    /// Tensors still here, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &NamedTensor> {
        self.tensors.iter().flatten()
    }

    /// Number of tensors still here.
    pub fn len(&self) -> usize {
        self.tensors.iter().flatten().count()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Moves the tensor `name` out, checking its shape; `arch` names the architecture for the
    /// error message. Taking tensors out lets each be freed once it is on the device.
    pub fn take(
        &mut self,
        name: &str,
        shape: &[usize],
        arch: &str,
    ) -> Result<NamedTensor, WeightsError> {
        let slot = self
            .index
            .get(name)
            .and_then(|&i| self.tensors[i].as_ref().map(|_| i));
        let Some(i) = slot else {
            return Err(WeightsError::Missing {
                key: name.to_string(),
                arch: arch.to_string(),
                available: self.names().take(1).map(str::to_string).collect(),
            });
        };
        let found = &self.tensors[i].as_ref().unwrap().shape;
        if found.as_slice() != shape {
            // A [n, 1, 1] bias and a [n] bias hold the same numbers; anything else is a mismatch.
            let squeeze = |s: &[usize]| s.iter().copied().filter(|&d| d != 1).collect::<Vec<_>>();
            let same_numbers = squeeze(found) == squeeze(shape);
            if !same_numbers {
                return Err(WeightsError::Shape {
                    key: name.to_string(),
                    arch: arch.to_string(),
                    expected: shape.to_vec(),
                    found: found.clone(),
                });
            }
        }
        let mut tensor = self.tensors[i].take().unwrap();
        tensor.shape = shape.to_vec();
        Ok(tensor)
    }

    /// Removes the tensor `name` if present (for buffers an architecture does not use).
    pub fn discard(&mut self, name: &str) {
        if let Some(&i) = self.index.get(name) {
            self.tensors[i] = None;
        }
    }
}

/// The container format of a weights file, told from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PyTorch zip (torch >= 1.6) or legacy pickle stream; a zip may also be an `.npz`.
    Torch,
    /// safetensors: an 8-byte header length, then a JSON header.
    Safetensors,
}

impl Format {
    /// Guesses the format from the first bytes of a file.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        if head.starts_with(b"PK\x03\x04") || head.starts_with(&[0x80, 0x02]) {
            return Some(Format::Torch);
        }
        if head.len() >= 9 {
            let n = u64::from_le_bytes(head[..8].try_into().unwrap());
            if n > 1 && n < 100_000_000 && head[8] == b'{' {
                return Some(Format::Safetensors);
            }
        }
        None
    }
}

/// Reads any supported weights file from a seekable reader; `what` names it in errors.
pub fn read<R: Read + Seek>(mut reader: R, what: &str) -> Result<TensorStore, WeightsError> {
    let io = |source| WeightsError::Io {
        path: what.into(),
        source,
    };
    let mut head = [0u8; 16];
    let n = read_up_to(&mut reader, &mut head).map_err(io)?;
    let rewind = |reader: &mut R| {
        reader
            .seek(std::io::SeekFrom::Start(0))
            .map(|_| ())
            .map_err(io)
    };
    rewind(&mut reader)?;
    match Format::sniff(&head[..n]) {
        // A zip is a torch checkpoint (data.pkl inside) or a NumPy archive (.npy inside).
        Some(Format::Torch) if head.starts_with(b"PK\x03\x04") => {
            let zip = zip::ZipArchive::new(&mut reader)
                .map_err(|e| WeightsError::Corrupt(format!("bad zip container: {e}")))?;
            let numpy = zip.file_names().any(|n| n.ends_with(".npy"))
                && !zip.file_names().any(|n| n.ends_with("data.pkl"));
            drop(zip);
            rewind(&mut reader)?;
            if numpy {
                npz::read(reader)
            } else {
                torch::read(reader)
            }
        }
        Some(Format::Torch) => torch::read(reader),
        Some(Format::Safetensors) => {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes).map_err(io)?;
            safetensors::read(&bytes)
        }
        // A failed download of a shared file often saves the web page that stood in its way.
        None if head[..n].trim_ascii_start().starts_with(b"<") => {
            Err(WeightsError::Unsupported(format!(
                "{what} is a web page (HTML), not a weights file: did a download stop at a sign-in or warning page?"
            )))
        }
        None => Err(WeightsError::UnknownFormat(what.to_string())),
    }
}

/// Reads any supported weights file from bytes in memory (a dropped or fetched file).
pub fn read_bytes(bytes: &[u8], what: &str) -> Result<TensorStore, WeightsError> {
    if Format::sniff(&bytes[..bytes.len().min(16)]) == Some(Format::Safetensors) {
        return safetensors::read(bytes);
    }
    read(std::io::Cursor::new(bytes), what)
}

/// Reads any supported weights file from disk. A safetensors file is mapped into memory
/// rather than copied (VGG16's weights are half a gigabyte).
#[cfg(not(target_arch = "wasm32"))]
pub fn read_file(path: &std::path::Path) -> Result<TensorStore, WeightsError> {
    let shown = path.display().to_string();
    let io = |e| WeightsError::Io {
        path: shown.clone(),
        source: e,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut head = [0u8; 16];
    let n = read_up_to(&mut file, &mut head).map_err(io)?;
    if Format::sniff(&head[..n]) == Some(Format::Safetensors) {
        // SAFETY: the map is read-only and dropped before this function returns. Like every
        // program that maps files, this one may be stopped (SIGBUS) if another program
        // truncates the file while it is being read; the file's contents are checked.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        return safetensors::read(&map);
    }
    file.seek(std::io::SeekFrom::Start(0)).map_err(io)?;
    read(std::io::BufReader::with_capacity(1 << 20, file), &shown)
}

fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Most elements one tensor may hold: 2^28 (1 GiB as f32; VGG16's largest layer has 103
/// million). A file can describe a view far larger than itself (a stride of 0 repeats one
/// element), so the limit is checked before anything is allocated.
pub const MAX_TENSOR_ELEMENTS: usize = 1 << 28;

/// Largest part of a container Gibbon reads (a zip entry: a storage, an array): 2 GiB.
pub const MAX_ENTRY_BYTES: u64 = 2 << 30;

/// Reads one zip entry whole, no larger than [`MAX_ENTRY_BYTES`] and exactly as large as the
/// zip says (a lying header or a decompression bomb is an error, not an allocation).
pub(crate) fn read_zip_entry<R: Read>(
    mut entry: zip::read::ZipFile<'_, R>,
    name: &str,
) -> Result<Vec<u8>, WeightsError> {
    let declared = entry.size();
    if declared > MAX_ENTRY_BYTES {
        return Err(WeightsError::Corrupt(format!(
            "{name} claims {declared} bytes, more than the {} GiB Gibbon reads",
            MAX_ENTRY_BYTES >> 30
        )));
    }
    // Grow as the data arrives rather than trust the header with an allocation.
    let mut bytes = Vec::with_capacity(declared.min(64 << 20) as usize);
    (&mut entry)
        .take(declared + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| WeightsError::Corrupt(format!("reading {name}: {e}")))?;
    if bytes.len() as u64 != declared {
        return Err(WeightsError::Corrupt(format!(
            "{name} holds {} bytes, not the {declared} its zip header says",
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// Element count of a shape, if it fits under [`MAX_TENSOR_ELEMENTS`].
pub fn element_count(shape: &[usize], name: &str) -> Result<usize, WeightsError> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= MAX_TENSOR_ELEMENTS)
        .ok_or_else(|| {
            WeightsError::Corrupt(format!(
                "tensor '{name}' has shape {shape:?}, more than the {MAX_TENSOR_ELEMENTS} elements Gibbon accepts"
            ))
        })
}

/// Copies a strided view of `storage` into a new row-major vector; errors when the view
/// reaches outside the storage (a truncated or corrupt file) or holds more elements than
/// [`MAX_TENSOR_ELEMENTS`] or than 64 times its storage (only a hostile file repeats one
/// stored number so often).
pub fn gather_strided(
    storage: &[f32],
    offset: usize,
    shape: &[usize],
    stride: &[usize],
    name: &str,
) -> Result<Vec<f32>, WeightsError> {
    if shape.len() != stride.len() {
        return Err(WeightsError::Corrupt(format!(
            "tensor '{name}' has {} sizes but {} strides",
            shape.len(),
            stride.len()
        )));
    }
    let count = element_count(shape, name)?;
    if count == 0 {
        return Ok(Vec::new());
    }
    if count > storage.len().saturating_mul(64).max(1024) {
        return Err(WeightsError::Corrupt(format!(
            "tensor '{name}' is a view of {count} elements on a storage of {}",
            storage.len()
        )));
    }
    let last = shape.iter().zip(stride).try_fold(offset, |acc, (&n, &s)| {
        acc.checked_add((n - 1).checked_mul(s)?)
    });
    match last {
        Some(last) if last < storage.len() => {}
        _ => {
            return Err(WeightsError::Corrupt(format!(
                "tensor '{name}' reaches past the end of its storage of {} elements",
                storage.len()
            )));
        }
    }
    let contiguous =
        shape
            .iter()
            .rev()
            .zip(stride.iter().rev())
            .scan(1usize, |expect, (&n, &s)| {
                let ok = n == 1 || s == *expect;
                *expect *= n;
                Some(ok)
            });
    if contiguous.into_iter().all(|ok| ok) {
        return Ok(storage[offset..offset + count].to_vec());
    }
    let mut out = Vec::with_capacity(count);
    let mut index = vec![0usize; shape.len()];
    let d = shape.len() - 1;
    loop {
        let base: usize = offset + index.iter().zip(stride).map(|(i, s)| i * s).sum::<usize>();
        let inner = stride[d];
        out.extend((0..shape[d]).map(|k| storage[base + k * inner]));
        // Advance the outer indices like an odometer.
        let mut axis = d;
        loop {
            if axis == 0 {
                return Ok(out);
            }
            axis -= 1;
            index[axis] += 1;
            if index[axis] < shape[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_transposed_views() {
        // A 2x3 matrix stored column-major: stride (1, 2).
        let storage = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0];
        let out = gather_strided(&storage, 0, &[2, 3], &[1, 2], "m").unwrap();
        assert_eq!(out, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        // Row-major with an offset.
        let out = gather_strided(&[9.0, 1.0, 2.0, 3.0, 4.0], 1, &[2, 2], &[2, 1], "m").unwrap();
        assert_eq!(out, vec![1.0, 2.0, 3.0, 4.0]);
        // A scalar.
        assert_eq!(gather_strided(&[7.0], 0, &[], &[], "s").unwrap(), vec![7.0]);
    }

    #[test]
    fn gather_rejects_views_past_the_storage() {
        assert!(gather_strided(&[1.0, 2.0], 0, &[2, 2], &[2, 1], "m").is_err());
        assert!(gather_strided(&[1.0, 2.0], 0, &[2], &[1, 1], "m").is_err());
        // Sizes and strides whose products overflow.
        let huge = usize::MAX / 2;
        assert!(gather_strided(&[1.0], 0, &[3, huge], &[1, 1], "m").is_err());
        assert!(gather_strided(&[1.0, 2.0], usize::MAX, &[2], &[1], "m").is_err());
        assert!(gather_strided(&[1.0, 2.0], 0, &[2, 2], &[usize::MAX, 1], "m").is_err());
    }

    #[test]
    fn gather_refuses_to_expand_one_number_into_gigabytes() {
        // A stride-0 view of 2^34 elements on a storage of one: 64 GiB if allocated.
        let err = gather_strided(&[1.0], 0, &[1 << 17, 1 << 17], &[0, 0], "w").unwrap_err();
        assert!(err.to_string().contains("tensor 'w'"), "{err}");
        let err = gather_strided(&[1.0], 0, &[1 << 20], &[0], "w").unwrap_err();
        assert!(
            err.to_string().contains("a view of 1048576 elements"),
            "{err}"
        );
        // A small broadcast stays possible.
        assert_eq!(
            gather_strided(&[2.0], 0, &[3], &[0], "w").unwrap(),
            vec![2.0; 3]
        );
    }

    #[test]
    fn take_checks_name_and_shape() {
        let mut store = TensorStore::new();
        store.insert(NamedTensor {
            name: "w".into(),
            shape: vec![2, 1, 1],
            values: vec![1.0, 2.0],
            stored_as: Dtype::F32,
        });
        let err = store.take("v", &[2], "TestNet").unwrap_err().to_string();
        assert!(
            err.contains("'v'") && err.contains("TestNet") && err.contains("'w'"),
            "{err}"
        );
        let err = store.take("w", &[3], "TestNet").unwrap_err().to_string();
        assert!(err.contains("[2, 1, 1]") && err.contains("[3]"), "{err}");
        let t = store.take("w", &[2], "TestNet").unwrap();
        assert_eq!(t.shape, vec![2]);
        assert!(store.is_empty());
    }

    #[test]
    fn sniffs_formats() {
        assert_eq!(Format::sniff(b"PK\x03\x04rest"), Some(Format::Torch));
        assert_eq!(Format::sniff(&[0x80, 0x02, 0x8a]), Some(Format::Torch));
        let mut st = 20u64.to_le_bytes().to_vec();
        st.extend_from_slice(b"{\"a\":1}");
        assert_eq!(Format::sniff(&st), Some(Format::Safetensors));
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\n...."), None);
    }
}
