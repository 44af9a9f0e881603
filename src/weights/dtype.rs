//! Element types found in weight files, and their conversion to f32.

use super::WeightsError;

/// An element type of a stored tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
}

impl Dtype {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::F64 | Dtype::I64 => 8,
            Dtype::F32 | Dtype::I32 => 4,
            Dtype::F16 | Dtype::BF16 | Dtype::I16 => 2,
            Dtype::I8 | Dtype::U8 | Dtype::Bool => 1,
        }
    }

    /// The dtype of a torch storage class such as `torch.FloatStorage`.
    pub fn from_torch_storage(name: &str) -> Option<Dtype> {
        Some(match name.rsplit('.').next()? {
            "DoubleStorage" => Dtype::F64,
            "FloatStorage" => Dtype::F32,
            "HalfStorage" => Dtype::F16,
            "BFloat16Storage" => Dtype::BF16,
            "LongStorage" => Dtype::I64,
            "IntStorage" => Dtype::I32,
            "ShortStorage" => Dtype::I16,
            "CharStorage" => Dtype::I8,
            "ByteStorage" => Dtype::U8,
            "BoolStorage" => Dtype::Bool,
            _ => return None,
        })
    }

    /// The dtype of a safetensors header entry such as `"F16"`.
    pub fn from_safetensors(name: &str) -> Option<Dtype> {
        Some(match name {
            "F64" => Dtype::F64,
            "F32" => Dtype::F32,
            "F16" => Dtype::F16,
            "BF16" => Dtype::BF16,
            "I64" => Dtype::I64,
            "I32" => Dtype::I32,
            "I16" => Dtype::I16,
            "I8" => Dtype::I8,
            "U8" => Dtype::U8,
            "BOOL" => Dtype::Bool,
            _ => return None,
        })
    }

    /// The safetensors name of this dtype.
    pub fn safetensors_name(self) -> &'static str {
        match self {
            Dtype::F64 => "F64",
            Dtype::F32 => "F32",
            Dtype::F16 => "F16",
            Dtype::BF16 => "BF16",
            Dtype::I64 => "I64",
            Dtype::I32 => "I32",
            Dtype::I16 => "I16",
            Dtype::I8 => "I8",
            Dtype::U8 => "U8",
            Dtype::Bool => "BOOL",
        }
    }

    /// Decodes little-endian elements to f32 (integers and bools by value).
    pub fn to_f32(self, bytes: &[u8]) -> Result<Vec<f32>, WeightsError> {
        if !bytes.len().is_multiple_of(self.size()) {
            return Err(WeightsError::Corrupt(format!(
                "{} bytes is not a whole number of {self:?} elements",
                bytes.len()
            )));
        }
        let n = self.size();
        let chunks = bytes.chunks_exact(n);
        Ok(match self {
            Dtype::F64 => chunks
                .map(|c| f64::from_le_bytes(c.try_into().unwrap()) as f32)
                .collect(),
            Dtype::F32 => chunks
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
            Dtype::F16 => chunks
                .map(|c| half::f16::from_le_bytes(c.try_into().unwrap()).to_f32())
                .collect(),
            Dtype::BF16 => chunks
                .map(|c| half::bf16::from_le_bytes(c.try_into().unwrap()).to_f32())
                .collect(),
            Dtype::I64 => chunks
                .map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f32)
                .collect(),
            Dtype::I32 => chunks
                .map(|c| i32::from_le_bytes(c.try_into().unwrap()) as f32)
                .collect(),
            Dtype::I16 => chunks
                .map(|c| i16::from_le_bytes(c.try_into().unwrap()) as f32)
                .collect(),
            Dtype::I8 => chunks.map(|c| c[0] as i8 as f32).collect(),
            Dtype::U8 | Dtype::Bool => chunks.map(|c| c[0] as f32).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_dtype() {
        assert_eq!(Dtype::F32.to_f32(&1.5f32.to_le_bytes()).unwrap(), vec![1.5]);
        assert_eq!(
            Dtype::F64.to_f32(&(-2.25f64).to_le_bytes()).unwrap(),
            vec![-2.25]
        );
        assert_eq!(
            Dtype::F16
                .to_f32(&half::f16::from_f32(0.5).to_le_bytes())
                .unwrap(),
            vec![0.5]
        );
        assert_eq!(
            Dtype::BF16
                .to_f32(&half::bf16::from_f32(3.0).to_le_bytes())
                .unwrap(),
            vec![3.0]
        );
        assert_eq!(
            Dtype::I64.to_f32(&(-7i64).to_le_bytes()).unwrap(),
            vec![-7.0]
        );
        assert_eq!(Dtype::I8.to_f32(&[0xff]).unwrap(), vec![-1.0]);
        assert!(Dtype::F32.to_f32(&[0, 0, 0]).is_err());
    }

    #[test]
    fn names_round_trip() {
        for d in [
            Dtype::F64,
            Dtype::F32,
            Dtype::F16,
            Dtype::BF16,
            Dtype::I64,
            Dtype::U8,
            Dtype::Bool,
        ] {
            assert_eq!(Dtype::from_safetensors(d.safetensors_name()), Some(d));
        }
        assert_eq!(
            Dtype::from_torch_storage("torch.HalfStorage"),
            Some(Dtype::F16)
        );
        assert_eq!(Dtype::from_torch_storage("torch.UntypedStorage"), None);
    }
}
