//! What the page and the worker say about the stage: a universal noise and a patch travel as
//! small typed facts in the JSON ([`NoiseSpec`], [`PatchSpec`]) and their values as a binary
//! part ([`Part::Noise`], [`Part::Patch`]), whole levels in bytes, planar CHW. The page keeps
//! both (a new worker loses nothing) and sends them with each request that uses them.

use super::{PartError, PhotoSource};
use crate::attacks::{Patch, Truth, Universal};
use crate::zoo::ModelId;

/// The largest diameter a patch is printed at, in cm (about a page's width).
pub const MAX_PRINT_CM: f32 = 20.0;

/// The largest side of a noise or a patch that travels.
pub const MAX_STAGE_SIDE: u32 = 1024;

/// A universal noise's facts: its side, its eps, the model it was learnt for.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NoiseSpec {
    pub size: u32,
    pub eps: f32,
    pub model: Option<ModelId>,
}

/// A patch's facts: its side, its target class, the model it was learnt for.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PatchSpec {
    pub side: u32,
    pub target: usize,
    pub model: Option<ModelId>,
}

/// A patch pasted on each live frame: centred, covering `scale` of the frame's area.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LivePatch {
    pub patch: PatchSpec,
    pub scale: f32,
}

/// A photo to learn from: where it comes from (a `File` source is the next of the message's
/// files, in order) and what is known of it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Training {
    pub name: String,
    pub source: PhotoSource,
    pub truth: Truth,
}

/// Where learning a patch resumes: the patch so far ([`super::Part::Patch`]) and its steps done.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PatchStart {
    pub patch: PatchSpec,
    pub done: usize,
}

/// A noise's facts and bytes, to send.
pub fn noise_part(noise: &Universal) -> (NoiseSpec, Vec<u8>) {
    let spec = NoiseSpec {
        size: noise.size as u32,
        eps: noise.eps,
        model: noise.model,
    };
    let bytes = noise
        .delta
        .iter()
        .map(|d| (128.0 + d.round()).clamp(0.0, 255.0) as u8)
        .collect();
    (spec, bytes)
}

/// The noise that facts and bytes describe, its values kept inside its eps.
pub fn noise_of(spec: &NoiseSpec, bytes: &[u8]) -> Result<Universal, PartError> {
    let expected = 3 * spec.size as u64 * spec.size as u64;
    if spec.size == 0 || spec.size > MAX_STAGE_SIDE || bytes.len() as u64 != expected {
        return Err(wrong_size(
            super::Part::Noise,
            spec.size,
            expected,
            bytes.len(),
        ));
    }
    let eps = if spec.eps.is_finite() {
        spec.eps.clamp(0.0, 127.0).floor()
    } else {
        0.0
    };
    Ok(Universal {
        eps: spec.eps,
        model: spec.model,
        size: spec.size as usize,
        delta: bytes
            .iter()
            .map(|&b| (b as f32 - 128.0).clamp(-eps, eps))
            .collect(),
    })
}

/// A patch's facts and bytes, to send.
pub fn patch_part(patch: &Patch) -> (PatchSpec, Vec<u8>) {
    let spec = PatchSpec {
        side: patch.side as u32,
        target: patch.target,
        model: patch.model,
    };
    let bytes = patch
        .pixels
        .iter()
        .map(|p| p.round().clamp(0.0, 255.0) as u8)
        .collect();
    (spec, bytes)
}

/// The patch that facts and bytes describe.
pub fn patch_of(spec: &PatchSpec, bytes: &[u8]) -> Result<Patch, PartError> {
    let expected = 3 * spec.side as u64 * spec.side as u64;
    if spec.side < 4
        || spec.side > MAX_STAGE_SIDE
        || spec.target >= crate::imagenet::NUM_CLASSES
        || bytes.len() as u64 != expected
    {
        return Err(wrong_size(
            super::Part::Patch,
            spec.side,
            expected,
            bytes.len(),
        ));
    }
    Ok(Patch {
        side: spec.side as usize,
        pixels: bytes.iter().map(|&b| b as f32).collect(),
        target: spec.target,
        model: spec.model,
    })
}

fn wrong_size(part: super::Part, side: u32, expected: u64, got: usize) -> PartError {
    PartError::WrongSize {
        part,
        width: side,
        height: side,
        expected,
        got: got as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_noise_and_a_patch_travel_whole() {
        let mut noise = Universal::sign_noise(6, 10.0, 2);
        noise.delta[3] = -4.0;
        let (spec, bytes) = noise_part(&noise);
        assert_eq!(noise_of(&spec, &bytes).unwrap(), noise);
        assert!(noise_of(&spec, &bytes[1..]).is_err());
        assert!(noise_of(&NoiseSpec { size: 0, ..spec }, &[]).is_err());
        // Values outside its eps are brought inside.
        let loud = NoiseSpec { eps: 2.0, ..spec };
        assert!(noise_of(&loud, &bytes).unwrap().linf() <= 2.0);
        let patch = Patch::grey(8, 859, Some(ModelId::EfficientNetLite0));
        let (spec, bytes) = patch_part(&patch);
        assert_eq!(patch_of(&spec, &bytes).unwrap(), patch);
        assert!(
            patch_of(
                &PatchSpec {
                    target: 5000,
                    ..spec
                },
                &bytes
            )
            .is_err()
        );
        assert!(patch_of(&PatchSpec { side: 2, ..spec }, &bytes[..12]).is_err());
    }
}
