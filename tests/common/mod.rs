//! Helpers shared by the integration tests: reference data, installed models, sample photos.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gibbon::burn::prelude::*;
use gibbon::models::Classifier;
use gibbon::zoo::ModelId;
use image::RgbImage;

/// The folder of reference outputs (independent float64 numpy forward passes).
pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/reference")
}

/// `reference_outputs.json`, parsed.
pub fn reference() -> serde_json::Value {
    let text = std::fs::read_to_string(reference_dir().join("reference_outputs.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Reads a little-endian float32 `.npy` file: shape and values.
pub fn read_npy_f32(path: &Path) -> (Vec<usize>, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{} is not .npy", path.display());
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).unwrap();
    assert!(
        header.contains("'descr': '<f4'") && header.contains("'fortran_order': False"),
        "{header}"
    );
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let shape: Vec<usize> = shape_text
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let values = bytes[start + header_len..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    (shape, values)
}

/// What a test needs besides the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The real EfficientNet-Lite weights and the sample photos (`gibbon fetch`).
    Weights,
    /// numpy, for the reference implementation of the seed's networks.
    Numpy,
}

fn weights_installed() -> bool {
    let models = gibbon::zoo::ModelId::BUILT_IN
        .iter()
        .all(|&id| gibbon::home::builtin_weights_path(id).is_some_and(|p| p.exists()));
    let samples = gibbon::samples::SAMPLES
        .iter()
        .all(|s| gibbon::home::samples_dir().join(s.file).exists());
    models && samples
}

fn numpy_installed() -> bool {
    static HAVE: OnceLock<bool> = OnceLock::new();
    *HAVE.get_or_init(|| {
        let python = std::env::var("GIBBON_PYTHON").unwrap_or_else(|_| "python3".into());
        std::process::Command::new(python)
            .args(["-c", "import numpy"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Whether `need` is installed. When it is not, a plain `cargo test` skips the test with one
/// line that says what installs it; the README's test command sets `GIBBON_REQUIRE_INSTALLED`
/// and then a missing install fails the test, so a broken fetch can never pass unnoticed.
pub fn installed(need: Need) -> bool {
    let (have, how) = match need {
        Need::Weights => (
            weights_installed(),
            "the EfficientNet-Lite weights and sample photos: run `gibbon fetch` (or ./scripts/test.sh)",
        ),
        Need::Numpy => (
            numpy_installed(),
            "numpy for the reference networks: run ./scripts/setup-tools.sh, which sets GIBBON_PYTHON",
        ),
    };
    if have {
        return true;
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_string();
    if std::env::var_os("GIBBON_REQUIRE_INSTALLED").is_some() {
        panic!("{test} needs {how}");
    }
    eprintln!("SKIPPED {test}: needs {how}");
    false
}

/// Returns from the test, skipping it, when `need` is not installed (see [`installed`]).
#[macro_export]
macro_rules! require {
    ($($need:expr),+) => {
        if !($(common::installed($need))&&+) {
            return;
        }
    };
}

/// The CPU device.
pub fn cpu() -> Device {
    Device::flex()
}

/// Loads an installed model, or fails with the command that installs it.
pub fn load(id: ModelId, device: &Device) -> Classifier {
    gibbon::home::load_model(id, None, device)
        .unwrap_or_else(|e| panic!("{e}\n(the test command runs `gibbon fetch` first)"))
}

/// A sample photo (installed by `gibbon fetch`).
pub fn sample_photo(file: &str) -> RgbImage {
    let path = gibbon::home::samples_dir().join(file);
    gibbon::imaging::open(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}\n(the test command runs `gibbon fetch` first)",
            path.display()
        )
    })
}

/// A reference 224x224 crop (exactly the reference's lite0 input).
pub fn reference_crop(name: &str) -> RgbImage {
    gibbon::imaging::open(&reference_dir().join(format!("{name}_224.png"))).unwrap()
}

/// Host values of a tensor.
pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap()
}

/// Largest absolute difference.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A photo of scikit-image's data folder (astronaut.png, brick.png, ...), read from the wheel
/// `gibbon fetch` downloaded the samples from and keeps: more photos than the gallery, for
/// tests that need photos a noise never saw.
#[allow(dead_code)]
pub fn skimage_photo(file: &str) -> RgbImage {
    let wheels = gibbon::home::dir().join("wheels");
    let wheel = std::fs::read_dir(&wheels)
        .ok()
        .and_then(|d| {
            d.flatten().map(|e| e.path()).find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("scikit_image-"))
            })
        })
        .unwrap_or_else(|| {
            panic!(
                "no scikit-image wheel in {} (run `gibbon fetch`)",
                wheels.display()
            )
        });
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&wheel).unwrap()).unwrap();
    let mut entry = zip.by_name(&format!("skimage/data/{file}")).unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
    gibbon::imaging::decode(&bytes).unwrap()
}
