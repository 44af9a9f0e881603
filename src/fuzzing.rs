//! The entry points the fuzz targets (`fuzz/`, cargo-fuzz) drive, shared with the test that
//! replays their corpora and crash inputs (`tests/fuzz_replay.rs`): each takes arbitrary
//! bytes, as a user's file would be, and must return, with an error or without, never panic.

use crate::imaging;
use crate::weights::{self, pickle};

/// The pickle machine alone.
pub fn pickle(data: &[u8]) {
    let _ = pickle::read(data);
}

/// A `.pth` checkpoint (zip or legacy), through the format sniffing every file goes through.
pub fn pth(data: &[u8]) {
    let _ = weights::read_bytes(data, "fuzz.pth");
}

/// A safetensors file.
pub fn safetensors(data: &[u8]) {
    let _ = weights::safetensors::read(data);
}

/// A NumPy `.npz` archive.
pub fn npz(data: &[u8]) {
    let _ = weights::npz::read(std::io::Cursor::new(data));
}

/// An image file, decoded and prepared for a model as the CLI and the page do.
pub fn image(data: &[u8]) {
    if let Ok(_photo) = imaging::decode(data) {
        #[cfg(feature = "compute")]
        {
            let _ = imaging::prepare(&_photo, 224, imaging::Preprocess::Crop);
            let _ = imaging::prepare(&_photo, 240, imaging::Preprocess::Stretch);
        }
    }
}

/// A fuzz entry point.
pub type Target = fn(&[u8]);

/// Every target, by name (the names of `fuzz/fuzz_targets/*.rs`).
pub const TARGETS: [(&str, Target); 5] = [
    ("pickle", pickle),
    ("pth", pth),
    ("safetensors", safetensors),
    ("npz", npz),
    ("image", image),
];
