//! An adversarial patch (Brown et al. 2017, "Adversarial Patch"): a round sticker that makes a
//! model see one class wherever it is placed on a photo, at any turn and size. Learning one
//! needs burn ([`super::learn_patch`]); placing one on a photo, and its PNG at print size with a
//! cut line, do not. Placement is the same bilinear sampling in both, so what is learnt is what
//! is placed.

use image::{Rgb, RgbImage, RgbaImage};

use crate::imaging::{ImageError, round_pixel};
use crate::zoo::ModelId;

const KIND_KEY: &str = "gibbon:kind";
const KIND: &str = "adversarial patch";
const TARGET_KEY: &str = "gibbon:target";
const MODEL_KEY: &str = "gibbon:model";
const SIDE_KEY: &str = "gibbon:side";
const DIAMETER_KEY: &str = "gibbon:diameter-px";

/// The printer's resolution a patch's PNG is made for.
pub const PRINT_DPI: f32 = 300.0;

/// A round patch: `side` x `side` pixels (planar CHW, 0..255), used inside the circle that
/// fills the square.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    pub side: usize,
    pub pixels: Vec<f32>,
    /// The class it makes the model see.
    pub target: usize,
    pub model: Option<ModelId>,
}

/// Where and how a patch lies on a photo.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Placement {
    /// The centre, in the photo's pixels.
    pub x: f32,
    pub y: f32,
    /// The circle's diameter, in the photo's pixels.
    pub diameter: f32,
    /// Its turn, in radians.
    pub angle: f32,
    /// A factor on its pixels (the light it is seen in).
    pub brightness: f32,
}

/// How a patch is learnt.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PatchConfig {
    /// The class the patch should make the model see.
    pub target: usize,
    /// Steps of Adam.
    pub steps: usize,
    /// Photos per step, each with its own placement and camera.
    pub batch: usize,
    /// Adam's learning rate, in pixel levels.
    pub learning_rate: f32,
    /// The patch's share of the photo's area, at least and at most (Brown et al.: 5-25%).
    pub min_scale: f32,
    pub max_scale: f32,
    /// The learnt patch's side, in pixels.
    pub side: usize,
    pub seed: u64,
}

impl Default for PatchConfig {
    fn default() -> Self {
        Self {
            target: 859, // toaster
            steps: 300,
            batch: 8,
            learning_rate: 16.0,
            min_scale: 0.05,
            max_scale: 0.25,
            side: 80,
            seed: 0,
        }
    }
}

/// Why a file is not a usable patch, or a setting not a usable one.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    #[error(
        "not an adversarial patch: a PNG that `gibbon patch` wrote has a '{KIND_KEY}' text chunk"
    )]
    NotAPatch,
    #[error(
        "a patch covers more than 0 and at most half of the photo (a share of its area), not {0}"
    )]
    Scale(f32),
    #[error(transparent)]
    Image(#[from] ImageError),
}

impl Placement {
    /// A placement covering `scale` of a `width` x `height` photo's area, centred at (x, y).
    pub fn covering(scale: f32, width: u32, height: u32, x: f32, y: f32, angle: f32) -> Self {
        let area = scale * width as f32 * height as f32;
        Self {
            x,
            y,
            diameter: 2.0 * (area / std::f32::consts::PI).sqrt(),
            angle,
            brightness: 1.0,
        }
    }

    /// For each pixel of a `width` x `height` photo: the patch's bilinear taps (the indices of
    /// four patch pixels, `side` x `side`, and their weights) and how much of the pixel the
    /// patch covers (0 outside its circle). What placing a patch computes, on the CPU for a
    /// photo and inside the graph when learning one.
    pub fn taps(&self, side: usize, width: u32, height: u32) -> Taps {
        let n = (width * height) as usize;
        let mut taps = Taps {
            index: vec![0; 4 * n],
            weight: vec![0.0; 4 * n],
            cover: vec![0.0; n],
        };
        let half = side as f32 / 2.0;
        let to_patch = side as f32 / self.diameter.max(1e-3);
        let (sin, cos) = self.angle.sin_cos();
        for py in 0..height {
            for px in 0..width {
                let (dx, dy) = (px as f32 + 0.5 - self.x, py as f32 + 0.5 - self.y);
                // The photo's pixel in the patch's frame (turned back, scaled to its side).
                let u = (dx * cos + dy * sin) * to_patch + half;
                let v = (-dx * sin + dy * cos) * to_patch + half;
                let r = ((u - half).powi(2) + (v - half).powi(2)).sqrt();
                // Inside the circle, with a one-pixel soft edge (in the photo's pixels).
                let edge = (half - r) / to_patch;
                let cover = (edge + 0.5).clamp(0.0, 1.0);
                let i = (py * width + px) as usize;
                if cover == 0.0 {
                    continue;
                }
                taps.cover[i] = cover;
                let (fu, fv) = (u - 0.5, v - 0.5);
                let (u0, v0) = (fu.floor(), fv.floor());
                let (wu, wv) = (fu - u0, fv - v0);
                let clamp = |a: f32| (a.max(0.0) as usize).min(side - 1);
                let corners = [
                    (u0, v0, (1.0 - wu) * (1.0 - wv)),
                    (u0 + 1.0, v0, wu * (1.0 - wv)),
                    (u0, v0 + 1.0, (1.0 - wu) * wv),
                    (u0 + 1.0, v0 + 1.0, wu * wv),
                ];
                for (k, (cu, cv, w)) in corners.into_iter().enumerate() {
                    taps.index[4 * i + k] = clamp(cv) * side + clamp(cu);
                    taps.weight[4 * i + k] = w;
                }
            }
        }
        taps
    }
}

/// A placement's sampling of a patch, for every pixel of a photo.
#[derive(Debug, Clone, PartialEq)]
pub struct Taps {
    pub index: Vec<usize>,
    pub weight: Vec<f32>,
    pub cover: Vec<f32>,
}

impl Patch {
    /// Uniform grey, the start of learning.
    pub fn grey(side: usize, target: usize, model: Option<ModelId>) -> Self {
        Self {
            side,
            pixels: vec![128.0; 3 * side * side],
            target,
            model,
        }
    }

    /// The photo with the patch placed on it.
    pub fn place(&self, photo: &RgbImage, placement: &Placement) -> RgbImage {
        let (w, h) = photo.dimensions();
        let taps = placement.taps(self.side, w, h);
        let plane = self.side * self.side;
        let mut out = photo.clone();
        for (i, p) in out.pixels_mut().enumerate() {
            let cover = taps.cover[i];
            if cover == 0.0 {
                continue;
            }
            for c in 0..3 {
                let sampled: f32 = (0..4)
                    .map(|k| {
                        taps.weight[4 * i + k] * self.pixels[c * plane + taps.index[4 * i + k]]
                    })
                    .sum();
                let lit = (sampled * placement.brightness).clamp(0.0, 255.0);
                p.0[c] = round_pixel(p.0[c] as f32 * (1.0 - cover) + lit * cover);
            }
        }
        out
    }

    /// The patch as an image, transparent outside its circle, at `diameter` pixels.
    fn disc(&self, diameter: u32) -> RgbaImage {
        let side = self.side as u32;
        let plane = self.side * self.side;
        let rgb = RgbImage::from_fn(side, side, |x, y| {
            let i = (y * side + x) as usize;
            Rgb([0, 1, 2].map(|c| round_pixel(self.pixels[c * plane + i])))
        });
        let big = image::imageops::resize(
            &rgb,
            diameter,
            diameter,
            image::imageops::FilterType::CatmullRom,
        );
        let r = diameter as f32 / 2.0;
        RgbaImage::from_fn(diameter, diameter, |x, y| {
            let d = ((x as f32 + 0.5 - r).powi(2) + (y as f32 + 0.5 - r).powi(2)).sqrt();
            let a = ((r - d + 0.5).clamp(0.0, 1.0) * 255.0) as u8;
            let p = big.get_pixel(x, y).0;
            image::Rgba([p[0], p[1], p[2], a])
        })
    }

    /// The PNG to print: the disc at `diameter_cm` on a 300 dpi printer (the PNG says its
    /// resolution), with a thin grey cut line around it, transparent elsewhere.
    pub fn print_png(&self, diameter_cm: f32) -> Result<Vec<u8>, ImageError> {
        let diameter = ((diameter_cm / 2.54 * PRINT_DPI).round() as u32).clamp(16, 20_000);
        let margin = (diameter / 40).max(6);
        let size = diameter + 2 * margin;
        let disc = self.disc(diameter);
        let mut page = RgbaImage::new(size, size);
        image::imageops::overlay(&mut page, &disc, margin as i64, margin as i64);
        // The cut line: a ring a little outside the disc, a couple of pixels wide.
        let centre = size as f32 / 2.0;
        let ring = diameter as f32 / 2.0 + margin as f32 / 2.0;
        for (x, y, p) in page.enumerate_pixels_mut() {
            let d = ((x as f32 + 0.5 - centre).powi(2) + (y as f32 + 0.5 - centre).powi(2)).sqrt();
            if (d - ring).abs() <= 1.2 {
                *p = image::Rgba([110, 110, 110, 255]);
            }
        }
        self.encode(&page, diameter)
    }

    fn encode(&self, image: &RgbaImage, diameter: u32) -> Result<Vec<u8>, ImageError> {
        let (w, h) = image.dimensions();
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, w, h);
            encoder.set_color(png::ColorType::Rgba);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_pixel_dims(Some(png::PixelDimensions {
                xppu: (PRINT_DPI / 0.0254).round() as u32,
                yppu: (PRINT_DPI / 0.0254).round() as u32,
                unit: png::Unit::Meter,
            }));
            let err = |e: png::EncodingError| ImageError::Encode(e.to_string());
            let mut chunk = |key: &str, value: String| encoder.add_text_chunk(key.into(), value);
            chunk(KIND_KEY, KIND.into()).map_err(err)?;
            chunk(TARGET_KEY, self.target.to_string()).map_err(err)?;
            chunk(SIDE_KEY, self.side.to_string()).map_err(err)?;
            chunk(DIAMETER_KEY, diameter.to_string()).map_err(err)?;
            if let Some(model) = self.model {
                chunk(MODEL_KEY, model.as_str().into()).map_err(err)?;
            }
            let mut writer = encoder.write_header().map_err(err)?;
            writer.write_image_data(image.as_raw()).map_err(err)?;
        }
        Ok(out)
    }

    /// Reads a patch's PNG (at print size or any other): the disc, brought back to the side
    /// it was learnt at.
    pub fn from_png(bytes: &[u8]) -> Result<Self, PatchError> {
        let chunks = crate::imaging::png_text(bytes).ok_or(PatchError::NotAPatch)?;
        let text = |key: &str| {
            chunks
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        if text(KIND_KEY).as_deref() != Some(KIND) {
            return Err(PatchError::NotAPatch);
        }
        let number = |key: &str| text(key).and_then(|v| v.parse::<usize>().ok());
        let (Some(target), Some(side), Some(diameter)) =
            (number(TARGET_KEY), number(SIDE_KEY), number(DIAMETER_KEY))
        else {
            return Err(PatchError::NotAPatch);
        };
        if target >= crate::imagenet::NUM_CLASSES || !(4..=4096).contains(&side) {
            return Err(PatchError::NotAPatch);
        }
        let model = text(MODEL_KEY).and_then(|m| m.parse().ok());
        // Through the one decoder, with its limits on size and shape.
        let image = crate::imaging::decode(bytes)?;
        let (w, h) = image.dimensions();
        let diameter = diameter as u32;
        if diameter == 0 || diameter > w.min(h) {
            return Err(PatchError::NotAPatch);
        }
        let disc = image::imageops::crop_imm(
            &image,
            (w - diameter) / 2,
            (h - diameter) / 2,
            diameter,
            diameter,
        )
        .to_image();
        let small = image::imageops::resize(
            &disc,
            side as u32,
            side as u32,
            image::imageops::FilterType::Triangle,
        );
        let plane = side * side;
        let mut pixels = vec![0.0; 3 * plane];
        for (i, p) in small.pixels().enumerate() {
            for c in 0..3 {
                pixels[c * plane + i] = p.0[c] as f32;
            }
        }
        Ok(Self {
            side,
            pixels,
            target,
            model,
        })
    }
}

/// Checks a patch's share of a photo's area: more than 0, at most half.
pub fn check_scale(scale: f32) -> Result<f32, PatchError> {
    if scale.is_finite() && scale > 0.0 && scale <= 0.5 {
        Ok(scale)
    } else {
        Err(PatchError::Scale(scale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red_patch() -> Patch {
        let side = 20;
        let mut pixels = vec![0.0; 3 * side * side];
        pixels[..side * side].fill(255.0);
        Patch {
            side,
            pixels,
            target: 859,
            model: None,
        }
    }

    #[test]
    fn a_placed_patch_lands_where_asked() {
        let photo = RgbImage::from_pixel(100, 80, Rgb([0, 0, 255]));
        let placement = Placement::covering(0.1, 100, 80, 30.0, 40.0, 0.7);
        // 10% of 8000 pixels: a disc of about 800 pixels, diameter ~31.9.
        assert!(
            (placement.diameter - 31.9).abs() < 0.1,
            "{}",
            placement.diameter
        );
        let out = red_patch().place(&photo, &placement);
        let red = |x: u32, y: u32| out.get_pixel(x, y).0 == [255, 0, 0];
        assert!(red(30, 40) && red(30 + 14, 40) && red(30, 40 - 14));
        assert_eq!(
            out.get_pixel(30 + 17, 40).0,
            [0, 0, 255],
            "outside the circle"
        );
        assert_eq!(out.get_pixel(90, 10).0, [0, 0, 255]);
        let covered = out.pixels().filter(|p| p.0[0] > 128).count();
        assert!((760..=840).contains(&covered), "{covered} pixels covered");
        assert!(
            check_scale(0.6).is_err() && check_scale(0.0).is_err() && check_scale(0.25).is_ok()
        );
    }

    #[test]
    fn the_print_png_has_the_size_the_dpi_and_reads_back() {
        let patch = red_patch();
        let png = patch.print_png(5.0).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let reader = decoder.read_info().unwrap();
        let dims = reader.info().pixel_dims.unwrap();
        assert_eq!(dims.xppu, 11811); // 300 dpi
        // 5 cm at 300 dpi: 591 pixels across the disc, with a margin for the cut line.
        let (w, _) = reader.info().size();
        assert!((591..=700).contains(&w), "{w}");
        let back = Patch::from_png(&png).unwrap();
        assert_eq!((back.side, back.target), (20, 859));
        let centre = 10 * 20 + 10;
        assert!(back.pixels[centre] > 250.0 && back.pixels[400 + centre] < 5.0);
        let plain = crate::imaging::encode_png(&RgbImage::new(8, 8)).unwrap();
        assert!(matches!(
            Patch::from_png(&plain),
            Err(PatchError::NotAPatch)
        ));
    }
}
