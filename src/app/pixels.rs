//! RGBA pixels (opaque), as the worker sends them and canvases take them, and the picture of
//! a perturbation.

use crate::worker::protocol::{Part, PartError, Parts};

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
    pub fn perturbation(original: &Pixels, adversarial: &Pixels, amplify: f32) -> Pixels {
        let rgba = original
            .rgba
            .iter()
            .zip(&adversarial.rgba)
            .enumerate()
            .map(|(i, (&a, &b))| {
                if i % 4 == 3 {
                    255
                } else {
                    (128.0 + (b as f32 - a as f32) * amplify)
                        .round()
                        .clamp(0.0, 255.0) as u8
                }
            })
            .collect();
        Pixels {
            width: original.width,
            height: original.height,
            rgba,
        }
    }
}
