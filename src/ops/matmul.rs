//! A matrix product on the CPU, cut into tiles whose size depends only on the product's shape,
//! one tile a task.
//!
//! burn's CPU backend (flex) hands a large product to gemm with `Parallelism::Rayon`: gemm
//! splits each product into one part per thread, packs a shared copy of the right-hand matrix
//! first, and waits for every part. In the browser's threaded worker that made an
//! EfficientNet-Lite0 step slower on two threads than on one (measured in `?bench`: 84-87 ms
//! against 74-76 ms): the parts are few and large, and a helper thread that wakes late holds
//! up the whole product. Here each tile is an ordinary single-threaded gemm call, and tiles are
//! shared out by work stealing, so a thread that is free takes the next one.
//!
//! The tiles do not depend on the number of threads, and every output value is computed by one
//! call in one order, so the result is the same on any number of threads, and for an image
//! whatever else is in its batch.

/// Output columns per tile (the last tile of a row band may have fewer).
const TILE_COLUMNS: usize = 512;
/// Output rows per tile, where a product has fewer than two tiles' worth of columns.
const TILE_ROWS: usize = 48;

/// The shape of a product `a · b`: `a` [m, k], `b` [k, n], the result [m, n], row-major.
#[derive(Clone, Copy, Debug)]
pub struct Product {
    m: usize,
    k: usize,
    n: usize,
}

impl Product {
    pub fn new(m: usize, k: usize, n: usize) -> Self {
        Self { m, k, n }
    }

    /// `a · b[i] (+ bias)` for each of `images` right-hand matrices lying one after another in
    /// `b`, the results one after another; `bias` (m values) is added to each row after the
    /// product, as burn's convolution adds it.
    pub fn batched(&self, a: &[f32], b: &[f32], bias: Option<&[f32]>, images: usize) -> Vec<f32> {
        let Self { m, k, n } = *self;
        assert!(a.len() >= m * k && b.len() >= images * k * n);
        assert!(bias.is_none_or(|bias| bias.len() >= m));
        // Not zeroed first: gemm (read_dst false) writes every value of each tile, and the
        // tiles cover the output. An empty sum (k = 0) writes nothing: zeros then.
        let len = images * m * n;
        let mut out: Vec<f32> = Vec::with_capacity(len);
        if k == 0 {
            out.resize(len, 0.0);
        }
        let tiles = Tiles::new(m, n);
        let start = Shared(out.as_mut_ptr());
        let tile = |task: usize| {
            let (image, t) = (task / tiles.count(), task % tiles.count());
            let (rows, columns) = tiles.get(t);
            let (rows_n, columns_n) = (rows.end - rows.start, columns.end - columns.start);
            // SAFETY: the tile `rows` x `columns` of image `image` lies inside `out`, and no
            // two tasks' tiles overlap, so each task writes its own values; `a` and `b` are
            // read inside their asserted sizes.
            unsafe {
                let dst = start.at(image * m * n + rows.start * n + columns.start);
                gemm::gemm(
                    rows_n,
                    columns_n,
                    k,
                    dst,
                    1,
                    n as isize,
                    false,
                    a.as_ptr().add(rows.start * k),
                    1,
                    k as isize,
                    b.as_ptr().add(image * k * n + columns.start),
                    1,
                    n as isize,
                    0.0,
                    1.0,
                    false,
                    false,
                    false,
                    gemm::Parallelism::None,
                );
                if let Some(bias) = bias {
                    for (i, r) in rows.enumerate() {
                        let row = std::slice::from_raw_parts_mut(dst.add(i * n), columns_n);
                        row.iter_mut().for_each(|v| *v += bias[r]);
                    }
                }
            }
        };
        let tasks = images * tiles.count();
        #[cfg(any(not(target_arch = "wasm32"), feature = "threads"))]
        {
            use rayon::prelude::*;
            super::flex::keep_awake();
            (0..tasks).into_par_iter().for_each(tile);
        }
        #[cfg(all(target_arch = "wasm32", not(feature = "threads")))]
        (0..tasks).for_each(tile);
        // SAFETY: every value of the output was written (above), inside its capacity.
        unsafe { out.set_len(len) };
        out
    }
}

/// The tiles of an [m, n] output: bands of [`TILE_COLUMNS`] columns, or, where `n` is
/// narrower than two of them, bands of [`TILE_ROWS`] rows.
struct Tiles {
    m: usize,
    n: usize,
    by_rows: bool,
}

impl Tiles {
    fn new(m: usize, n: usize) -> Self {
        Self {
            m,
            n,
            by_rows: n < 2 * TILE_COLUMNS,
        }
    }

    fn count(&self) -> usize {
        if self.by_rows {
            self.m.div_ceil(TILE_ROWS)
        } else {
            self.n.div_ceil(TILE_COLUMNS)
        }
    }

    /// Tile `t`'s rows and columns.
    fn get(&self, t: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        if self.by_rows {
            (t * TILE_ROWS..((t + 1) * TILE_ROWS).min(self.m), 0..self.n)
        } else {
            (
                0..self.m,
                t * TILE_COLUMNS..((t + 1) * TILE_COLUMNS).min(self.n),
            )
        }
    }
}

/// The output's start, shared by the tasks, each writing its own tile.
#[derive(Clone, Copy)]
struct Shared(*mut f32);

// SAFETY: the tasks write disjoint tiles (see `Product::batched`).
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

impl Shared {
    /// The `i`th value.
    ///
    /// # Safety
    /// `i` is inside the output.
    unsafe fn at(self, i: usize) -> *mut f32 {
        unsafe { self.0.add(i) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The product by definition, in f64.
    fn reference(a: &[f32], b: &[f32], bias: Option<&[f32]>, [m, k, n]: [usize; 3]) -> Vec<f32> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                let dot: f64 = (0..k)
                    .map(|p| a[i * k + p] as f64 * b[p * n + j] as f64)
                    .sum();
                out[i * n + j] = (dot + bias.map_or(0.0, |b| b[i] as f64)) as f32;
            }
        }
        out
    }

    fn values(len: usize, seed: u32) -> Vec<f32> {
        let mut x = seed;
        (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (x >> 8) as f32 / (1 << 24) as f32 - 0.5
            })
            .collect()
    }

    #[test]
    fn agrees_with_the_definition_for_column_and_row_tiles() {
        // Column tiles (n = 1100: two full tiles and a short one), row tiles (n = 49: bands of
        // 48 rows and one of 2), a product smaller than one tile, and an empty sum (k = 0:
        // the bias alone).
        for shape in [[20, 33, 1100], [98, 70, 49], [3, 5, 7], [4, 0, 6]] {
            let [m, k, n] = shape;
            let (a, b, bias) = (values(m * k, 1), values(k * n, 2), values(m, 3));
            let out = Product::new(m, k, n).batched(&a, &b, Some(&bias), 1);
            let want = reference(&a, &b, Some(&bias), shape);
            for (got, want) in out.iter().zip(&want) {
                assert!(
                    (got - want).abs() <= 1e-5,
                    "{shape:?}: {got} against {want}"
                );
            }
        }
    }

    #[test]
    fn each_image_the_same_bits_alone_in_a_batch_and_on_one_thread() {
        for [m, k, n] in [[96, 16, 12544], [192, 1152, 49]] {
            let product = Product::new(m, k, n);
            let (a, b) = (values(m * k, 4), values(3 * k * n, 5));
            let batch = product.batched(&a, &b, None, 3);
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap();
            for i in 0..3 {
                let image = &b[i * k * n..(i + 1) * k * n];
                let alone = pool.install(|| product.batched(&a, image, None, 1));
                let same = alone
                    .iter()
                    .zip(&batch[i * m * n..])
                    .all(|(x, y)| x.to_bits() == y.to_bits());
                assert!(same, "image {i} of [{m}, {k}, {n}]");
            }
        }
    }
}
