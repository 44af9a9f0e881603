//! A universal perturbation (Moosavi-Dezfooli et al., CVPR 2017): one noise, the size of a
//! model's input, that changes the model's answer on most photos it is added to, photos it
//! never saw included. It is saved as a PNG that shows it (128 plus the noise, in whole levels,
//! so that reading it back gives it exactly) with its eps and model in text chunks. Learning
//! one needs burn ([`super::learn_universal`]); keeping, saving and adding one does not.

use image::RgbImage;

use super::Verdict;
use crate::imaging::{ImageError, round_pixel};
use crate::zoo::ModelId;

/// The text chunk keys of a perturbation PNG.
const KIND_KEY: &str = "gibbon:kind";
const KIND: &str = "universal perturbation";
const EPS_KEY: &str = "gibbon:eps";
const MODEL_KEY: &str = "gibbon:model";

/// One noise for every photo: `delta` holds whole levels in [-eps, eps], planar CHW.
#[derive(Debug, Clone, PartialEq)]
pub struct Universal {
    pub eps: f32,
    /// The model it was learnt for, when known.
    pub model: Option<ModelId>,
    pub size: usize,
    pub delta: Vec<f32>,
}

/// How a universal perturbation is learnt.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UniversalConfig {
    /// L-inf budget in pixel levels (10 = 10/255, the paper's).
    pub eps: f32,
    /// Steps of gradient ascent.
    pub steps: usize,
    /// Views per step.
    pub batch: usize,
    /// Step size in pixel levels.
    pub alpha: f32,
    /// Decay of the direction accumulated over steps (0: each step's gradient alone).
    pub momentum: f32,
    /// Seed of the views.
    pub seed: u64,
}

impl Default for UniversalConfig {
    fn default() -> Self {
        Self {
            eps: 10.0,
            steps: 150,
            batch: 8,
            alpha: 1.0,
            momentum: 0.9,
            seed: 0,
        }
    }
}

/// Why a file is not a usable perturbation.
#[derive(Debug, thiserror::Error)]
pub enum UniversalError {
    #[error(
        "not a universal perturbation: a PNG that `gibbon universal` wrote has a '{KIND_KEY}' text chunk"
    )]
    NotAPerturbation,
    #[error("the perturbation's eps is {0}, but its pixels move up to {1} levels")]
    OutsideEps(f32, f32),
    #[error("a perturbation must be square, not {0}x{1}")]
    NotSquare(u32, u32),
    #[error(transparent)]
    Image(#[from] ImageError),
}

impl Universal {
    /// No noise at all, of `size` x `size`.
    pub fn zero(size: usize, eps: f32, model: Option<ModelId>) -> Self {
        Self {
            eps,
            model,
            size,
            delta: vec![0.0; 3 * size * size],
        }
    }

    /// Random signs of eps (every value plus or minus eps): the noise a universal
    /// perturbation must beat to mean anything.
    pub fn sign_noise(size: usize, eps: f32, seed: u64) -> Self {
        let mut state = seed ^ 0x7369_676e;
        let delta = (0..3 * size * size)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                if state >> 63 == 1 { eps } else { -eps }
            })
            .collect();
        Self {
            eps,
            model: None,
            size,
            delta,
        }
    }

    /// The noise added to an image, the sum rounded to 8 bits. An image of another size gets
    /// the noise stretched over it (nearest neighbour, as [`Universal::resized`]).
    pub fn apply(&self, image: &RgbImage) -> RgbImage {
        let (w, h) = image.dimensions();
        if self.size == 0 {
            return image.clone();
        }
        let plane = self.size * self.size;
        let at = |v: u32, of: u32| (v as usize * self.size / of.max(1) as usize).min(self.size - 1);
        RgbImage::from_fn(w, h, |x, y| {
            let i = at(y, h) * self.size + at(x, w);
            let p = image.get_pixel(x, y).0;
            image::Rgb([0, 1, 2].map(|c| round_pixel(p[c] as f32 + self.delta[c * plane + i])))
        })
    }

    /// The noise resized to `size` (nearest neighbour: its values stay whole levels inside eps).
    pub fn resized(&self, size: usize) -> Self {
        if size == self.size {
            return self.clone();
        }
        let (from, plane) = (self.size, size * size);
        let mut delta = vec![0.0; 3 * plane];
        for c in 0..3 {
            for y in 0..size {
                for x in 0..size {
                    let (sx, sy) = (x * from / size, y * from / size);
                    delta[c * plane + y * size + x] = self.delta[c * from * from + sy * from + sx];
                }
            }
        }
        Self {
            size,
            delta,
            ..self.clone()
        }
    }

    /// The largest change it makes.
    pub fn linf(&self) -> f32 {
        self.delta.iter().fold(0.0, |m, d| m.max(d.abs()))
    }

    /// The PNG: 128 plus the noise (grey is no change), with its eps, model and kind in text
    /// chunks.
    pub fn to_png(&self) -> Result<Vec<u8>, ImageError> {
        let plane = self.size * self.size;
        let mut rgb = Vec::with_capacity(3 * plane);
        for i in 0..plane {
            for c in 0..3 {
                rgb.push(round_pixel(128.0 + self.delta[c * plane + i]));
            }
        }
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, self.size as u32, self.size as u32);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let text = |e: &mut png::Encoder<_>, key: &str, value: String| {
                e.add_text_chunk(key.into(), value)
                    .map_err(|e| ImageError::Encode(e.to_string()))
            };
            text(&mut encoder, KIND_KEY, KIND.into())?;
            text(&mut encoder, EPS_KEY, self.eps.to_string())?;
            if let Some(model) = self.model {
                text(&mut encoder, MODEL_KEY, model.as_str().into())?;
            }
            let mut writer = encoder
                .write_header()
                .map_err(|e| ImageError::Encode(e.to_string()))?;
            writer
                .write_image_data(&rgb)
                .map_err(|e| ImageError::Encode(e.to_string()))?;
        }
        Ok(out)
    }

    /// Reads a PNG that [`Universal::to_png`] wrote; anything else is refused.
    pub fn from_png(bytes: &[u8]) -> Result<Self, UniversalError> {
        let chunks = crate::imaging::png_text(bytes).ok_or(UniversalError::NotAPerturbation)?;
        let text = |key: &str| {
            chunks
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        if text(KIND_KEY).as_deref() != Some(KIND) {
            return Err(UniversalError::NotAPerturbation);
        }
        let eps: f32 = text(EPS_KEY)
            .and_then(|e| e.parse().ok())
            .filter(|e: &f32| e.is_finite() && (0.0..=127.0).contains(e))
            .ok_or(UniversalError::NotAPerturbation)?;
        let model = text(MODEL_KEY).and_then(|m| m.parse().ok());
        let image = crate::imaging::decode_png(bytes)?;
        let (w, h) = image.dimensions();
        if w != h {
            return Err(UniversalError::NotSquare(w, h));
        }
        let size = w as usize;
        let plane = size * size;
        let mut delta = vec![0.0; 3 * plane];
        for (i, p) in image.pixels().enumerate() {
            for c in 0..3 {
                delta[c * plane + i] = p.0[c] as f32 - 128.0;
            }
        }
        let noise = Self {
            eps,
            model,
            size,
            delta,
        };
        if noise.linf() > eps.floor() {
            return Err(UniversalError::OutsideEps(eps, noise.linf()));
        }
        Ok(noise)
    }
}

/// How a model judged a photo with and without the noise, under the one rule (a label known:
/// fooled when the top-1 leaves the right classes; none: when the answer changes, the
/// fooling rate of Moosavi-Dezfooli et al.).
pub fn fooled(truth: &super::Truth, clean: usize, noisy: usize) -> Verdict {
    Verdict::decide(truth, None, clean, noisy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_and_read_back_losslessly_inside_eps() {
        let mut noise = Universal::sign_noise(8, 10.0, 3);
        noise.model = Some(ModelId::EfficientNetLite0);
        noise.delta[5] = 3.0;
        let back = Universal::from_png(&noise.to_png().unwrap()).unwrap();
        assert_eq!(back, noise);
        assert!(back.linf() <= 10.0);
        // A plain PNG is not a perturbation.
        let plain = crate::imaging::encode_png(&RgbImage::new(8, 8)).unwrap();
        assert!(matches!(
            Universal::from_png(&plain),
            Err(UniversalError::NotAPerturbation)
        ));
        assert!(Universal::from_png(b"nope").is_err());
    }

    #[test]
    fn a_photo_of_another_size_gets_the_noise_stretched() {
        let noise = Universal::sign_noise(4, 3.0, 7);
        let grey = RgbImage::from_pixel(8, 8, image::Rgb([100, 100, 100]));
        assert_eq!(noise.apply(&grey), noise.resized(8).apply(&grey));
        let wide = RgbImage::from_pixel(12, 5, image::Rgb([100, 100, 100]));
        let out = noise.apply(&wide);
        assert_eq!(out.dimensions(), (12, 5));
        assert!(
            out.pixels()
                .all(|p| p.0.iter().all(|&v| (97..=103).contains(&v)))
        );
    }

    #[test]
    fn added_noise_stays_in_range_and_resizes_inside_eps() {
        let noise = Universal::sign_noise(4, 6.0, 1);
        let white = RgbImage::from_pixel(4, 4, image::Rgb([253, 128, 2]));
        let out = noise.apply(&white);
        for (p, q) in white.pixels().zip(out.pixels()) {
            for c in 0..3 {
                assert!((p.0[c] as f32 - q.0[c] as f32).abs() <= 6.0);
            }
        }
        let bigger = noise.resized(10);
        assert_eq!(bigger.delta.len(), 300);
        assert!(bigger.linf() <= 6.0);
    }
}
