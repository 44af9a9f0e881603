//! Input diversity (Xie et al. 2019, "Improving transferability of adversarial examples with
//! input diversity"): a step's gradient is taken through a random shrink-and-pad of the image,
//! so the perturbation does not overfit one model's view of one exact layout.
//!
//! With probability p, the S x S image is resized (nearest) to a random side in [0.9 S, S) and
//! padded with black to S x S at a random offset, as torchattacks' DIFGSM does.
//! The random stream depends on the seed and the step only, so every image of a batch (and an
//! image attacked alone) sees the same transforms.

use burn::prelude::*;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions, PadMode};

use super::random::SplitMix64;

/// The smallest side, as a fraction of the image's (torchattacks' resize_rate).
pub const SHRINK: f32 = 0.9;

/// Draws one transform per step.
#[derive(Debug, Clone)]
pub struct Diversity {
    rng: SplitMix64,
    probability: f32,
    size: usize,
}

/// One shrink-and-pad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transform {
    /// Side after shrinking.
    pub side: usize,
    pub top: usize,
    pub left: usize,
    /// Side after padding (the image's).
    pub size: usize,
}

impl Diversity {
    pub fn new(seed: u64, probability: f32, size: usize) -> Self {
        Self {
            rng: SplitMix64(seed ^ 0x6469_7665_7273_6974),
            probability,
            size,
        }
    }

    /// The next step's transform, or None (the image as it is). Draws the same amount of
    /// randomness either way.
    pub fn next_transform(&mut self) -> Option<Transform> {
        let fires = self.rng.unit() < self.probability as f64;
        let smallest = ((self.size as f32 * SHRINK) as usize).clamp(1, self.size);
        let span = self.size - smallest;
        let side = smallest + self.rng.below(span.max(1));
        let room = self.size - side;
        let top = self.rng.below(room + 1);
        let left = self.rng.below(room + 1);
        (fires && span > 0).then_some(Transform {
            side,
            top,
            left,
            size: self.size,
        })
    }
}

impl Transform {
    /// Applies it to pixels [N, 3, S, S].
    pub fn apply(&self, pixels: Tensor<4>) -> Tensor<4> {
        let mut options = InterpolateOptions::new(InterpolateMode::Nearest);
        options.align_corners = false;
        options.output_size = Some([self.side, self.side]);
        let small = interpolate(pixels, options);
        let room = self.size - self.side;
        small.pad(
            (self.left, room - self.left, self.top, room - self.top),
            PadMode::Constant(0.0),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms_stay_in_range_and_repeat_by_seed() {
        let mut a = Diversity::new(3, 0.5, 224);
        let mut b = Diversity::new(3, 0.5, 224);
        let mut fired = 0;
        for _ in 0..1000 {
            let t = a.next_transform();
            assert_eq!(t, b.next_transform());
            if let Some(t) = t {
                fired += 1;
                assert!((201..224).contains(&t.side), "{t:?}");
                assert!(t.top + t.side <= 224 && t.left + t.side <= 224);
            }
        }
        assert!(
            (400..600).contains(&fired),
            "{fired} of 1000 fired at p = 0.5"
        );
        assert!(Diversity::new(1, 0.0, 224).next_transform().is_none());
    }
}
