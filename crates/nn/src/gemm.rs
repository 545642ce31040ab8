//! Matrix multiply over row-major slices, and the engine-wide GEMM thread count.
//!
//! Default backend: Debian's system OpenBLAS (`libopenblas-dev`), linked directly (no build script,
//! nothing downloaded). With the `rust-gemm` feature: the pure-Rust `gemm` crate. The README's
//! table says which is faster here and by how much.
//! Both split work over output tiles only (never over the summed dimension), so for a fixed thread
//! count the results are bit-identical from run to run.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{NnError, Result};

static THREADS: AtomicUsize = AtomicUsize::new(1);

thread_local! {
    /// Set while this thread runs one of two networks side by side ([`join_serial`]).
    static SERIAL: Cell<bool> = const { Cell::new(false) };
}

/// Serializes the tests that change the process-wide thread count.
#[cfg(test)]
pub(crate) static TEST_THREADS_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Sets the engine's thread count, process-wide (OpenBLAS's is): every GEMM uses `n` threads, and
/// with `n ≥ 2` optimizer passes and packed inference are split in two.
pub fn set_num_threads(n: usize) -> Result<()> {
    if n == 0 {
        return Err(NnError::InvalidThreads(n));
    }
    THREADS.store(n, Ordering::Relaxed);
    Ok(())
}

/// The thread count in force (1 until [`set_num_threads`] is called; 1 inside [`join_serial`]).
pub fn num_threads() -> usize {
    if SERIAL.get() { 1 } else { THREADS.load(Ordering::Relaxed) }
}

/// Runs two independent jobs (e.g. SAC's twin critics) side by side, `a` here and `b` on the helper
/// thread, each with the engine single-threaded: coarser and cheaper than splitting every layer of
/// both. One after the other when the engine has one thread.
pub fn join_serial(a: impl FnOnce(), b: impl FnOnce() + Send) {
    if num_threads() < 2 {
        a();
        b();
        return;
    }
    /// Restores the flag even when a job panics.
    struct Serial(bool);
    impl Drop for Serial {
        fn drop(&mut self) {
            SERIAL.set(self.0);
        }
    }
    let serial = || Serial(SERIAL.replace(true));
    prepare_threads(1);
    crate::helper::join(
        || {
            let _serial = serial();
            a()
        },
        || {
            let _serial = serial();
            b()
        },
    );
}

/// Which GEMM this build uses, for benchmark reports.
pub fn gemm_backend() -> &'static str {
    if cfg!(feature = "rust-gemm") { "gemm crate (pure Rust)" } else { "OpenBLAS (system)" }
}

/// A matrix operand: row-major storage of `rows × cols` (before the optional transpose).
#[derive(Clone, Copy)]
pub struct Operand<'a, T> {
    pub(crate) data: &'a [T],
    /// Read the stored matrix transposed.
    pub(crate) transposed: bool,
}

impl<'a, T> Operand<'a, T> {
    /// The stored matrix as it is.
    pub fn plain(data: &'a [T]) -> Self {
        Self { data, transposed: false }
    }

    /// The stored matrix, read transposed.
    pub fn transposed(data: &'a [T]) -> Self {
        Self { data, transposed: true }
    }
}

/// `c (+)= a · b` with `a` logically m×k, `b` logically k×n and `c` m×n, all row-major, on
/// `threads` threads. `accumulate` adds to `c` instead of overwriting it.
#[allow(clippy::too_many_arguments)]
pub fn gemm<T: GemmScalar>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    c: &mut [T],
    accumulate: bool,
    threads: usize,
) {
    // Hard asserts: the unsafe kernels below read these extents.
    assert!(a.data.len() >= m * k && b.data.len() >= k * n && c.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    T::gemm_raw(m, n, k, a, b, c, accumulate, threads);
}

/// Makes the backend's own thread setting `threads` now. Call it on one thread before GEMMs run
/// concurrently from several (OpenBLAS's setting is a global that must not change mid-call).
pub(crate) fn prepare_threads(threads: usize) {
    #[cfg(not(feature = "rust-gemm"))]
    blas::sync_threads(threads);
    #[cfg(feature = "rust-gemm")]
    let _ = threads; // The gemm crate takes its thread count per call.
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
        accumulate: bool,
        threads: usize,
    );
}

#[cfg(feature = "rust-gemm")]
mod backend {
    use super::{GemmScalar, Operand};
    use gemm::Parallelism;

    /// (row stride, column stride) of a row-major `rows × cols` matrix, read transposed or not.
    fn strides(cols_stored: usize, transposed: bool) -> (isize, isize) {
        if transposed { (1, cols_stored as isize) } else { (cols_stored as isize, 1) }
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
                    accumulate: bool,
                    threads: usize,
                ) {
                    let (a_rs, a_cs) = strides(if a.transposed { m } else { k }, a.transposed);
                    let (b_rs, b_cs) = strides(if b.transposed { k } else { n }, b.transposed);
                    let par = if threads > 1 { Parallelism::Rayon(threads) } else { Parallelism::None };
                    // SAFETY: the caller checked that every operand holds its extent; strides match
                    // the row-major layouts described above.
                    unsafe {
                        gemm::gemm(
                            m,
                            n,
                            k,
                            c.as_mut_ptr(),
                            1,
                            n as isize,
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
                            par,
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
        fn openblas_get_num_threads() -> c_int;
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

    pub(super) fn sync_threads(threads: usize) {
        // SAFETY: plain getter/setter of OpenBLAS's global thread count.
        unsafe {
            if openblas_get_num_threads() != threads as c_int {
                openblas_set_num_threads(threads as c_int);
            }
        }
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
                    accumulate: bool,
                    threads: usize,
                ) {
                    let lda = if a.transposed { m } else { k };
                    let ldb = if b.transposed { k } else { n };
                    let t = |x: bool| if x { TRANS } else { NO_TRANS };
                    sync_threads(threads);
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
                            n as c_int,
                        )
                    }
                }
            }
        };
    }
    impl_gemm!(f32, cblas_sgemm);
    impl_gemm!(f64, cblas_dgemm);
}
