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

/// An image file, decoded and shrunk as the CLI and the page do (the replay test also
/// prepares it for a model, which needs burn: `tests/fuzz_replay.rs`).
pub fn image(data: &[u8]) {
    if let Ok(photo) = imaging::decode(data) {
        let _ = imaging::shrink_to(&photo, 224);
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
