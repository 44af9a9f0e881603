//! Randomness an attack can repeat: one small generator, seeded by the caller, and the noise
//! tensors drawn from it on the host. Nothing here touches a backend's own generator, which is
//! global to the process (two attacks at once would share it) and differs between backends
//! (the page's WebGPU and the CLI's CPU would start PGD from different points): the same seed
//! gives the same values on every backend, thread and run.

use burn::prelude::*;

/// A small, well-known generator (Steele et al. 2014): deterministic across platforms.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    /// Two independent standard normal values (Box and Muller 1958).
    pub fn normal_pair(&mut self) -> (f64, f64) {
        // 1 - unit is in (0, 1]: its logarithm is finite.
        let radius = (-2.0 * (1.0 - self.unit()).ln()).sqrt();
        let angle = std::f64::consts::TAU * self.unit();
        (radius * angle.cos(), radius * angle.sin())
    }
}

/// A tensor of `shape` uniform between low and high, the same for a seed on every backend
/// (high itself about once in 30 million values, where rounding to f32 reaches it).
pub fn uniform<const D: usize>(
    shape: [usize; D],
    low: f32,
    high: f32,
    seed: u64,
    device: &Device,
) -> Tensor<D> {
    let mut rng = SplitMix64(seed ^ 0x0075_6e69_666f_726d);
    let len = shape.iter().product();
    let values: Vec<f32> = (0..len)
        .map(|_| low + (high - low) * rng.unit() as f32)
        .collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// A tensor of `shape` normal around 0 with deviation `std`, drawn from `rng`.
pub fn normal<const D: usize>(
    shape: [usize; D],
    std: f32,
    rng: &mut SplitMix64,
    device: &Device,
) -> Tensor<D> {
    let len: usize = shape.iter().product();
    let mut values = Vec::with_capacity(len + 1);
    while values.len() < len {
        let (a, b) = rng.normal_pair();
        values.push(a as f32 * std);
        values.push(b as f32 * std);
    }
    values.truncate(len);
    Tensor::from_data(TensorData::new(values, shape), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_into_vec::<f32>().unwrap()
    }

    #[test]
    fn a_seed_gives_the_same_noise_and_another_seed_other_noise() {
        let device = Device::flex();
        let a = read(uniform([2, 3, 5], -8.0, 8.0, 7, &device));
        assert_eq!(a, read(uniform([2, 3, 5], -8.0, 8.0, 7, &device)));
        assert_ne!(a, read(uniform([2, 3, 5], -8.0, 8.0, 8, &device)));
        assert!(a.iter().all(|v| (-8.0..=8.0).contains(v)));
        let (mut r1, mut r2) = (SplitMix64(3), SplitMix64(3));
        assert_eq!(
            read(normal([3, 3], 2.0, &mut r1, &device)),
            read(normal([3, 3], 2.0, &mut r2, &device))
        );
    }

    /// Over 200 000 values the moments are those of the distribution, to a few standard errors.
    #[test]
    fn the_noise_has_the_moments_it_promises() {
        let device = Device::flex();
        let n = 200_000f64;
        let u = read(uniform([200_000], -1.0, 3.0, 1, &device));
        let mean = u.iter().map(|&v| v as f64).sum::<f64>() / n;
        // Uniform on [-1, 3): mean 1, deviation 4 / sqrt(12) = 1.155; standard error 0.0026.
        assert!((mean - 1.0).abs() < 0.013, "uniform mean {mean}");
        let g = read(normal([200_000], 2.0, &mut SplitMix64(5), &device));
        let mean = g.iter().map(|&v| v as f64).sum::<f64>() / n;
        let var = g.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
        // Standard errors: 0.0045 for the mean, about 0.013 for the variance of 4.
        assert!(mean.abs() < 0.02, "normal mean {mean}");
        assert!((var - 4.0).abs() < 0.06, "normal variance {var}");
        let beyond = g.iter().filter(|v| v.abs() > 4.0).count() as f64 / n;
        // Beyond two deviations: 4.55%.
        assert!((beyond - 0.0455).abs() < 0.003, "{beyond} beyond 2 sigma");
    }
}
