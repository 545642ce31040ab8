//! A linear layer through the engine's GEMM, with a naive reference.

use butterfly_nn::{Float, Operand, gemm};

/// `out = inp · wᵀ + bias`: out `[N,OC]`, inp `[N,C]`, w `[OC,C]` (PyTorch's layout), bias `[OC]`.
pub fn forward<T: Float>(out: &mut [T], inp: &[T], w: &[T], bias: Option<&[T]>, n: usize, c: usize, oc: usize) {
    let out = &mut out[..n * oc];
    match bias {
        Some(b) => out.chunks_exact_mut(oc).for_each(|row| row.copy_from_slice(b)),
        None => out.fill(T::ZERO),
    }
    gemm(n, oc, c, Operand::plain(inp), Operand::transposed(w), out, true);
}

/// Adds `dinp += dout · w`, `dw += doutᵀ · inp` and `dbias += Σ_rows dout`; shapes as in [`forward`].
#[allow(clippy::too_many_arguments)]
pub fn backward<T: Float>(
    dinp: &mut [T],
    dw: &mut [T],
    dbias: Option<&mut [T]>,
    dout: &[T],
    inp: &[T],
    w: &[T],
    n: usize,
    c: usize,
    oc: usize,
) {
    gemm(n, c, oc, Operand::plain(dout), Operand::plain(w), dinp, true);
    gemm(oc, c, n, Operand::transposed(dout), Operand::plain(inp), dw, true);
    if let Some(db) = dbias {
        for row in dout[..n * oc].chunks_exact(oc) {
            for (d, &g) in db.iter_mut().zip(row) {
                *d += g;
            }
        }
    }
}

/// The same product as three loops.
#[cfg(test)]
pub fn naive_forward(out: &mut [f64], inp: &[f64], w: &[f64], bias: Option<&[f64]>, n: usize, c: usize, oc: usize) {
    for i in 0..n {
        for o in 0..oc {
            let mut s = bias.map_or(0.0, |b| b[o]);
            for k in 0..c {
                s += inp[i * c + k] * w[o * c + k];
            }
            out[i * oc + o] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{Rand, grad_check, max_rel_diff};

    #[test]
    fn gemm_matches_the_loops_and_gradients_match_finite_differences() {
        let (n, c, oc) = (5, 4, 3);
        let mut r = Rand::new(2);
        let (inp, w, b, dout) = (r.vec(n * c), r.vec(oc * c), r.vec(oc), r.vec(n * oc));
        let (mut fast, mut slow) = (vec![0.0; n * oc], vec![0.0; n * oc]);
        forward(&mut fast, &inp, &w, Some(&b), n, c, oc);
        naive_forward(&mut slow, &inp, &w, Some(&b), n, c, oc);
        assert!(max_rel_diff(&fast, &slow) < 1e-12);
        let f = |inp: &[f64], w: &[f64], b: &[f64]| {
            let mut out = vec![0.0; n * oc];
            naive_forward(&mut out, inp, w, Some(b), n, c, oc);
            out.iter().zip(&dout).map(|(o, d)| o * d).sum::<f64>()
        };
        let (mut dinp, mut dw, mut db) = (vec![0.0; n * c], vec![0.0; oc * c], vec![0.0; oc]);
        backward(&mut dinp, &mut dw, Some(&mut db), &dout, &inp, &w, n, c, oc);
        grad_check(&inp, &dinp, |x| f(x, &w, &b));
        grad_check(&w, &dw, |x| f(&inp, x, &b));
        grad_check(&b, &db, |x| f(&inp, &w, x));
    }
}
