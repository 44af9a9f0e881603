//! Expectation over transformation (EOT, Athalye et al. 2018): each step follows the gradient
//! averaged over random views of the image, the changes it will meet once shared (a JPEG save,
//! a rescale, a small shift), so that the result stays adversarial after them. Every view is
//! computed inside the graph, so the gradient reaches the pixels through it.
//!
//! JPEG is not differentiable (its quantisation rounds), so a view uses an approximation
//! (Shin and Song 2017): colour to YCbCr, 8x8 DCT, division by the quality's quantisation
//! tables, rounding replaced by round(x) + (x - round(x))^3 (its value is within 0.125 of the
//! true rounding and its slope is not zero), and back. Chroma is not subsampled.

use burn::prelude::*;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions, PadMode};

use super::random::SplitMix64;

/// The largest shift of a view, in pixels.
pub const MAX_SHIFT: usize = 3;

/// Draws the random views, the same for every image of a batch.
#[derive(Debug, Clone)]
pub struct Views {
    rng: SplitMix64,
    size: usize,
}

/// One random view: JPEG at a quality, a rescale to a side and back, a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub jpeg: Option<u8>,
    /// Side it is shrunk to before being resized back (the image's own side: none).
    pub side: usize,
    pub dx: isize,
    pub dy: isize,
    pub size: usize,
}

impl Views {
    pub fn new(seed: u64, size: usize) -> Self {
        Self {
            rng: SplitMix64(seed ^ 0x726f_6275_7374_6e65),
            size,
        }
    }

    /// The next view: JPEG at quality 50 to 95 half the time, a rescale to 50-100% half the
    /// time, and a shift of up to 3 pixels each way.
    pub fn next_view(&mut self) -> View {
        let jpeg = (self.rng.unit() < 0.5).then(|| 50 + self.rng.below(46) as u8);
        let scale = if self.rng.unit() < 0.5 {
            0.5 + 0.5 * self.rng.unit()
        } else {
            1.0
        };
        let side = ((self.size as f64 * scale).round() as usize).clamp(8, self.size);
        let shift =
            |rng: &mut SplitMix64| rng.below(2 * MAX_SHIFT + 1) as isize - MAX_SHIFT as isize;
        let dx = shift(&mut self.rng);
        let dy = shift(&mut self.rng);
        View {
            jpeg,
            side,
            dx,
            dy,
            size: self.size,
        }
    }
}

impl View {
    /// Applies it to pixels [N, 3, S, S] in 0..255.
    pub fn apply(&self, pixels: Tensor<4>) -> Tensor<4> {
        let mut x = pixels;
        if let Some(quality) = self.jpeg {
            x = jpeg_approx(x, quality);
        }
        if self.side < self.size {
            x = resize(resize(x, self.side), self.size);
        }
        if self.dx != 0 || self.dy != 0 {
            let [n, c, h, w] = x.dims();
            let m = MAX_SHIFT;
            let padded = x.pad((m, m, m, m), PadMode::Edge);
            let top = (m as isize + self.dy) as usize;
            let left = (m as isize + self.dx) as usize;
            x = padded.slice([0..n, 0..c, top..top + h, left..left + w]);
        }
        x
    }
}

fn resize(x: Tensor<4>, side: usize) -> Tensor<4> {
    let mut options = InterpolateOptions::new(InterpolateMode::Bilinear);
    options.align_corners = false;
    options.output_size = Some([side, side]);
    interpolate(x, options)
}

/// The JPEG standard's example quantisation tables (Annex K), luma then chroma.
const LUMA: [f32; 64] = [
    16., 11., 10., 16., 24., 40., 51., 61., 12., 12., 14., 19., 26., 58., 60., 55., 14., 13., 16.,
    24., 40., 57., 69., 56., 14., 17., 22., 29., 51., 87., 80., 62., 18., 22., 37., 56., 68., 109.,
    103., 77., 24., 35., 55., 64., 81., 104., 113., 92., 49., 64., 78., 87., 103., 121., 120.,
    101., 72., 92., 95., 98., 112., 100., 103., 99.,
];
const CHROMA: [f32; 64] = [
    17., 18., 24., 47., 99., 99., 99., 99., 18., 21., 26., 66., 99., 99., 99., 99., 24., 26., 56.,
    99., 99., 99., 99., 99., 47., 66., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99.,
    99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99.,
    99., 99., 99., 99., 99., 99., 99.,
];

/// A table scaled for `quality` as libjpeg does (1..=100; 50 is the table itself).
pub fn quantisation(table: &[f32; 64], quality: u8) -> [f32; 64] {
    let q = quality.clamp(1, 100) as f32;
    let scale = if q < 50.0 {
        5000.0 / q
    } else {
        200.0 - 2.0 * q
    };
    table.map(|t| ((t * scale + 50.0) / 100.0).floor().clamp(1.0, 255.0))
}

/// The 8-point orthonormal DCT-II matrix: D[u][x] = c(u) cos((2x + 1) u pi / 16).
fn dct_matrix() -> [f32; 64] {
    let mut d = [0f32; 64];
    for u in 0..8 {
        let c = if u == 0 {
            (1.0f64 / 8.0).sqrt()
        } else {
            (2.0f64 / 8.0).sqrt()
        };
        for x in 0..8 {
            d[u * 8 + x] =
                (c * (((2 * x + 1) * u) as f64 * std::f64::consts::PI / 16.0).cos()) as f32;
        }
    }
    d
}

/// A differentiable approximation of saving pixels [N, 3, H, W] (0..255) as JPEG at `quality`
/// and decoding them.
pub fn jpeg_approx(pixels: Tensor<4>, quality: u8) -> Tensor<4> {
    let device = pixels.device();
    let [n, _, h, w] = pixels.dims();
    // Whole 8x8 blocks: the border repeats, as encoders pad.
    let (ph, pw) = (h.div_ceil(8) * 8, w.div_ceil(8) * 8);
    let x = if (ph, pw) != (h, w) {
        pixels.pad((0, pw - w, 0, ph - h), PadMode::Edge)
    } else {
        pixels
    };
    let channel = |x: &Tensor<4>, c: usize| x.clone().slice([0..n, c..c + 1, 0..ph, 0..pw]);
    let (r, g, b) = (channel(&x, 0), channel(&x, 1), channel(&x, 2));
    let y = r.clone().mul_scalar(0.299) + g.clone().mul_scalar(0.587) + b.clone().mul_scalar(0.114);
    let cb = r.clone().mul_scalar(-0.168_736)
        + g.clone().mul_scalar(-0.331_264)
        + b.clone().mul_scalar(0.5);
    let cr = r.mul_scalar(0.5) + g.mul_scalar(-0.418_688) + b.mul_scalar(-0.081_312);
    // Level shift: Y by 128 (Cb and Cr are centred already).
    let ycc = Tensor::cat(vec![y.sub_scalar(128.0), cb, cr], 1);
    let blocks = ycc.reshape([n, 3, ph / 8, 8, pw / 8, 8]);

    let d = Tensor::<2>::from_data(TensorData::new(dct_matrix().to_vec(), [8, 8]), &device);
    let mut tables = quantisation(&LUMA, quality).to_vec();
    let chroma = quantisation(&CHROMA, quality);
    tables.extend_from_slice(&chroma);
    tables.extend_from_slice(&chroma);
    let q = Tensor::<6>::from_data(TensorData::new(tables, [1, 3, 1, 8, 1, 8]), &device);

    let coefficients = separable(blocks, &d.clone().transpose()).div(q.clone());
    let rounded = coefficients.clone().detach().round();
    let residue = coefficients - rounded.clone();
    let quantised = (rounded + residue.clone() * residue.clone() * residue).mul(q);
    let ycc = separable(quantised, &d).reshape([n, 3, ph, pw]);

    let channel = |c: usize| ycc.clone().slice([0..n, c..c + 1, 0..ph, 0..pw]);
    let (y, cb, cr) = (channel(0).add_scalar(128.0), channel(1), channel(2));
    let r = y.clone() + cr.clone().mul_scalar(1.402);
    let g = y.clone() + cb.clone().mul_scalar(-0.344_136) + cr.mul_scalar(-0.714_136);
    let b = y + cb.mul_scalar(1.772);
    Tensor::cat(vec![r, g, b], 1)
        .slice([0..n, 0..3, 0..h, 0..w])
        .clamp(0.0, 255.0)
}

/// Each 8x8 block B of `blocks` [N, C, H/8, 8, W/8, 8] is multiplied by M along its rows,
/// then along its columns: with M = Dᵀ that is the DCT D B Dᵀ, with M = D its inverse Dᵀ B D.
fn separable(blocks: Tensor<6>, m: &Tensor<2>) -> Tensor<6> {
    let along_last = |x: Tensor<6>| {
        let dims = x.dims();
        let rows = dims[..5].iter().product();
        x.reshape([rows, 8]).matmul(m.clone()).reshape(dims)
    };
    along_last(along_last(blocks).swap_dims(3, 5)).swap_dims(3, 5)
}
