//! How far an adversarial image is from the original, in pixel units (0..255) and in the image
//! quality measures people quote (PSNR, SSIM).

use image::RgbImage;

/// Distances between two images of the same size.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Distance {
    /// Largest change of any channel value.
    pub linf: f32,
    /// Euclidean norm of the change over all channel values.
    pub l2: f32,
    /// Number of channel values that changed.
    pub l0: usize,
    /// Peak signal-to-noise ratio in dB (infinite for identical images; null in JSON).
    #[serde(with = "infinite_as_null")]
    pub psnr: f32,
    /// Structural similarity (Wang et al. 2004), 7x7 windows, mean over channels.
    pub ssim: f32,
}

/// JSON has no infinity: identical images have a PSNR of `null`.
mod infinite_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f32(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        Ok(Option::<f32>::deserialize(d)?.unwrap_or(f32::INFINITY))
    }
}

impl Distance {
    /// Measures `b` against `a`. Panics if the sizes differ (a programming error).
    pub fn between(a: &RgbImage, b: &RgbImage) -> Self {
        assert_eq!(
            a.dimensions(),
            b.dimensions(),
            "Distance::between needs images of one size"
        );
        let (mut linf, mut sq, mut l0) = (0f32, 0f64, 0usize);
        for (p, q) in a.as_raw().iter().zip(b.as_raw()) {
            let d = (*p as f32 - *q as f32).abs();
            linf = linf.max(d);
            sq += (d as f64) * (d as f64);
            l0 += (d > 0.0) as usize;
        }
        let n = a.as_raw().len().max(1) as f64;
        let mse = sq / n;
        let psnr = if mse == 0.0 {
            f32::INFINITY
        } else {
            (10.0 * (255.0f64 * 255.0 / mse).log10()) as f32
        };
        Self {
            linf,
            l2: sq.sqrt() as f32,
            l0,
            psnr,
            ssim: ssim(a, b),
        }
    }
}

/// SSIM with a 7x7 uniform window, data range 255, K1 = 0.01, K2 = 0.03 and sample
/// covariances, averaged over valid windows and channels (scikit-image's defaults).
pub fn ssim(a: &RgbImage, b: &RgbImage) -> f32 {
    const WIN: usize = 7;
    let (w, h) = (a.width() as usize, a.height() as usize);
    if w < WIN || h < WIN {
        return if a == b { 1.0 } else { 0.0 };
    }
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let n = (WIN * WIN) as f64;
    let cov_norm = n / (n - 1.0);
    let (ra, rb) = (a.as_raw(), b.as_raw());
    let mut total = 0f64;
    let mut count = 0usize;
    for c in 0..3 {
        // Summed-area tables of x, y, x^2, y^2, xy for this channel.
        let at = |img: &[u8], x: usize, y: usize| img[(y * w + x) * 3 + c] as f64;
        let mut tables = vec![[0f64; 5]; (w + 1) * (h + 1)];
        for y in 0..h {
            let mut row = [0f64; 5];
            for x in 0..w {
                let (p, q) = (at(ra, x, y), at(rb, x, y));
                for (r, v) in row.iter_mut().zip([p, q, p * p, q * q, p * q]) {
                    *r += v;
                }
                let above = tables[y * (w + 1) + x + 1];
                let cell = &mut tables[(y + 1) * (w + 1) + x + 1];
                for k in 0..5 {
                    cell[k] = above[k] + row[k];
                }
            }
        }
        let sum = |x0: usize, y0: usize, k: usize| {
            let (x1, y1) = (x0 + WIN, y0 + WIN);
            tables[y1 * (w + 1) + x1][k]
                - tables[y0 * (w + 1) + x1][k]
                - tables[y1 * (w + 1) + x0][k]
                + tables[y0 * (w + 1) + x0][k]
        };
        for y0 in 0..=h - WIN {
            for x0 in 0..=w - WIN {
                let (mx, my) = (sum(x0, y0, 0) / n, sum(x0, y0, 1) / n);
                let vx = cov_norm * (sum(x0, y0, 2) / n - mx * mx);
                let vy = cov_norm * (sum(x0, y0, 3) / n - my * my);
                let vxy = cov_norm * (sum(x0, y0, 4) / n - mx * my);
                total += ((2.0 * mx * my + c1) * (2.0 * vxy + c2))
                    / ((mx * mx + my * my + c1) * (vx + vy + c2));
                count += 1;
            }
        }
    }
    (total / count as f64) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([
                (x * 9 % 256) as u8,
                (y * 13 % 256) as u8,
                ((x * y) % 256) as u8,
            ])
        })
    }

    #[test]
    fn identical_images() {
        let a = ramp(20, 12);
        let d = Distance::between(&a, &a);
        assert_eq!((d.linf, d.l2, d.l0), (0.0, 0.0, 0));
        assert!(d.psnr.is_infinite());
        assert!((d.ssim - 1.0).abs() < 1e-6);
    }

    /// Against scikit-image 0.26: `structural_similarity(a, b, channel_axis=2, data_range=255)`
    /// and `peak_signal_noise_ratio(a, b, data_range=255)` on the same two arrays.
    #[test]
    fn ssim_and_psnr_match_scikit_image() {
        let a = ramp(20, 12);
        let mut b = a.clone();
        for (i, v) in b.iter_mut().enumerate() {
            *v = (*v as i64 + (i as i64 * 7919) % 17 - 8).clamp(0, 255) as u8;
        }
        let d = Distance::between(&a, &b);
        assert!(
            (d.ssim as f64 - 0.9748031853767981).abs() < 1e-6,
            "ssim {}",
            d.ssim
        );
        assert!(
            (d.psnr as f64 - 34.53877499880821).abs() < 1e-4,
            "psnr {}",
            d.psnr
        );
    }

    #[test]
    fn norms_in_pixel_units() {
        let a = RgbImage::from_pixel(4, 4, image::Rgb([100, 100, 100]));
        let mut b = a.clone();
        b.put_pixel(1, 1, image::Rgb([108, 96, 100]));
        let d = Distance::between(&a, &b);
        assert_eq!(d.linf, 8.0);
        assert!((d.l2 - (64.0f32 + 16.0).sqrt()).abs() < 1e-5);
        assert_eq!(d.l0, 2);
        // MSE = 80 / 48 -> PSNR = 10 log10(65025 / (80/48)).
        assert!((d.psnr - 45.9123).abs() < 1e-3, "{}", d.psnr);
    }
}
