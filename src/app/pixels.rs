//! RGBA pixels (opaque), as the worker sends them and canvases take them, the picture of a
//! perturbation, and the full-size images of a result, which the page holds without copying
//! them into its memory.

use crate::worker::protocol::{Bytes, Part, PartError, Parts};

/// RGBA pixels of a `width` x `height` image.
#[derive(Clone, Debug, PartialEq)]
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Pixels {
    /// The pixels a message's part holds, `width` x `height`.
    pub fn take(parts: &mut Parts, part: Part, width: u32, height: u32) -> Result<Self, PartError> {
        let rgba = parts.take_rgba(part, width, height)?;
        Ok(Self {
            width,
            height,
            rgba,
        })
    }

    /// The change from `original` to `adversarial`, grey at zero, scaled by `amplify`.
    ///
    /// Pixels differ by -255..=255 per channel, so the 511 possible results are worked out once
    /// and looked up: a 1600x1200 picture takes a few milliseconds on the page's thread, where
    /// a float multiply and round per channel took most of a 50 ms task.
    pub fn perturbation(original: &Pixels, adversarial: &Pixels, amplify: f32) -> Pixels {
        let shade: Vec<u8> = (-255i32..=255)
            .map(|d| (128.0 + d as f32 * amplify).round().clamp(0.0, 255.0) as u8)
            .collect();
        let mut rgba = vec![255u8; original.rgba.len().min(adversarial.rgba.len())];
        for ((out, a), b) in rgba
            .chunks_exact_mut(4)
            .zip(original.rgba.chunks_exact(4))
            .zip(adversarial.rgba.chunks_exact(4))
        {
            for c in 0..3 {
                out[c] = shade[(b[c] as i32 - a[c] as i32 + 255) as usize];
            }
        }
        Pixels {
            width: original.width,
            height: original.height,
            rgba,
        }
    }
}

/// RGBA pixels of a `width` x `height` image held where the worker's message put them (a JS
/// buffer): a result's full-size images, which the page only sends back (transfer, survival)
/// or turns into a download. A 12-megapixel result so costs the page's main thread nothing when
/// it arrives; drawing uses the smaller copies the worker sends beside it.
#[derive(Clone, Debug)]
pub struct HeldPixels {
    pub width: u32,
    pub height: u32,
    bytes: Bytes,
}

impl HeldPixels {
    /// The pixels a message's part holds, `width` x `height`: left where they are when
    /// `large`, else copied in (small images are drawn from them).
    pub fn take(
        parts: &mut Parts,
        part: Part,
        (width, height): (u32, u32),
        large: bool,
    ) -> Result<Self, PartError> {
        let mut bytes = parts.take_rgba_bytes(part, width, height)?;
        if !large {
            bytes = Bytes::Here(bytes.into_vec());
        }
        Ok(Self {
            width,
            height,
            bytes,
        })
    }

    /// A copy to send to the worker (in JS: one copy of the buffer, moved with the message).
    pub fn to_send(&self) -> Bytes {
        match &self.bytes {
            Bytes::Here(v) => Bytes::Here(v.clone()),
            Bytes::Js(b) => Bytes::Js(b.slice(0)),
        }
    }

    /// The pixels, copied into the page's memory (to compute with them).
    pub fn pixels(&self) -> Pixels {
        Pixels {
            width: self.width,
            height: self.height,
            rgba: self.bytes.clone().into_vec(),
        }
    }
}
