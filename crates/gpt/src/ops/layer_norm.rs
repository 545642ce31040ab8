//! Layer normalization over the channels of every row, on the engine's row kernels.

use butterfly_nn::Float;
use butterfly_nn::layer_norm::{backward_row, forward_row};

/// `out = w · (inp − mean)/σ + b` per row; out, xhat (the normalized rows) and inp `[N,C]`, rstd `[N]`,
/// w and b `[C]`.
pub fn forward<T: Float>(out: &mut [T], xhat: &mut [T], rstd: &mut [T], inp: &[T], w: &[T], b: &[T], c: usize) {
    for (((o, xh), r), x) in
        out.chunks_exact_mut(c).zip(xhat.chunks_exact_mut(c)).zip(rstd.iter_mut()).zip(inp.chunks_exact(c))
    {
        xh.copy_from_slice(x);
        *r = forward_row(xh, w, b, o);
    }
}

/// Adds the gradients w.r.t. the input, w and b; `scratch` is one row `[C]`.
#[allow(clippy::too_many_arguments)]
pub fn backward<T: Float>(
    dinp: &mut [T],
    dw: &mut [T],
    db: &mut [T],
    scratch: &mut [T],
    dout: &[T],
    xhat: &[T],
    rstd: &[T],
    w: &[T],
    c: usize,
) {
    for (((di, g), xh), &r) in dinp.chunks_exact_mut(c).zip(dout.chunks_exact(c)).zip(xhat.chunks_exact(c)).zip(rstd) {
        scratch.copy_from_slice(g);
        backward_row(scratch, xh, w, r, dw, db);
        for (d, &s) in di.iter_mut().zip(scratch.iter()) {
            *d += s;
        }
    }
}

/// The same normalization written out for one row (PyTorch's biased variance, ε = 1e-5).
#[cfg(test)]
pub fn naive_forward(out: &mut [f64], inp: &[f64], w: &[f64], b: &[f64], c: usize) {
    for (o, x) in out.chunks_exact_mut(c).zip(inp.chunks_exact(c)) {
        let mean = x.iter().sum::<f64>() / c as f64;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / c as f64;
        for k in 0..c {
            o[k] = w[k] * (x[k] - mean) / (var + 1e-5).sqrt() + b[k];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{Rand, grad_check, max_rel_diff};

    #[test]
    fn matches_the_formula_and_finite_differences() {
        let (n, c) = (3, 5);
        let mut r = Rand::new(4);
        let (x, w, b, dout) = (r.vec(n * c), r.vec(c), r.vec(c), r.vec(n * c));
        let (mut out, mut xhat, mut rstd, mut slow) =
            (vec![0.0; n * c], vec![0.0; n * c], vec![0.0; n], vec![0.0; n * c]);
        forward(&mut out, &mut xhat, &mut rstd, &x, &w, &b, c);
        naive_forward(&mut slow, &x, &w, &b, c);
        assert!(max_rel_diff(&out, &slow) < 1e-12);
        let f = |x: &[f64], w: &[f64], b: &[f64]| {
            let mut out = vec![0.0; n * c];
            naive_forward(&mut out, x, w, b, c);
            out.iter().zip(&dout).map(|(o, d)| o * d).sum::<f64>()
        };
        let (mut dx, mut dw, mut db, mut scratch) = (vec![0.0; n * c], vec![0.0; c], vec![0.0; c], vec![0.0; c]);
        backward(&mut dx, &mut dw, &mut db, &mut scratch, &dout, &xhat, &rstd, &w, c);
        grad_check(&x, &dx, |v| f(v, &w, &b));
        grad_check(&w, &dw, |v| f(&x, v, &b));
        grad_check(&b, &db, |v| f(&x, &w, v));
    }
}
