//! NumPy `.npz` archives (what Chainer's `serializers.save_npz` writes): a zip of `.npy` files,
//! one per array, named by the array's path (`conv1_1/W.npy`), stored or deflated.

use std::io::{Read, Seek};

use super::{
    Dtype, NamedTensor, TensorStore, WeightsError, element_count, gather_strided, read_zip_entry,
};

/// Reads every array of an `.npz` archive.
pub fn read<R: Read + Seek>(reader: R) -> Result<TensorStore, WeightsError> {
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|e| WeightsError::Corrupt(format!("bad zip container: {e}")))?;
    let mut store = TensorStore::new();
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
            .map_err(|e| WeightsError::Corrupt(format!("npz entry {i}: {e}")))?;
        let Some(name) = entry.name().strip_suffix(".npy").map(str::to_string) else {
            continue;
        };
        let bytes = read_zip_entry(entry, &format!("array '{name}'"))?;
        store.insert(parse_npy(&name, &bytes)?);
    }
    if store.is_empty() {
        return Err(WeightsError::UnknownFormat(
            "a zip file without .npy arrays".into(),
        ));
    }
    Ok(store)
}

/// Parses one `.npy` file: magic, version, a Python-literal header with `descr`,
/// `fortran_order` and `shape`, then the data.
pub fn parse_npy(name: &str, bytes: &[u8]) -> Result<NamedTensor, WeightsError> {
    let bad = |what: &str| WeightsError::Corrupt(format!("array '{name}': {what}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("not a .npy array"));
    }
    let (header_len, start): (usize, usize) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize,
            12,
        ),
        v => return Err(bad(&format!("unsupported .npy version {v}"))),
    };
    let header = start
        .checked_add(header_len)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| bad("truncated header"))?;
    let header = std::str::from_utf8(header).map_err(|_| bad("header is not text"))?;
    let field = |key: &str| -> Option<&str> {
        let rest = &header[header.find(&format!("'{key}'"))? + key.len() + 2..];
        Some(rest.trim_start().strip_prefix(':')?.trim_start())
    };
    let descr = field("descr")
        .and_then(|d| d.strip_prefix('\'')?.split('\'').next())
        .ok_or_else(|| bad("no descr"))?;
    let fortran = field("fortran_order").is_some_and(|f| f.starts_with("True"));
    let shape_text = field("shape")
        .and_then(|s| s.strip_prefix('(')?.split(')').next())
        .ok_or_else(|| bad("no shape"))?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("bad shape"))?;
    let (big_endian, code) = match descr.as_bytes().first() {
        Some(b'>') => (true, &descr[1..]),
        Some(b'<' | b'|' | b'=') => (false, &descr[1..]),
        _ => (false, descr),
    };
    let dtype = match code {
        "f8" => Dtype::F64,
        "f4" => Dtype::F32,
        "f2" => Dtype::F16,
        "i8" => Dtype::I64,
        "i4" => Dtype::I32,
        "i2" => Dtype::I16,
        "i1" => Dtype::I8,
        "u1" => Dtype::U8,
        "b1" => Dtype::Bool,
        other => {
            return Err(WeightsError::Unsupported(format!(
                "array '{name}' has dtype {other}"
            )));
        }
    };
    if big_endian && dtype.size() > 1 {
        return Err(WeightsError::Unsupported(format!(
            "array '{name}' is big-endian"
        )));
    }
    let count = element_count(&shape, name)?;
    let data = &bytes[start + header_len..];
    let needed = count
        .checked_mul(dtype.size())
        .ok_or_else(|| bad("shape too large"))?;
    if data.len() < needed {
        return Err(bad("data is truncated"));
    }
    let flat = dtype.to_f32(&data[..needed])?;
    let values = if fortran && shape.len() > 1 {
        // Column-major: the first index varies fastest.
        let mut stride = vec![1usize; shape.len()];
        for d in 1..shape.len() {
            stride[d] = stride[d - 1] * shape[d - 1];
        }
        gather_strided(&flat, 0, &shape, &stride, name)?
    } else {
        flat
    };
    Ok(NamedTensor {
        name: name.to_string(),
        shape,
        values,
        stored_as: dtype,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut header = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
            if fortran { "True" } else { "False" }
        );
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn f32s(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn c_and_fortran_order() {
        let c = parse_npy(
            "a",
            &npy("<f4", false, "(2, 3)", &f32s(&[1., 2., 3., 4., 5., 6.])),
        )
        .unwrap();
        assert_eq!(
            (c.shape.clone(), c.values.clone()),
            (vec![2, 3], vec![1., 2., 3., 4., 5., 6.])
        );
        // The same matrix in column-major order.
        let f = parse_npy(
            "a",
            &npy("<f4", true, "(2, 3)", &f32s(&[1., 4., 2., 5., 3., 6.])),
        )
        .unwrap();
        assert_eq!(f.values, c.values);
        let scalar = parse_npy("N", &npy("<i8", false, "()", &0i64.to_le_bytes())).unwrap();
        assert_eq!((scalar.shape, scalar.values), (vec![], vec![0.0]));
        let one = parse_npy("b", &npy("<f8", false, "(1,)", &2.5f64.to_le_bytes())).unwrap();
        assert_eq!(one.values, vec![2.5]);
    }

    #[test]
    fn bad_arrays_are_errors() {
        assert!(parse_npy("x", b"not numpy").is_err());
        let truncated = npy("<f4", false, "(4,)", &f32s(&[1., 2.]));
        assert!(matches!(
            parse_npy("x", &truncated),
            Err(WeightsError::Corrupt(_))
        ));
        assert!(matches!(
            parse_npy("x", &npy("<c8", false, "(1,)", &[0; 8])),
            Err(WeightsError::Unsupported(_))
        ));
    }
}
