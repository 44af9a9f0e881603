//! The depthwise convolution's kernels on the CPU (burn's flex backend, native and
//! WebAssembly): the forward convolution and its input gradient.
//!
//! burn's flex kernel walks the output row by row for every kernel tap. EfficientNet's later
//! planes are 14x14 and 7x7: a row is shorter than two vector registers, so most of that time
//! goes to loop set-up and scalar remainders, and stride 2 reads every other value one by one.
//! Here each plane (one image's channel) is first copied into a zero-padded buffer split into
//! `stride x stride` phases (the polyphase form: tap (ky, kx) of a stride-s convolution reads
//! phase (ky % s, kx % s) at offset (ky / s, kx / s) with stride 1). Then the taps are
//! multiply-adds over the whole flattened plane, in full vectors: the columns between the end
//! of an output row and the next are computed too and dropped (at 7x7 with a 5x5 kernel that
//! is 4 columns of 11; the vectors stay full, which pays for them).
//!
//! The input gradient of a stride-s convolution splits the same way: the gradient values at
//! rows (and columns) of one remainder modulo s receive only the taps of that remainder, so
//! each of the s x s classes is a stride-1 convolution of the output gradient with a part of
//! the rotated kernel, written back interleaved. No zeros are spread out and multiplied.

use std::mem::MaybeUninit;

/// Where one plane's taps fall.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    /// The input plane: height, width.
    pub input: [usize; 2],
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    /// Zero padding before the input (top, left); after it, whatever the output needs. (The
    /// input gradient's parts may start inside the plane: a negative padding.)
    pub before: [isize; 2],
    /// The output plane: height, width.
    pub output: [usize; 2],
}

impl Geometry {
    /// Rows and columns of each phase: the output's, and what the taps reach beyond it.
    fn phase(&self) -> [usize; 2] {
        [0, 1].map(|d| self.output[d] + (self.kernel[d] - 1) / self.stride[d])
    }

    /// Values of one phase, with what the last tap reads past its end (dropped columns).
    fn phase_len(&self) -> usize {
        let [qh, qw] = self.phase();
        qh * qw + (self.kernel[1] - 1) / self.stride[1]
    }
}

/// Output rows accumulated together: a block of about 16 KB, which stays in the L1 cache
/// across the taps.
const BLOCK_VALUES: usize = 4096;

/// The depthwise convolution of planes (image x channel, contiguous, NCHW) with one kernel per
/// channel (`weight`: [channels, kh * kw]) and an optional bias: the output planes,
/// contiguous.
pub fn depthwise(
    input: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    channels: usize,
    geometry: &Geometry,
) -> Vec<f32> {
    let [h, w] = geometry.input;
    let [oh, ow] = geometry.output;
    let taps = geometry.kernel[0] * geometry.kernel[1];
    for_each_plane(input, h * w, oh * ow, |scratch, p, x, out| {
        let c = p % channels;
        let plane = Plane {
            input: x,
            taps: &weight[c * taps..(c + 1) * taps],
            bias: bias.map_or(0.0, |b| b[c]),
            geometry,
        };
        let qw = geometry.phase()[1];
        dispatch(&plane, scratch);
        for (row, sums) in out.chunks_exact_mut(ow).zip(scratch.sums.chunks(qw)) {
            for (value, &sum) in row.iter_mut().zip(&sums[..ow]) {
                value.write(sum);
            }
        }
    })
}

/// The input gradient of [`depthwise`] with `forward`'s geometry: from the output gradient
/// (planes of `forward.output`) and the kernel rotated by 180 degrees (`rotated`: [channels,
/// kh * kw]), planes of `forward.input`.
pub fn input_gradient(
    grad: &[f32],
    rotated: &[f32],
    channels: usize,
    forward: &Geometry,
) -> Vec<f32> {
    let [h, w] = forward.input;
    let [oh, ow] = forward.output;
    let [kh, kw] = forward.kernel;
    let [sh, sw] = forward.stride;
    let taps = kh * kw;
    // The classes (row remainder, column remainder) and their parts of the kernel.
    let parts: Vec<Part> = (0..sh)
        .flat_map(|ry| (0..sw).map(move |rx| (ry, rx)))
        .filter_map(|(ry, rx)| {
            let rows = Axis::new(ry, kh, sh, h, forward.before[0]);
            let columns = Axis::new(rx, kw, sw, w, forward.before[1]);
            (rows.count > 0 && columns.count > 0).then_some(Part { rows, columns })
        })
        .collect();
    for_each_plane(grad, oh * ow, h * w, |scratch, p, g, out| {
        let c = p % channels;
        let kernel = &rotated[c * taps..(c + 1) * taps];
        for part in &parts {
            let (rows, columns) = (&part.rows, &part.columns);
            let geometry = Geometry {
                input: [oh, ow],
                kernel: [rows.taps, columns.taps],
                stride: [1, 1],
                before: [rows.before(), columns.before()],
                output: [rows.count, columns.count],
            };
            if rows.taps == 0 || columns.taps == 0 {
                part.write(out, w, None);
                continue;
            }
            // Tap (my, mx) of the part: forward tap (r + s (M - 1 - my), ...), read from
            // the rotated kernel, whose index k holds forward tap K - 1 - k.
            let mut part_taps = std::mem::take(&mut scratch.taps);
            part_taps.clear();
            for my in 0..rows.taps {
                let ky = kh - 1 - rows.tap(my);
                for mx in 0..columns.taps {
                    part_taps.push(kernel[ky * kw + kw - 1 - columns.tap(mx)]);
                }
            }
            let plane = Plane {
                input: g,
                taps: &part_taps,
                bias: 0.0,
                geometry: &geometry,
            };
            dispatch(&plane, scratch);
            part.write(out, w, Some((&scratch.sums, geometry.phase()[1])));
            scratch.taps = part_taps;
        }
    })
}

/// One remainder class along one axis of the input gradient.
#[derive(Debug, Clone, Copy)]
struct Axis {
    /// The remainder r: gradient positions i with (i + before) % stride == r.
    remainder: usize,
    stride: usize,
    /// The forward padding before.
    padding: usize,
    /// Taps of the class: forward taps r, r + s, ... below the kernel size.
    taps: usize,
    /// The class's first output index u = (i + before - r) / s, and how many there are.
    first: usize,
    count: usize,
}

impl Axis {
    fn new(remainder: usize, kernel: usize, stride: usize, size: usize, before: isize) -> Self {
        let padding = before.max(0) as usize;
        let taps = kernel.saturating_sub(remainder).div_ceil(stride);
        let first = padding.saturating_sub(remainder).div_ceil(stride);
        let end = (size + padding).saturating_sub(remainder).div_ceil(stride);
        Self {
            remainder,
            stride,
            padding,
            taps,
            first,
            count: end.saturating_sub(first),
        }
    }

    /// The part's padding before: value u reads output gradient u - m for m < taps.
    fn before(&self) -> isize {
        self.taps as isize - 1 - self.first as isize
    }

    /// The forward tap of the part's (rotated) tap m.
    fn tap(&self, m: usize) -> usize {
        self.remainder + self.stride * (self.taps - 1 - m)
    }

    /// The gradient position of the class's j-th value.
    fn position(&self, j: usize) -> usize {
        (self.first + j) * self.stride + self.remainder - self.padding
    }
}

/// One class of the input gradient: rows and columns.
struct Part {
    rows: Axis,
    columns: Axis,
}

impl Part {
    /// Writes the class's values (rows of `qw` in `sums`, from the first) into the gradient
    /// plane (width `w`); zeros where the class has no taps.
    fn write(&self, out: &mut [MaybeUninit<f32>], w: usize, sums: Option<(&[f32], usize)>) {
        let (first, step, count) = (
            self.columns.position(0),
            self.columns.stride,
            self.columns.count,
        );
        for jy in 0..self.rows.count {
            let row = &mut out[self.rows.position(jy) * w..][..w];
            let values = sums.map(|(sums, qw)| &sums[jy * qw..][..count]);
            let targets = row[first..].iter_mut().step_by(step).take(count);
            match values {
                Some(values) if step == 1 => row[first..first + count]
                    .iter_mut()
                    .zip(values)
                    .for_each(|(o, &v)| {
                        o.write(v);
                    }),
                Some(values) => targets.zip(values).for_each(|(o, &v)| {
                    o.write(v);
                }),
                None => targets.for_each(|o| {
                    o.write(0.0);
                }),
            }
        }
    }
}

/// Runs `work` on every plane of `input` (`in_len` values each), in parallel on native builds
/// and in the browser's threaded worker, and gives it the plane's `out_len` output values to write, every one of them.
fn for_each_plane(
    input: &[f32],
    in_len: usize,
    out_len: usize,
    work: impl Fn(&mut Scratch, usize, &[f32], &mut [MaybeUninit<f32>]) + Sync,
) -> Vec<f32> {
    let planes = input.len() / in_len;
    let total = planes * out_len;
    // Every value is written once: no zero-filling first.
    let mut output: Vec<f32> = Vec::with_capacity(total);
    #[cfg(any(not(target_arch = "wasm32"), feature = "threads"))]
    {
        use rayon::prelude::*;
        super::super::flex::keep_awake();
        output.spare_capacity_mut()[..total]
            .par_chunks_mut(out_len)
            .zip(input.par_chunks(in_len))
            .enumerate()
            .with_min_len(8)
            .for_each_init(Scratch::default, |scratch, (p, (out, x))| {
                work(scratch, p, x, out)
            });
    }
    #[cfg(all(target_arch = "wasm32", not(feature = "threads")))]
    {
        let mut scratch = Scratch::default();
        for (p, (out, x)) in output.spare_capacity_mut()[..total]
            .chunks_mut(out_len)
            .zip(input.chunks(in_len))
            .enumerate()
        {
            work(&mut scratch, p, x, out);
        }
    }
    // SAFETY: the capacity is `total`, and `work` wrote each plane's `out_len` values (the
    // forward convolution every row in full; the input gradient every class, and the classes
    // cover the plane).
    unsafe { output.set_len(total) };
    output
}

/// Buffers one thread reuses from plane to plane.
#[derive(Default)]
struct Scratch {
    phases: Vec<f32>,
    /// The output plane, `phase()[1]` values a row (the last columns dropped).
    sums: Vec<f32>,
    taps: Vec<f32>,
}

/// One plane's convolution.
struct Plane<'a> {
    input: &'a [f32],
    taps: &'a [f32],
    bias: f32,
    geometry: &'a Geometry,
}

/// Runs [`convolve`] compiled for the widest vectors this CPU has (the build targets plain
/// x86-64; WebAssembly builds use SIMD128 throughout).
fn dispatch(plane: &Plane, scratch: &mut Scratch) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { convolve_avx512(plane, scratch) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { convolve_avx2(plane, scratch) };
        }
    }
    convolve(plane, scratch)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn convolve_avx512(plane: &Plane, scratch: &mut Scratch) {
    convolve(plane, scratch)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn convolve_avx2(plane: &Plane, scratch: &mut Scratch) {
    convolve(plane, scratch)
}

/// One plane into `scratch.sums`: the phases, then the taps block by block.
#[inline(always)]
fn convolve(plane: &Plane, scratch: &mut Scratch) {
    let g = plane.geometry;
    let [kh, kw] = g.kernel;
    let [sh, sw] = g.stride;
    let oh = g.output[0];
    let qw = g.phase()[1];
    let phase_len = g.phase_len();
    fill_phases(plane.input, g, &mut scratch.phases);
    let phases = &scratch.phases;
    scratch.sums.resize(oh * qw, 0.0);
    let rows_per_block = (BLOCK_VALUES / qw).max(1);
    for first in (0..oh).step_by(rows_per_block) {
        let rows = rows_per_block.min(oh - first);
        let sums = &mut scratch.sums[first * qw..(first + rows) * qw];
        sums.fill(plane.bias);
        let len = sums.len();
        // Where tap (ky, kx) reads this block's values.
        let source = |ky: usize, kx: usize| {
            let phase = (ky % sh) * sw + kx % sw;
            let start = phase * phase_len + (first + ky / sh) * qw + kx / sw;
            &phases[start..start + len]
        };
        match (kh, kw) {
            #[cfg(not(target_arch = "wasm32"))]
            (3, 3) => all_taps::<9>(sums, plane.taps, |t| source(t / 3, t % 3)),
            #[cfg(not(target_arch = "wasm32"))]
            (5, 5) => all_taps::<25>(sums, plane.taps, |t| source(t / 5, t % 5)),
            // WebAssembly engines have 16 vector registers: one kernel row per pass.
            #[cfg(target_arch = "wasm32")]
            (_, 3) => {
                (0..kh).for_each(|ky| all_taps::<3>(sums, &plane.taps[ky * 3..], |t| source(ky, t)))
            }
            #[cfg(target_arch = "wasm32")]
            (_, 5) => {
                (0..kh).for_each(|ky| all_taps::<5>(sums, &plane.taps[ky * 5..], |t| source(ky, t)))
            }
            _ => {
                for ky in 0..kh {
                    for kx in 0..kw {
                        let tap = plane.taps[ky * kw + kx];
                        for (sum, &x) in sums.iter_mut().zip(source(ky, kx)) {
                            *sum += tap * x;
                        }
                    }
                }
            }
        }
    }
}

/// Adds every tap's products at once: each sum is loaded and stored once, and the taps stay in
/// registers (the kernel sizes EfficientNet uses, 3x3 and 5x5).
#[inline(always)]
fn all_taps<'a, const T: usize>(
    sums: &mut [f32],
    taps: &[f32],
    source: impl Fn(usize) -> &'a [f32],
) {
    let taps: [f32; T] = std::array::from_fn(|t| taps[t]);
    let sources: [&[f32]; T] = std::array::from_fn(|t| &source(t)[..sums.len()]);
    for (i, sum) in sums.iter_mut().enumerate() {
        let mut total = *sum;
        for t in 0..T {
            total += taps[t] * sources[t][i];
        }
        *sum = total;
    }
}

/// Phase (a, b), row i, column j holds input (i * sh + a - top, j * sw + b - left), or zero
/// outside the input.
#[inline(always)]
fn fill_phases(input: &[f32], g: &Geometry, phases: &mut Vec<f32>) {
    let [h, w] = g.input;
    let [sh, sw] = g.stride;
    let [top, left] = g.before;
    let [qh, qw] = g.phase();
    let phase_len = g.phase_len();
    phases.resize(sh * sw * phase_len, 0.0);
    for a in 0..sh {
        for b in 0..sw {
            let phase = &mut phases[(a * sw + b) * phase_len..][..phase_len];
            // The columns j with 0 <= j * sw + b - left < w.
            let offset = b as isize - left;
            let first = ((-offset).max(0) as usize).div_ceil(sw).min(qw);
            let end = ((w as isize - offset).max(0) as usize)
                .div_ceil(sw)
                .clamp(first, qw);
            for (i, row) in phase.chunks_exact_mut(qw).take(qh).enumerate() {
                let y = (i * sh + a) as isize - top;
                if y < 0 || y >= h as isize {
                    row.fill(0.0);
                    continue;
                }
                let source = &input[y as usize * w..][..w];
                row[..first].fill(0.0);
                row[end..].fill(0.0);
                if first == end {
                    continue;
                }
                // Input column of `first`: not negative, by `first`'s choice.
                let x0 = ((first * sw) as isize + offset) as usize;
                if sw == 1 {
                    row[first..end].copy_from_slice(&source[x0..x0 + end - first]);
                } else {
                    for (v, &x) in row[first..end]
                        .iter_mut()
                        .zip(source[x0..].iter().step_by(sw))
                    {
                        *v = x;
                    }
                }
            }
            // The slack past the last row: read by dropped columns only.
            phase[qh * qw..].fill(0.0);
        }
    }
}
