//! The small-batch GEMM microkernel behind [`crate::PackedMlp`]: `y = x · Wᵀ + b` for a few rows,
//! with Wᵀ packed in column panels so every step reads one contiguous cache line.
//!
//! On CPUs with AVX2 and FMA a hand-written 5-row × 16-column register tile runs; elsewhere a plain
//! loop with the same fused multiply-adds in the same order gives bit-identical results.

/// Columns per panel (two 8-lane vectors).
pub(crate) const NR: usize = 16;
/// Rows per register tile.
pub(crate) const MR: usize = 5;

/// Wᵀ of a `[n, k]` row-major weight, as panels of NR columns: element (kk, j) of Wᵀ at
/// `(j / NR) · k · NR + kk · NR + j % NR`, zero-padded to a whole panel.
pub(crate) fn pack_transposed(weight: &[f32], n: usize, k: usize, out: &mut Vec<f32>) {
    let panels = n.div_ceil(NR);
    out.clear();
    out.resize(panels * k * NR, 0.0);
    for j in 0..n {
        let (p, c) = (j / NR, j % NR);
        for kk in 0..k {
            out[p * k * NR + kk * NR + c] = weight[j * k + kk];
        }
    }
}

/// `y[r, j] = bias[j] + Σ_k x[r, k] · Wᵀ[k, j]` for `rows` rows; x has row stride `ldx`, y has row
/// stride `ldy` (a multiple of NR, ≥ the padded width); `bias` is padded to whole panels.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_bias(
    rows: usize,
    k: usize,
    x: &[f32],
    ldx: usize,
    packed: &[f32],
    bias: &[f32],
    y: &mut [f32],
    ldy: usize,
) {
    let panels = bias.len() / NR;
    assert!(packed.len() >= panels * k * NR && ldy >= panels * NR && ldx >= k);
    assert!(rows == 0 || (x.len() >= (rows - 1) * ldx + k && y.len() >= (rows - 1) * ldy + panels * NR));
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: features checked above; extents asserted above.
        unsafe { avx2::gemm_bias(rows, k, x, ldx, packed, bias, y, ldy) };
        return;
    }
    portable(rows, k, x, ldx, packed, bias, y, ldy);
}

/// The same fused multiply-adds in the same order, for CPUs without AVX2/FMA.
#[allow(clippy::too_many_arguments)]
fn portable(rows: usize, k: usize, x: &[f32], ldx: usize, packed: &[f32], bias: &[f32], y: &mut [f32], ldy: usize) {
    let panels = bias.len() / NR;
    for p in 0..panels {
        let panel = &packed[p * k * NR..(p + 1) * k * NR];
        for r in 0..rows {
            let out = &mut y[r * ldy + p * NR..r * ldy + (p + 1) * NR];
            out.copy_from_slice(&bias[p * NR..(p + 1) * NR]);
            for (kk, w) in panel.chunks_exact(NR).enumerate() {
                let xv = x[r * ldx + kk];
                for (o, &w) in out.iter_mut().zip(w) {
                    *o = xv.mul_add(w, *o);
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{MR, NR};
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn gemm_bias(
        rows: usize,
        k: usize,
        x: &[f32],
        ldx: usize,
        packed: &[f32],
        bias: &[f32],
        y: &mut [f32],
        ldy: usize,
    ) {
        let panels = bias.len() / NR;
        // SAFETY (whole body): the caller asserted every extent these pointers reach.
        unsafe {
            for p in 0..panels {
                let (w, b, out) =
                    (packed.as_ptr().add(p * k * NR), bias.as_ptr().add(p * NR), y.as_mut_ptr().add(p * NR));
                let mut r = 0;
                while r < rows {
                    let (xr, yr) = (x.as_ptr().add(r * ldx), out.add(r * ldy));
                    match rows - r {
                        1 => tile::<1>(k, xr, ldx, w, b, yr, ldy),
                        2 => tile::<2>(k, xr, ldx, w, b, yr, ldy),
                        3 => tile::<3>(k, xr, ldx, w, b, yr, ldy),
                        4 => tile::<4>(k, xr, ldx, w, b, yr, ldy),
                        _ => tile::<MR>(k, xr, ldx, w, b, yr, ldy),
                    }
                    r += MR;
                }
            }
        }
    }

    /// R rows × 16 columns held in 2R registers over the whole depth k.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn tile<const R: usize>(
        k: usize,
        x: *const f32,
        ldx: usize,
        w: *const f32,
        b: *const f32,
        y: *mut f32,
        ldy: usize,
    ) {
        // SAFETY (whole body): R rows of x and y and k steps of the panel are in bounds.
        unsafe {
            let (b0, b1) = (_mm256_loadu_ps(b), _mm256_loadu_ps(b.add(8)));
            let mut acc = [[b0, b1]; R];
            for kk in 0..k {
                let (w0, w1) = (_mm256_loadu_ps(w.add(kk * NR)), _mm256_loadu_ps(w.add(kk * NR + 8)));
                for (r, a) in acc.iter_mut().enumerate() {
                    let xv = _mm256_broadcast_ss(&*x.add(r * ldx + kk));
                    a[0] = _mm256_fmadd_ps(xv, w0, a[0]);
                    a[1] = _mm256_fmadd_ps(xv, w1, a[1]);
                }
            }
            for (r, a) in acc.iter().enumerate() {
                _mm256_storeu_ps(y.add(r * ldy), a[0]);
                _mm256_storeu_ps(y.add(r * ldy + 8), a[1]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_kernel_matches_a_plain_product_and_both_paths_agree_bitwise() {
        let (k, n) = (23, 37);
        let w: Vec<f32> = (0..n * k).map(|i| ((i * 37 % 101) as f32 - 50.0) / 64.0).collect();
        let bias: Vec<f32> = (0..n).map(|j| j as f32 / 8.0).collect();
        let mut packed = Vec::new();
        pack_transposed(&w, n, k, &mut packed);
        let ld = n.div_ceil(NR) * NR;
        let mut b = bias.clone();
        b.resize(ld, 0.0);
        for rows in 1..=12 {
            let x: Vec<f32> = (0..rows * k).map(|i| ((i * 13 % 29) as f32 - 14.0) / 16.0).collect();
            let (mut y, mut y_plain) = (vec![f32::NAN; rows * ld], vec![f32::NAN; rows * ld]);
            gemm_bias(rows, k, &x, k, &packed, &b, &mut y, ld);
            portable(rows, k, &x, k, &packed, &b, &mut y_plain, ld);
            assert_eq!(y, y_plain, "rows {rows}");
            for r in 0..rows {
                for j in 0..n {
                    let dot: f64 =
                        (0..k).map(|kk| x[r * k + kk] as f64 * w[j * k + kk] as f64).sum::<f64>() + bias[j] as f64;
                    assert!((y[r * ld + j] as f64 - dot).abs() < 1e-5, "({r}, {j}): {} vs {dot}", y[r * ld + j]);
                }
                assert!(y[r * ld + n..(r + 1) * ld].iter().all(|&v| v == 0.0), "padding stays zero");
            }
        }
    }
}
