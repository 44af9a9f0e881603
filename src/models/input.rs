//! The one preprocessing: how a photo of any size becomes a model's square input, as a tensor
//! function. Classifying a photo and attacking it at its own resolution both call [`fit`], so
//! the function the attack differentiates through is the one that classifies the saved file.
//!
//! Per axis, a photo more than four times the output is first averaged over blocks of `pool`
//! whole pixels (area averaging, so that a 12-megapixel photo does not alias when it shrinks
//! to 224), then interpolated with the Catmull-Rom kernel widened by the remaining shrink
//! factor (2 to 4) as an antialiasing resizer does; only the rows and columns the centre crop
//! keeps are computed. Every part
//! is linear (an average pool and two small matrix products), so the gradient is exact.

use burn::prelude::*;
use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::AvgPoolOptions;
use image::RgbImage;

use crate::imaging::{Preprocess, from_chw, to_chw};

/// An RGB image as a pixel tensor [1, 3, H, W] with values 0..255.
pub fn to_tensor(image: &RgbImage, device: &Device) -> Tensor<4> {
    let (w, h) = image.dimensions();
    Tensor::from_data(
        TensorData::new(to_chw(image), [1, 3, h as usize, w as usize]),
        device,
    )
}

/// The model's input as an 8-bit image: [`fit`] computed on the CPU and rounded (what an
/// attack at the model's resolution starts from, and what the page shows as the model's view).
/// An image that already has that size is returned unchanged, so a saved adversarial PNG
/// classifies exactly as it did.
pub fn prepare(image: &RgbImage, size: u32, preprocess: Preprocess) -> RgbImage {
    if image.dimensions() == (size, size) {
        return image.clone();
    }
    let device = Device::flex();
    let input = fit(to_tensor(image, &device), size as usize, preprocess);
    let values = input
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32 values");
    from_chw(&values, size as usize, size as usize)
}

/// Pixels [N, 3, H, W] (0..255) to the model's input [N, 3, size, size]: resized so that the
/// shorter side is `size + 32` and centre-cropped ([`Preprocess::Crop`]), or resized to
/// `size` x `size` ([`Preprocess::Stretch`]). An image already `size` x `size` is returned
/// unchanged. Values are not clamped: Catmull-Rom may overshoot [0, 255] by a little.
pub fn fit(pixels: Tensor<4>, size: usize, preprocess: Preprocess) -> Tensor<4> {
    let [n, c, h, w] = pixels.dims();
    if (h, w) == (size, size) {
        return pixels;
    }
    let (rows, cols) = plan(h, w, size, preprocess);
    let device = pixels.device();
    let pooled = pixels.slice([
        0..n,
        0..c,
        rows.offset..rows.offset + rows.pooled * rows.pool,
        cols.offset..cols.offset + cols.pooled * cols.pool,
    ]);
    let pooled = if rows.pool > 1 || cols.pool > 1 {
        avg_pool2d(pooled, AvgPoolOptions::new([rows.pool, cols.pool]))
    } else {
        pooled
    };
    let planes = pooled.reshape([n * c, rows.pooled, cols.pooled]);
    let down = Tensor::<2>::from_data(TensorData::new(rows.weights, [size, rows.pooled]), &device);
    let across =
        Tensor::<2>::from_data(TensorData::new(cols.weights, [size, cols.pooled]), &device)
            .transpose();
    let down = down
        .unsqueeze_dim::<3>(0)
        .expand([n * c, size, rows.pooled]);
    let across = across
        .unsqueeze_dim::<3>(0)
        .expand([n * c, cols.pooled, size]);
    down.matmul(planes)
        .matmul(across)
        .reshape([n, c, size, size])
}

/// The resampling of each axis, rows then columns, for an `h` x `w` photo.
fn plan(h: usize, w: usize, size: usize, preprocess: Preprocess) -> (Axis, Axis) {
    let (rh, rw) = resized(h, w, size, preprocess);
    (
        Axis::new(h, rh, (rh - size) / 2, size),
        Axis::new(w, rw, (rw - size) / 2, size),
    )
}

/// The size [rows, columns] the photo is resized to before the centre crop.
pub fn resized(h: usize, w: usize, size: usize, preprocess: Preprocess) -> (usize, usize) {
    match preprocess {
        Preprocess::Stretch => (size, size),
        Preprocess::Crop => {
            let short = size + 32;
            let long = |l: usize, s: usize| {
                ((l as f64 * short as f64 / s as f64).round() as usize).max(short)
            };
            if w <= h {
                (long(h, w), short)
            } else {
                (short, long(w, h))
            }
        }
    }
}

/// One axis of the resampling: `pool` source pixels averaged per block starting at `offset`
/// (the few left over split between both ends), then `weights` [out, pooled] interpolating the
/// `pooled` blocks to the `out` outputs.
#[derive(Debug, Clone, PartialEq)]
struct Axis {
    pool: usize,
    offset: usize,
    pooled: usize,
    weights: Vec<f32>,
}

impl Axis {
    /// `source` pixels resized to `resized`, of which the `out` from `start` on are kept.
    fn new(source: usize, resized: usize, start: usize, out: usize) -> Self {
        // Source pixels per output pixel. Blocks of half of it are averaged, the rest (2 to 4)
        // is left to the widened kernel: a box alone leaks stripes (an odd block of one-pixel
        // stripes averages to 4 of one and 5 of the other).
        let ratio = source as f64 / resized as f64;
        let pool = ((ratio / 2.0).floor() as usize).max(1);
        let pooled = source / pool;
        let offset = (source - pooled * pool) / 2;
        let rest = ratio / pool as f64;
        // Widen the kernel by what is still shrunk, so that no frequency above the output's
        // Nyquist limit folds back; an enlargement keeps the plain kernel.
        let scale = rest.max(1.0);
        let support = 2.0 * scale;
        let mut weights = vec![0f32; out * pooled];
        for o in 0..out {
            // The output pixel's centre, in source pixels, then in blocks.
            let centre = ((start + o) as f64 + 0.5) * ratio;
            let u = (centre - offset as f64) / pool as f64;
            let lo = (u - support).floor().max(0.0) as usize;
            let hi = ((u + support).ceil() as usize).clamp(lo + 1, pooled);
            let taps: Vec<f64> = (lo..hi)
                .map(|i| catmull_rom((i as f64 + 0.5 - u) / scale))
                .collect();
            let sum: f64 = taps.iter().sum();
            for (i, t) in (lo..hi).zip(taps) {
                weights[o * pooled + i] = (t / sum) as f32;
            }
        }
        Self {
            pool,
            offset,
            pooled,
            weights,
        }
    }
}

/// The Catmull-Rom cubic (Keys' kernel with a = -0.5), support [-2, 2].
fn catmull_rom(x: f64) -> f64 {
    let x = x.abs();
    if x < 1.0 {
        1.5 * x * x * x - 2.5 * x * x + 1.0
    } else if x < 2.0 {
        -0.5 * x * x * x + 2.5 * x * x - 4.0 * x + 2.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::checker;

    #[test]
    fn prepare_keeps_model_sized_images_and_crops_others() {
        let exact = checker(224, 224);
        assert_eq!(prepare(&exact, 224, Preprocess::Crop), exact);
        let wide = checker(451, 300);
        assert_eq!(
            prepare(&wide, 224, Preprocess::Crop).dimensions(),
            (224, 224)
        );
        assert_eq!(
            prepare(&wide, 240, Preprocess::Stretch).dimensions(),
            (240, 240)
        );
        let tall = checker(10, 40);
        assert_eq!(
            prepare(&tall, 224, Preprocess::Crop).dimensions(),
            (224, 224)
        );
    }

    #[test]
    fn weights_of_every_output_sum_to_one() {
        for (source, resized, start, out) in [
            (4000, 298, 37, 224),
            (3000, 256, 16, 224),
            (256, 256, 16, 224),
            (300, 256, 16, 224),
            (100, 256, 16, 224),
            (224, 224, 0, 224),
        ] {
            let axis = Axis::new(source, resized, start, out);
            assert!(axis.pooled * axis.pool <= source);
            assert!(source - axis.pooled * axis.pool < axis.pool.max(1) + 1);
            for o in 0..out {
                let row = &axis.weights[o * axis.pooled..(o + 1) * axis.pooled];
                let sum: f32 = row.iter().sum();
                assert!(
                    (sum - 1.0).abs() < 1e-5,
                    "{source}->{resized}: row {o} sums to {sum}"
                );
            }
        }
    }

    #[test]
    fn a_large_photo_is_averaged_before_it_is_interpolated() {
        let axis = Axis::new(4000, 298, 37, 224);
        assert_eq!(axis.pool, 6);
        assert_eq!(axis.pooled, 666);
        assert_eq!(axis.offset, 2);
        // No averaging while the photo is less than four times the output.
        assert_eq!(Axis::new(1000, 256, 16, 224).pool, 1);
    }

    fn pixels(image: &image::RgbImage) -> Tensor<4> {
        to_tensor(image, &Device::flex())
    }

    fn read(t: Tensor<4>) -> Vec<f32> {
        t.into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .unwrap()
    }

    /// One-pixel stripes shrunk 9-fold: an aliasing resizer (bilinear at 2 taps) gives
    /// stripes of 0 and 255 back; area averaging gives the mean grey.
    #[test]
    fn fine_stripes_shrink_to_grey_without_aliasing() {
        let stripes =
            image::RgbImage::from_fn(2016, 2016, |x, _| image::Rgb([(x % 2 * 255) as u8; 3]));
        let out = read(fit(pixels(&stripes), 224, Preprocess::Stretch));
        let (lo, hi) = out
            .iter()
            .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
        assert!(lo > 126.0 && hi < 129.0, "stripes became {lo}..{hi}");
    }

    /// On a smooth photo, close to the image crate's antialiased Catmull-Rom resize.
    #[test]
    fn agrees_with_a_reference_resizer_on_a_smooth_image() {
        let photo = image::RgbImage::from_fn(900, 600, |x, y| {
            let v = |f: f32| (127.5 + 127.5 * f.sin()) as u8;
            image::Rgb([
                v(x as f32 / 40.0),
                v(y as f32 / 55.0),
                v((x + y) as f32 / 70.0),
            ])
        });
        for preprocess in [Preprocess::Crop, Preprocess::Stretch] {
            let (rh, rw) = resized(600, 900, 224, preprocess);
            let reference = image::imageops::resize(
                &photo,
                rw as u32,
                rh as u32,
                image::imageops::FilterType::CatmullRom,
            );
            let (y0, x0) = ((rh - 224) / 2, (rw - 224) / 2);
            let reference =
                image::imageops::crop_imm(&reference, x0 as u32, y0 as u32, 224, 224).to_image();
            let ours = read(fit(pixels(&photo), 224, preprocess));
            let theirs = crate::imaging::to_chw(&reference);
            let mean = ours
                .iter()
                .zip(&theirs)
                .map(|(a, b)| (a - b).abs())
                .sum::<f32>()
                / ours.len() as f32;
            assert!(mean < 1.0, "{preprocess:?}: mean difference {mean} levels");
        }
    }

    /// The gradient is the adjoint of the linear map: <fit(x), r> = <x, fit'(r)>, checked
    /// with finite differences on a few pixels of a small photo.
    #[test]
    fn its_gradient_matches_finite_differences() {
        let device = Device::flex();
        let photo = image::RgbImage::from_fn(97, 61, |x, y| {
            image::Rgb([(x * 2) as u8, (y * 3) as u8, ((x * y) % 251) as u8])
        });
        let x = pixels(&photo);
        let r = Tensor::<4>::random(
            [1, 3, 24, 24],
            burn::tensor::Distribution::Uniform(-1.0, 1.0),
            &device,
        );
        let input = x.clone().autodiff().require_grad();
        let loss = (fit(input.clone(), 24, Preprocess::Crop) * r.clone().autodiff()).sum();
        let grads = loss.backward();
        let gradient = read(input.grad(&grads).unwrap());
        let base = read(x.clone());
        let f = |values: Vec<f32>| {
            let t = Tensor::<4>::from_data(TensorData::new(values, [1, 3, 61, 97]), &device);
            read(fit(t, 24, Preprocess::Crop) * r.clone())
                .iter()
                .map(|&v| v as f64)
                .sum::<f64>()
        };
        for i in [0, 500, 3 * 61 * 97 / 2, 3 * 61 * 97 - 1, 7777] {
            let mut plus = base.clone();
            plus[i] += 1.0;
            let mut minus = base.clone();
            minus[i] -= 1.0;
            let numeric = (f(plus) - f(minus)) / 2.0;
            assert!(
                (numeric - gradient[i] as f64).abs() < 1e-3,
                "pixel {i}: {numeric} vs {}",
                gradient[i]
            );
        }
    }

    #[test]
    fn crop_keeps_the_aspect_ratio() {
        assert_eq!(resized(1200, 1600, 224, Preprocess::Crop), (256, 341));
        assert_eq!(resized(1600, 1200, 224, Preprocess::Crop), (341, 256));
        assert_eq!(resized(1200, 1600, 240, Preprocess::Stretch), (240, 240));
    }
}
