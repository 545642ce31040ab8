//! Layer normalization over one row (PyTorch's `LayerNorm(dim)`: biased variance, ε = 1e-5,
//! elementwise gain and shift).

use crate::float::Float;

const EPS: f64 = 1e-5;

/// Normalizes the row held in `xhat` in place and writes `pre = gain · xhat + shift`.
/// Returns 1/σ, which the backward pass needs.
pub fn forward_row<T: Float>(xhat: &mut [T], gain: &[T], shift: &[T], pre: &mut [T]) -> T {
    let n = T::from_f64(xhat.len() as f64);
    let mut sum = T::ZERO;
    for &v in xhat.iter() {
        sum += v;
    }
    let mean = sum / n;
    // Two-pass variance: no cancellation when the mean is large.
    let mut sq = T::ZERO;
    for &v in xhat.iter() {
        sq += (v - mean) * (v - mean);
    }
    let rstd = T::ONE / (sq / n + T::from_f64(EPS)).sqrt();
    for (((x, p), &g), &s) in xhat.iter_mut().zip(pre.iter_mut()).zip(gain).zip(shift) {
        *x = (*x - mean) * rstd;
        *p = g * *x + s;
    }
    rstd
}

/// Turns the gradient w.r.t. the layer-norm output (`d`, in place) into the gradient w.r.t. its
/// input, and adds the gain/shift gradients into `d_gain`/`d_shift`.
pub fn backward_row<T: Float>(d: &mut [T], xhat: &[T], gain: &[T], rstd: T, d_gain: &mut [T], d_shift: &mut [T]) {
    let n = T::from_f64(d.len() as f64);
    let (mut sum_dx, mut sum_dx_xhat) = (T::ZERO, T::ZERO);
    for ((((&dy, &xh), &g), dg), ds) in d.iter().zip(xhat).zip(gain).zip(d_gain.iter_mut()).zip(d_shift.iter_mut()) {
        *dg += dy * xh;
        *ds += dy;
        let dxh = dy * g;
        sum_dx += dxh;
        sum_dx_xhat += dxh * xh;
    }
    let (mean_dx, mean_dx_xhat) = (sum_dx / n, sum_dx_xhat / n);
    for ((dy, &xh), &g) in d.iter_mut().zip(xhat).zip(gain) {
        *dy = rstd * (*dy * g - mean_dx - xh * mean_dx_xhat);
    }
}
