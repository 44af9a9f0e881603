//! Does an adversarial image stay adversarial where people use it? Each [`Transform`] is
//! something that happens to a shared photo (a JPEG save, a chat app's downscaling, fewer
//! colours, a denoising filter). The check applies it to the original AND to the adversarial
//! image and judges both with the one rule ([`Verdict::decide`]): an image survives when the
//! model still gets the transformed original right and the transformed adversarial image
//! still reaches the attack's goal (Kurakin et al. 2017 call the opposite the destruction
//! rate).

use image::RgbImage;
use image::imageops::FilterType;

use super::Verdict;
use crate::prediction::Prediction;

/// Something that happens to an image after it is saved.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Transform {
    /// Saved as JPEG at this quality (1..=100) and decoded again.
    Jpeg { quality: u8 },
    /// Downscaled by this factor (0 < f < 1, triangle filter), as chat apps do; the classifier
    /// then resizes it to its input as it would any photo.
    Scale { factor: f32 },
    /// Each channel rounded to this many bits (feature squeezing, Xu et al. 2018).
    Bits { bits: u8 },
    /// A 3x3 median filter on each channel (edges repeat the border pixels).
    Median3,
}

impl Transform {
    /// The checks Gibbon runs after an attack.
    pub const CHECKS: [Transform; 7] = [
        Transform::Jpeg { quality: 95 },
        Transform::Jpeg { quality: 75 },
        Transform::Jpeg { quality: 50 },
        Transform::Scale { factor: 0.75 },
        Transform::Scale { factor: 0.5 },
        Transform::Bits { bits: 5 },
        Transform::Median3,
    ];

    /// A short key for tables, JSON and CSV: `jpeg75`, `scale0.5`, `5bit`, `median3`.
    pub fn key(&self) -> String {
        match *self {
            Transform::Jpeg { quality } => format!("jpeg{quality}"),
            Transform::Scale { factor } => format!("scale{factor}"),
            Transform::Bits { bits } => format!("{bits}bit"),
            Transform::Median3 => "median3".into(),
        }
    }

    /// In words: "JPEG quality 75", "scaled to 50%", "5-bit colour", "3×3 median filter".
    pub fn describe(&self) -> String {
        match *self {
            Transform::Jpeg { quality } => format!("JPEG quality {quality}"),
            Transform::Scale { factor } => format!("scaled to {:.0}%", factor * 100.0),
            Transform::Bits { bits } => format!("{bits}-bit colour"),
            Transform::Median3 => "3×3 median filter".into(),
        }
    }

    /// The transformed image (a scaled one is smaller).
    pub fn apply(&self, image: &RgbImage) -> Result<RgbImage, String> {
        match *self {
            Transform::Jpeg { quality } => jpeg(image, quality),
            Transform::Scale { factor } => {
                if !(factor > 0.0 && factor < 1.0) {
                    return Err(format!("a scale factor must be in (0, 1), not {factor}"));
                }
                let (w, h) = image.dimensions();
                let side = |s: u32| ((s as f32 * factor).round() as u32).max(1);
                Ok(image::imageops::resize(
                    image,
                    side(w),
                    side(h),
                    FilterType::Triangle,
                ))
            }
            Transform::Bits { bits } => {
                if !(1..=8).contains(&bits) {
                    return Err(format!("colour depth must be 1 to 8 bits, not {bits}"));
                }
                let levels = ((1u32 << bits) - 1) as f32;
                let mut out = image.clone();
                for v in out.iter_mut() {
                    let q = (*v as f32 / 255.0 * levels).round();
                    *v = (q / levels * 255.0).round() as u8;
                }
                Ok(out)
            }
            Transform::Median3 => Ok(median3(image)),
        }
    }
}

/// Encoded as JPEG with the `image` crate's encoder (4:2:0 chroma, as most savers do) and
/// decoded again.
fn jpeg(image: &RgbImage, quality: u8) -> Result<RgbImage, String> {
    if !(1..=100).contains(&quality) {
        return Err(format!("JPEG quality must be 1 to 100, not {quality}"));
    }
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(image)
        .map_err(|e| format!("JPEG encoding failed: {e}"))?;
    decode_jpeg(&bytes)
}

/// Decodes a JPEG file (the browser's own, in the page) into RGB.
pub fn decode_jpeg(bytes: &[u8]) -> Result<RgbImage, String> {
    image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .map(|d| d.to_rgb8())
        .map_err(|e| format!("the JPEG could not be decoded: {e}"))
}

fn median3(image: &RgbImage) -> RgbImage {
    let (w, h) = image.dimensions();
    let at = |x: i64, y: i64, c: usize| {
        let x = x.clamp(0, w as i64 - 1) as u32;
        let y = y.clamp(0, h as i64 - 1) as u32;
        image.get_pixel(x, y)[c]
    };
    RgbImage::from_fn(w, h, |x, y| {
        let mut rgb = [0u8; 3];
        for (c, out) in rgb.iter_mut().enumerate() {
            let mut window = [0u8; 9];
            for (k, v) in window.iter_mut().enumerate() {
                *v = at(
                    x as i64 + (k % 3) as i64 - 1,
                    y as i64 + (k / 3) as i64 - 1,
                    c,
                );
            }
            window.sort_unstable();
            *out = window[4];
        }
        image::Rgb(rgb)
    })
}

/// How one transform treated an attack's images.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Survival {
    pub transform: Transform,
    /// The model's top-1 on the transformed original and adversarial image.
    pub original: Prediction,
    pub adversarial: Prediction,
    /// The one rule on the two: counted when the transformed original is still right.
    pub verdict: Verdict,
}

impl Survival {
    /// Whether the adversarial image survived: counted, and its goal still reached.
    pub fn survived(&self) -> bool {
        self.verdict.counted && self.verdict.goal_reached()
    }

    /// A word for tables: `survives`, `destroyed` or `-` (the original did not survive).
    pub fn word(&self) -> &'static str {
        match (self.verdict.counted, self.survived()) {
            (false, _) => "-",
            (true, true) => "survives",
            (true, false) => "destroyed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient() -> RgbImage {
        RgbImage::from_fn(40, 30, |x, y| {
            image::Rgb([(x * 6) as u8, (y * 8) as u8, ((x * y) % 256) as u8])
        })
    }

    #[test]
    fn each_transform_does_what_it_says() {
        let image = gradient();
        // 5 bits: 32 levels, each within half a level (255/31/2) of the input.
        let five = Transform::Bits { bits: 5 }.apply(&image).unwrap();
        let mut levels: Vec<u8> = five.iter().copied().collect();
        levels.sort_unstable();
        levels.dedup();
        assert!(levels.len() <= 32, "{}", levels.len());
        assert!(
            image
                .iter()
                .zip(five.iter())
                .all(|(&a, &b)| (a as f32 - b as f32).abs() <= 255.0 / 31.0 / 2.0 + 0.5)
        );
        assert_eq!(Transform::Bits { bits: 8 }.apply(&image).unwrap(), image);
        // Scaling halves the sides.
        let half = Transform::Scale { factor: 0.5 }.apply(&image).unwrap();
        assert_eq!(half.dimensions(), (20, 15));
        // JPEG changes pixels a little at 95, more at 50.
        let err = |q| {
            let j = Transform::Jpeg { quality: q }.apply(&image).unwrap();
            assert_eq!(j.dimensions(), image.dimensions());
            image
                .iter()
                .zip(j.iter())
                .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
                .sum::<f64>()
        };
        assert!(err(95) < err(50), "{} {}", err(95), err(50));
        // The median removes a lone outlier and keeps a flat image.
        let mut spot = RgbImage::from_pixel(5, 5, image::Rgb([100, 100, 100]));
        spot.put_pixel(2, 2, image::Rgb([255, 0, 255]));
        assert_eq!(
            Transform::Median3.apply(&spot).unwrap(),
            RgbImage::from_pixel(5, 5, image::Rgb([100, 100, 100]))
        );
        // Bad parameters are errors, not panics.
        assert!(Transform::Jpeg { quality: 0 }.apply(&image).is_err());
        assert!(Transform::Scale { factor: 1.5 }.apply(&image).is_err());
        assert!(Transform::Bits { bits: 0 }.apply(&image).is_err());
        let keys: Vec<String> = Transform::CHECKS.iter().map(Transform::key).collect();
        assert_eq!(
            keys,
            [
                "jpeg95",
                "jpeg75",
                "jpeg50",
                "scale0.75",
                "scale0.5",
                "5bit",
                "median3"
            ]
        );
    }
}
