//! Matrix multiply over row-major slices, on the calling thread (runs split work above it: see
//! [`crate::Threads`]).
//!
//! Default backend: Debian's system OpenBLAS (`libopenblas-dev`), linked directly (no build script,
//! nothing downloaded). With the `rust-gemm` feature: the pure-Rust `gemm` crate. The table in
//! docs/engine.md says which is faster here and by how much.
//! OpenBLAS is held at one thread: its own workers would fight the runs' helper threads for the cores,
//! and its thread count is a process-wide setting that runs side by side could not share.

/// Which GEMM this build uses, for benchmark reports.
pub fn gemm_backend() -> &'static str {
    if cfg!(feature = "rust-gemm") { "gemm crate (pure Rust)" } else { "OpenBLAS (system)" }
}

/// A matrix operand: row-major storage of `rows × cols` (before the optional transpose), rows
/// `row_stride` elements apart (`cols` when `None`: dense).
#[derive(Clone, Copy)]
pub struct Operand<'a, T> {
    pub(crate) data: &'a [T],
    /// Read the stored matrix transposed.
    pub(crate) transposed: bool,
    pub(crate) row_stride: Option<usize>,
}

impl<'a, T> Operand<'a, T> {
    /// The stored matrix as it is.
    pub fn plain(data: &'a [T]) -> Self {
        Self { data, transposed: false, row_stride: None }
    }

    /// The stored matrix, read transposed.
    pub fn transposed(data: &'a [T]) -> Self {
        Self { data, transposed: true, row_stride: None }
    }

    /// Stored rows `stride` elements apart: a block of columns of a wider matrix (e.g. one attention
    /// head's channels in a row of q, k and v).
    pub fn with_row_stride(self, stride: usize) -> Self {
        Self { row_stride: Some(stride), ..self }
    }

    /// The stored row length and the leading dimension, for a logical `rows × cols` operand.
    pub(crate) fn layout(&self, rows: usize, cols: usize) -> (usize, usize, usize) {
        let (stored_rows, stored_cols) = if self.transposed { (cols, rows) } else { (rows, cols) };
        (stored_rows, stored_cols, self.row_stride.unwrap_or(stored_cols))
    }

    /// Whether `data` holds every element of a logical `rows × cols` operand.
    fn holds(&self, rows: usize, cols: usize) -> bool {
        let (stored_rows, stored_cols, ld) = self.layout(rows, cols);
        ld >= stored_cols && (stored_rows == 0 || self.data.len() >= (stored_rows - 1) * ld + stored_cols)
    }
}

/// `c (+)= a · b` with `a` logically m×k, `b` logically k×n and `c` m×n, all row-major. `accumulate`
/// adds to `c` instead of overwriting it.
#[allow(clippy::too_many_arguments)]
pub fn gemm<T: GemmScalar>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    c: &mut [T],
    accumulate: bool,
) {
    gemm_strided(m, n, k, a, b, c, n, accumulate);
}

/// [`gemm`] with the rows of `c` `ldc` ≥ n elements apart (a block of columns of a wider matrix).
#[allow(clippy::too_many_arguments)]
pub fn gemm_strided<T: GemmScalar>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    c: &mut [T],
    ldc: usize,
    accumulate: bool,
) {
    // Hard asserts: the unsafe kernels below read and write these extents.
    assert!(a.holds(m, k) && b.holds(k, n), "a GEMM operand is shorter than its shape");
    assert!(ldc >= n && (m == 0 || c.len() >= (m - 1) * ldc + n), "a GEMM output is shorter than its shape");
    if m == 0 || n == 0 {
        return;
    }
    T::gemm_raw(m, n, k, a, b, c, ldc, accumulate);
}

/// The per-type GEMM entry point (sealed: implemented for f32 and f64 only).
pub trait GemmScalar: Sized {
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    fn gemm_raw(
        m: usize,
        n: usize,
        k: usize,
        a: Operand<'_, Self>,
        b: Operand<'_, Self>,
        c: &mut [Self],
        ldc: usize,
        accumulate: bool,
    );
}

#[cfg(feature = "rust-gemm")]
mod backend {
    use super::{GemmScalar, Operand};
    use gemm::Parallelism;

    /// (row stride, column stride) of a logical `rows × cols` operand, read transposed or not.
    fn strides<T>(op: &Operand<'_, T>, rows: usize, cols: usize) -> (isize, isize) {
        let ld = op.layout(rows, cols).2 as isize;
        if op.transposed { (1, ld) } else { (ld, 1) }
    }

    macro_rules! impl_gemm {
        ($t:ty) => {
            impl GemmScalar for $t {
                fn gemm_raw(
                    m: usize,
                    n: usize,
                    k: usize,
                    a: Operand<'_, Self>,
                    b: Operand<'_, Self>,
                    c: &mut [Self],
                    ldc: usize,
                    accumulate: bool,
                ) {
                    let (a_rs, a_cs) = strides(&a, m, k);
                    let (b_rs, b_cs) = strides(&b, k, n);
                    // SAFETY: the caller checked that every operand holds its extent; strides match
                    // the row-major layouts described above.
                    unsafe {
                        gemm::gemm(
                            m,
                            n,
                            k,
                            c.as_mut_ptr(),
                            1,
                            ldc as isize,
                            accumulate,
                            a.data.as_ptr(),
                            a_cs,
                            a_rs,
                            b.data.as_ptr(),
                            b_cs,
                            b_rs,
                            1.0,
                            1.0,
                            false,
                            false,
                            false,
                            Parallelism::None,
                        )
                    }
                }
            }
        };
    }
    impl_gemm!(f32);
    impl_gemm!(f64);
}

#[cfg(not(feature = "rust-gemm"))]
mod blas {
    use super::{GemmScalar, Operand};
    use std::ffi::c_int;

    const ROW_MAJOR: c_int = 101;
    const NO_TRANS: c_int = 111;
    const TRANS: c_int = 112;

    #[link(name = "openblas")]
    unsafe extern "C" {
        fn openblas_set_num_threads(n: c_int);
        fn cblas_sgemm(
            order: c_int,
            ta: c_int,
            tb: c_int,
            m: c_int,
            n: c_int,
            k: c_int,
            alpha: f32,
            a: *const f32,
            lda: c_int,
            b: *const f32,
            ldb: c_int,
            beta: f32,
            c: *mut f32,
            ldc: c_int,
        );
        fn cblas_dgemm(
            order: c_int,
            ta: c_int,
            tb: c_int,
            m: c_int,
            n: c_int,
            k: c_int,
            alpha: f64,
            a: *const f64,
            lda: c_int,
            b: *const f64,
            ldb: c_int,
            beta: f64,
            c: *mut f64,
            ldc: c_int,
        );
    }

    /// Sets OpenBLAS to one thread, once, before the first GEMM (its setting must not change while
    /// another thread is inside a GEMM).
    fn single_threaded() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: a plain setter of OpenBLAS's global thread count, called before any GEMM of ours.
        ONCE.call_once(|| unsafe { openblas_set_num_threads(1) });
    }

    macro_rules! impl_gemm {
        ($t:ty, $f:ident) => {
            impl GemmScalar for $t {
                fn gemm_raw(
                    m: usize,
                    n: usize,
                    k: usize,
                    a: Operand<'_, Self>,
                    b: Operand<'_, Self>,
                    c: &mut [Self],
                    ldc: usize,
                    accumulate: bool,
                ) {
                    let lda = a.layout(m, k).2;
                    let ldb = b.layout(k, n).2;
                    let t = |x: bool| if x { TRANS } else { NO_TRANS };
                    single_threaded();
                    // SAFETY: the caller checked every operand's extent; leading dims match the
                    // row-major layouts.
                    unsafe {
                        $f(
                            ROW_MAJOR,
                            t(a.transposed),
                            t(b.transposed),
                            m as c_int,
                            n as c_int,
                            k as c_int,
                            1.0,
                            a.data.as_ptr(),
                            lda.max(1) as c_int,
                            b.data.as_ptr(),
                            ldb.max(1) as c_int,
                            if accumulate { 1.0 } else { 0.0 },
                            c.as_mut_ptr(),
                            ldc as c_int,
                        )
                    }
                }
            }
        };
    }
    impl_gemm!(f32, cblas_sgemm);
    impl_gemm!(f64, cblas_dgemm);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `a` stored `rows × cols` with rows `ld` apart, read transposed or not, at logical (i, j).
    fn at(a: &[f64], transposed: bool, ld: usize, i: usize, j: usize) -> f64 {
        if transposed { a[j * ld + i] } else { a[i * ld + j] }
    }

    #[test]
    fn strided_and_transposed_operands_match_three_loops() {
        let (m, n, k) = (5, 3, 4);
        let fill = |len: usize, seed: f64| (0..len).map(|i| ((i as f64 + seed) * 0.37).sin()).collect::<Vec<_>>();
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            // Every operand sits in a wider matrix: rows 9 apart, and c's rows 7 apart.
            let (lda, ldb, ldc) = (9, 9, 7);
            let a = fill(9 * 9, 1.0);
            let b = fill(9 * 9, 2.0);
            let mut c = fill(m * ldc, 3.0);
            let before = c.clone();
            let op = |data, t: bool| if t { Operand::transposed(data) } else { Operand::plain(data) };
            gemm_strided(
                m,
                n,
                k,
                op(&a[..], ta).with_row_stride(lda),
                op(&b[..], tb).with_row_stride(ldb),
                &mut c,
                ldc,
                true,
            );
            for i in 0..m {
                for j in 0..ldc {
                    let want = before[i * ldc + j]
                        + if j < n {
                            (0..k).map(|p| at(&a, ta, lda, i, p) * at(&b, tb, ldb, p, j)).sum::<f64>()
                        } else {
                            0.0
                        };
                    assert!((c[i * ldc + j] - want).abs() < 1e-12, "({ta}, {tb}) at ({i}, {j})");
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "shorter than its shape")]
    fn a_short_strided_operand_is_refused() {
        let (a, b, mut c) = (vec![0.0f64; 10], vec![0.0f64; 4], vec![0.0f64; 4]);
        // Two rows 8 apart need 8 + 2 = 10 elements: 9 is one short.
        gemm_strided(2, 2, 2, Operand::plain(&a[..9]).with_row_stride(8), Operand::plain(&b[..]), &mut c, 2, false);
    }
}
