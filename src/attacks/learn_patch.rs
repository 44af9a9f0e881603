//! Learning an adversarial patch (Brown et al. 2017) by expectation over transformation: each
//! step places the patch on a batch of photos, each at a random place, size (a share of the
//! photo's area), turn and brightness, passes the result through a simulated camera (a slight
//! blur, noise, a colour shift, and half the time a JPEG round trip), and follows the gradient
//! of the target's cross-entropy down, with Adam, back to the patch's pixels. The placement is
//! [`Placement::taps`]' bilinear sampling inside the graph, the one `Patch::place` uses.

use burn::prelude::*;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use image::RgbImage;

use super::ensemble::Ensemble;
use super::random::{self, SplitMix64};
use super::robust::jpeg_approx;
use super::{AttackError, Param, Patch, PatchConfig, Placement};
use crate::backend::read_values;
use crate::models::to_tensor;
use crate::prediction::DeviceError;

/// What a caller hears after each step: the step, the steps in all, the share of the step's
/// placements the model saw as the target.
pub trait PatchObserver {
    /// Returns false to stop (the patch so far is the result).
    fn on_step(&mut self, step: usize, steps: usize, hits: f32) -> impl Future<Output = bool>;
}

/// Learns a patch for `ensemble` from `photos` (at its input size), starting from `start`
/// (grey, or a patch learnt before: learning resumes where it stopped).
pub async fn learn_patch(
    ensemble: &Ensemble<'_>,
    photos: &[RgbImage],
    config: &PatchConfig,
    start: Option<Patch>,
    observer: &mut impl PatchObserver,
) -> Result<Patch, AttackError> {
    if photos.is_empty() {
        return Err(AttackError::NoPhotos);
    }
    if config.target >= crate::imagenet::NUM_CLASSES {
        return Err(AttackError::OutOfRange {
            param: Param::Target,
            value: config.target.to_string(),
        });
    }
    let device = ensemble.device().clone();
    let size = ensemble.input_size();
    let side = config.side.clamp(8, 512);
    let start = start.unwrap_or_else(|| Patch::grey(side, config.target, None));
    let side = start.side;
    let mut patch =
        Tensor::<1>::from_floats(start.pixels.as_slice(), &device).reshape([3, side * side]);
    let (mut m, mut v) = (patch.zeros_like(), patch.zeros_like());
    let mut rng = SplitMix64(config.seed ^ 0x70_6174_6368);
    let batch = config.batch.clamp(1, 64);
    let target_mask = {
        let mut values = vec![0f32; batch * crate::imagenet::NUM_CLASSES];
        for i in 0..batch {
            values[i * crate::imagenet::NUM_CLASSES + config.target] = 1.0;
        }
        Tensor::<2>::from_data(
            TensorData::new(values, [batch, crate::imagenet::NUM_CLASSES]),
            &device,
        )
    };
    for step in 0..config.steps {
        let chosen: Vec<usize> = (0..batch).map(|_| rng.below(photos.len())).collect();
        let photos_x = Tensor::cat(
            chosen
                .iter()
                .map(|&i| to_tensor(&photos[i], &device))
                .collect(),
            0,
        );
        let scene = Scene::random(&mut rng, config, batch, size, side, &device);
        let leaf = patch.clone().autodiff().require_grad();
        let placed = scene.place(leaf.clone(), photos_x.autodiff(), size, side);
        let seen = scene.camera(placed);
        let log_probs = ensemble.log_probs(seen);
        let members = log_probs.len() as f32;
        let loss = log_probs
            .iter()
            .map(|lp| (lp.clone() * target_mask.clone().autodiff()).sum())
            .reduce(|a, b| a + b)
            .expect("an ensemble has a member")
            .neg()
            .div_scalar(members * batch as f32);
        let grads = loss.backward();
        let gradient = leaf
            .grad(&grads)
            .ok_or_else(|| DeviceError("no gradient reached the patch".into()))?;
        let probs = ensemble.read(log_probs, batch).await?;
        let hits = probs
            .iter()
            .filter(|p| p.top1().index == config.target)
            .count() as f32
            / batch as f32;
        // Adam, in pixel levels.
        let (b1, b2) = (0.9f32, 0.999f32);
        m = m.mul_scalar(b1) + gradient.clone().mul_scalar(1.0 - b1);
        v = v.mul_scalar(b2) + gradient.square().mul_scalar(1.0 - b2);
        let t = (step + 1) as i32;
        let m_hat = m.clone().div_scalar(1.0 - b1.powi(t));
        let v_hat = v.clone().div_scalar(1.0 - b2.powi(t));
        patch = (patch - (m_hat / v_hat.sqrt().add_scalar(1e-8)).mul_scalar(config.learning_rate))
            .clamp(0.0, 255.0);
        if !observer.on_step(step, config.steps, hits).await {
            break;
        }
    }
    Ok(Patch {
        side,
        pixels: read_values(patch).await?,
        target: config.target,
        model: Some(ensemble.primary().id()),
    })
}

/// One step's placements and cameras, a batch of them.
struct Scene {
    /// Bilinear taps into the patch, [N * S * S * 4] indices and their weights [1, N, S*S, 4].
    index: Tensor<1, Int>,
    weight: Tensor<4>,
    /// How much of each pixel the patch covers [N, 1, S, S].
    cover: Tensor<4>,
    brightness: Tensor<4>,
    gain: Tensor<4>,
    blur: Tensor<4>,
    noise: Tensor<4>,
    jpeg: Option<u8>,
}

impl Scene {
    fn random(
        rng: &mut SplitMix64,
        config: &PatchConfig,
        n: usize,
        size: usize,
        side: usize,
        device: &Device,
    ) -> Self {
        let (mut index, mut weight, mut cover) = (Vec::new(), Vec::new(), Vec::new());
        let (mut brightness, mut gain) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let scale =
                config.min_scale + (config.max_scale - config.min_scale) * rng.unit() as f32;
            let probe = Placement::covering(scale, size as u32, size as u32, 0.0, 0.0, 0.0);
            let r = probe.diameter / 2.0;
            // The whole circle on the photo.
            let room = (size as f32 - 2.0 * r).max(0.0);
            let x = r + room * rng.unit() as f32;
            let y = r + room * rng.unit() as f32;
            let angle = (rng.unit() as f32 * 2.0 - 1.0) * std::f32::consts::PI;
            let mut placement = Placement::covering(scale, size as u32, size as u32, x, y, angle);
            placement.brightness = 0.8 + 0.4 * rng.unit() as f32;
            let taps = placement.taps(side, size as u32, size as u32);
            index.extend(taps.index.iter().map(|&i| i as i64));
            weight.extend(taps.weight);
            cover.extend(taps.cover);
            brightness.push(placement.brightness);
            gain.extend((0..3).map(|_| 0.9 + 0.2 * rng.unit() as f32));
        }
        // A slight blur: a 3x3 Gaussian of sigma 0.3 to 1.
        let sigma = 0.3 + 0.7 * rng.unit() as f32;
        let g: Vec<f32> = [-1.0f32, 0.0, 1.0]
            .iter()
            .map(|d| (-d * d / (2.0 * sigma * sigma)).exp())
            .collect();
        let total: f32 = g.iter().sum::<f32>().powi(2);
        let kernel: Vec<f32> = (0..3)
            .flat_map(|_| {
                (0..9)
                    .map(|k| g[k / 3] * g[k % 3] / total)
                    .collect::<Vec<_>>()
            })
            .collect();
        let noise_level = 4.0 * rng.unit();
        let jpeg = (rng.unit() < 0.5).then(|| 60 + rng.below(36) as u8);
        Self {
            index: Tensor::<1, Int>::from_ints(index.as_slice(), device),
            weight: Tensor::<1>::from_floats(weight.as_slice(), device).reshape([
                1,
                n,
                size * size,
                4,
            ]),
            cover: Tensor::<1>::from_floats(cover.as_slice(), device).reshape([n, 1, size, size]),
            brightness: Tensor::<1>::from_floats(brightness.as_slice(), device)
                .reshape([n, 1, 1, 1]),
            gain: Tensor::<1>::from_floats(gain.as_slice(), device).reshape([n, 3, 1, 1]),
            blur: Tensor::<1>::from_floats(kernel.as_slice(), device).reshape([3, 1, 3, 3]),
            noise: random::normal([n, 3, size, size], noise_level as f32, rng, device),
            jpeg,
        }
    }

    /// The photos [N, 3, S, S] with the patch [3, side * side] placed on each.
    fn place(&self, patch: Tensor<2>, photos: Tensor<4>, size: usize, side: usize) -> Tensor<4> {
        let _ = side;
        let n = photos.dims()[0];
        let sampled = patch
            .select(1, self.index.clone())
            .reshape([3, n, size * size, 4])
            * self.weight.clone().autodiff();
        let sampled = sampled
            .sum_dim(3)
            .reshape([3, n, size, size])
            .swap_dims(0, 1)
            * self.brightness.clone().autodiff();
        let cover = self.cover.clone().autodiff();
        photos * (cover.clone().neg().add_scalar(1.0)) + sampled.clamp(0.0, 255.0) * cover
    }

    /// What a camera makes of a scene: a colour shift, a slight blur, noise, maybe JPEG.
    fn camera(&self, scene: Tensor<4>) -> Tensor<4> {
        let shifted = scene * self.gain.clone().autodiff();
        let options = ConvOptions::new([1, 1], [1, 1], [1, 1], 3);
        let blurred = conv2d(shifted, self.blur.clone().autodiff(), None, options);
        let noisy = (blurred + self.noise.clone().autodiff()).clamp(0.0, 255.0);
        match self.jpeg {
            Some(quality) => jpeg_approx(noisy, quality),
            None => noisy,
        }
    }
}
