//! A message's binary parts: pixels, PNG files and photo bytes travel beside the JSON as
//! transferable `ArrayBuffer`s (moved, not copied), each under a name. A part that is missing,
//! or whose size does not fit the pixels it should hold, is a typed error, which reaches the
//! user as a notice instead of an empty picture.

use image::RgbImage;

/// The name of a binary part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Part {
    /// A photo file's bytes.
    Photo,
    /// What the model sees: its input, RGBA.
    Input,
    /// An attack's iterate while it runs, RGBA.
    Iterate,
    /// The attacked image, RGBA.
    Original,
    /// The adversarial image, RGBA: exactly the pixels that were classified.
    Adversarial,
    /// The adversarial image as the PNG file the user downloads.
    Png,
    /// Smaller copies of a large result, to show (RGBA).
    ShownOriginal,
    ShownAdversarial,
    /// The thumbnail of survival check `n` (RGBA).
    Check(usize),
    /// A universal noise: `128 + delta` per value, planar CHW ([`super::NoiseSpec`]).
    Noise,
    /// A patch's pixels, rounded, planar CHW ([`super::PatchSpec`]).
    Patch,
}

impl Part {
    /// The key it travels under.
    pub fn key(self) -> String {
        match self {
            Part::Photo => "photo".into(),
            Part::Input => "input".into(),
            Part::Iterate => "iterate".into(),
            Part::Original => "original".into(),
            Part::Adversarial => "adversarial".into(),
            Part::Png => "png".into(),
            Part::ShownOriginal => "shown-original".into(),
            Part::ShownAdversarial => "shown-adversarial".into(),
            Part::Check(n) => format!("check-{n}"),
            Part::Noise => "noise".into(),
            Part::Patch => "patch".into(),
        }
    }

    /// The part a key names.
    pub fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "photo" => Part::Photo,
            "input" => Part::Input,
            "iterate" => Part::Iterate,
            "original" => Part::Original,
            "adversarial" => Part::Adversarial,
            "png" => Part::Png,
            "shown-original" => Part::ShownOriginal,
            "shown-adversarial" => Part::ShownAdversarial,
            "noise" => Part::Noise,
            "patch" => Part::Patch,
            _ => Part::Check(key.strip_prefix("check-")?.parse().ok()?),
        })
    }
}

/// Why a message's part could not be used.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error,
)]
pub enum PartError {
    #[error("the message has no {} part", .0.key())]
    Missing(Part),
    #[error("the {} part holds {got} bytes, not the {expected} of its {width}x{height} pixels", .part.key())]
    WrongSize {
        part: Part,
        width: u32,
        height: u32,
        expected: u64,
        got: u64,
    },
}

/// A part's bytes: in this side's memory, or, in the browser, still in the `ArrayBuffer` the
/// message brought, copied into wasm memory only when taken as bytes. The page keeps a large
/// result's images that way: a 12-megapixel photo's pixels never cross into its wasm memory.
#[derive(Debug, Clone, PartialEq)]
pub enum Bytes {
    Here(Vec<u8>),
    #[cfg(target_arch = "wasm32")]
    Js(js_sys::ArrayBuffer),
}

impl Bytes {
    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Bytes::Here(v) => v.len() as u64,
            #[cfg(target_arch = "wasm32")]
            Bytes::Js(b) => b.byte_length() as u64,
        }
    }

    /// Whether it holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes, here (a copy when they were in a JS buffer).
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            Bytes::Here(v) => v,
            #[cfg(target_arch = "wasm32")]
            Bytes::Js(b) => js_sys::Uint8Array::new(&b).to_vec(),
        }
    }

    /// The bytes as a JS buffer (a copy when they were here).
    #[cfg(target_arch = "wasm32")]
    pub fn into_buffer(self) -> js_sys::ArrayBuffer {
        match self {
            Bytes::Here(v) => js_sys::Uint8Array::from(v.as_slice()).buffer(),
            Bytes::Js(b) => b,
        }
    }
}

/// A message's binary parts by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parts {
    parts: Vec<(Part, Bytes)>,
}

impl Parts {
    /// No parts.
    pub fn new() -> Self {
        Self::default()
    }

    /// These parts and one more.
    pub fn with(mut self, part: Part, bytes: Vec<u8>) -> Self {
        self.insert(part, bytes);
        self
    }

    /// Adds (or replaces) a part.
    pub fn insert(&mut self, part: Part, bytes: Vec<u8>) {
        self.insert_bytes(part, Bytes::Here(bytes));
    }

    /// Adds (or replaces) a part, wherever its bytes are.
    pub fn insert_bytes(&mut self, part: Part, bytes: Bytes) {
        self.parts.retain(|(p, _)| *p != part);
        self.parts.push((part, bytes));
    }

    /// These parts and one more, wherever its bytes are (a JS buffer is moved as it is).
    pub fn with_bytes(mut self, part: Part, bytes: Bytes) -> Self {
        self.insert_bytes(part, bytes);
        self
    }

    /// Whether the message has this part.
    pub fn has(&self, part: Part) -> bool {
        self.parts.iter().any(|(p, _)| *p == part)
    }

    /// Takes a part's bytes out, wherever they are.
    pub fn take_bytes(&mut self, part: Part) -> Result<Bytes, PartError> {
        let i = self
            .parts
            .iter()
            .position(|(p, _)| *p == part)
            .ok_or(PartError::Missing(part))?;
        Ok(self.parts.swap_remove(i).1)
    }

    /// Takes a part's bytes out, here.
    pub fn take(&mut self, part: Part) -> Result<Vec<u8>, PartError> {
        self.take_bytes(part).map(Bytes::into_vec)
    }

    /// Takes a part that holds RGBA pixels of `width` x `height`, checking its size, wherever
    /// its bytes are.
    pub fn take_rgba_bytes(
        &mut self,
        part: Part,
        width: u32,
        height: u32,
    ) -> Result<Bytes, PartError> {
        let bytes = self.take_bytes(part)?;
        let expected = width as u64 * height as u64 * 4;
        if bytes.len() != expected {
            return Err(PartError::WrongSize {
                part,
                width,
                height,
                expected,
                got: bytes.len(),
            });
        }
        Ok(bytes)
    }

    /// Takes a part that holds RGBA pixels of `width` x `height`, checking its size.
    pub fn take_rgba(&mut self, part: Part, width: u32, height: u32) -> Result<Vec<u8>, PartError> {
        self.take_rgba_bytes(part, width, height)
            .map(Bytes::into_vec)
    }

    /// Takes a part that holds RGBA pixels of `width` x `height` as an RGB image.
    pub fn take_image(
        &mut self,
        part: Part,
        width: u32,
        height: u32,
    ) -> Result<RgbImage, PartError> {
        let bytes = self.take_rgba(part, width, height)?;
        Ok(rgb(&bytes, width, height).expect("the size was checked"))
    }

    /// Every part, with its key, to send.
    pub fn into_keyed(self) -> Vec<(String, Bytes)> {
        self.parts.into_iter().map(|(p, b)| (p.key(), b)).collect()
    }

    /// Parts received under keys; unknown keys are dropped.
    pub fn from_keyed(keyed: impl IntoIterator<Item = (String, Bytes)>) -> Self {
        let mut parts = Self::new();
        for (key, bytes) in keyed {
            if let Some(part) = Part::from_key(&key) {
                parts.insert_bytes(part, bytes);
            }
        }
        parts
    }
}

/// RGBA bytes (opaque) of an RGB image, as canvases take them.
pub fn rgba(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::with_capacity(image.as_raw().len() / 3 * 4);
    for p in image.pixels() {
        out.extend_from_slice(&[p.0[0], p.0[1], p.0[2], 255]);
    }
    out
}

/// The RGB image of RGBA bytes (alpha ignored); None when the size does not fit.
pub fn rgb(rgba: &[u8], width: u32, height: u32) -> Option<RgbImage> {
    if rgba.len() as u64 != width as u64 * height as u64 * 4 {
        return None;
    }
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    RgbImage::from_raw(width, height, rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_round_trip() {
        let image = RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8, y as u8, 9]));
        let bytes = rgba(&image);
        assert_eq!(bytes.len(), 24);
        assert_eq!(rgb(&bytes, 3, 2).unwrap(), image);
        assert!(rgb(&bytes, 2, 2).is_none());
    }

    #[test]
    fn parts_travel_by_name_and_a_wrong_one_says_so() {
        let image = RgbImage::from_pixel(2, 2, image::Rgb([1, 2, 3]));
        let sent = Parts::new()
            .with(Part::Original, rgba(&image))
            .with(Part::Check(3), vec![7; 16]);
        let mut got = Parts::from_keyed(sent.into_keyed().into_iter().rev());
        assert_eq!(got.take_bytes(Part::Check(3)).unwrap().len(), 16);
        got.insert(Part::Check(3), vec![7; 16]);
        assert_eq!(got.take_image(Part::Original, 2, 2).unwrap(), image);
        assert_eq!(
            got.take(Part::Original),
            Err(PartError::Missing(Part::Original))
        );
        assert!(matches!(
            got.take_rgba(Part::Check(3), 3, 2),
            Err(PartError::WrongSize {
                expected: 24,
                got: 16,
                ..
            })
        ));
        assert_eq!(Part::from_key("check-12"), Some(Part::Check(12)));
        assert_eq!(Part::from_key("nope"), None);
    }
}
