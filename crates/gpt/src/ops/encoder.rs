//! Token plus position embedding.

use butterfly_nn::Float;

/// `out[b,t,:] = wte[tokens[b,t],:] + wpe[t,:]`; out `[B,T,C]`, tokens `[B,T]`, wte `[V,C]`, wpe `[maxT,C]`.
pub fn forward<T: Float>(out: &mut [T], tokens: &[u32], wte: &[T], wpe: &[T], t_len: usize, c: usize) {
    for (n, (row, &tok)) in out.chunks_exact_mut(c).zip(tokens).enumerate() {
        let (w, p) = (&wte[tok as usize * c..][..c], &wpe[(n % t_len) * c..][..c]);
        for ((o, &a), &b) in row.iter_mut().zip(w).zip(p) {
            *o = a + b;
        }
    }
}

/// Adds the embeddings' gradients: dwte `[V,C]`, dwpe `[maxT,C]`, dout `[B,T,C]`.
pub fn backward<T: Float>(dwte: &mut [T], dwpe: &mut [T], dout: &[T], tokens: &[u32], t_len: usize, c: usize) {
    for (n, (row, &tok)) in dout.chunks_exact(c).zip(tokens).enumerate() {
        for (d, &g) in dwte[tok as usize * c..][..c].iter_mut().zip(row) {
            *d += g;
        }
        for (d, &g) in dwpe[(n % t_len) * c..][..c].iter_mut().zip(row) {
            *d += g;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{Rand, grad_check};

    #[test]
    fn gradient_matches_finite_differences() {
        let (v, t, c) = (5, 3, 4);
        let tokens = [1u32, 4, 1, 0, 2, 2];
        let mut r = Rand::new(1);
        let (wte, wpe, dout) = (r.vec(v * c), r.vec(t * c), r.vec(tokens.len() * c));
        let f = |wte: &[f64], wpe: &[f64]| {
            let mut out = vec![0.0; tokens.len() * c];
            forward(&mut out, &tokens, wte, wpe, t, c);
            out.iter().zip(&dout).map(|(o, d)| o * d).sum::<f64>()
        };
        let (mut dwte, mut dwpe) = (vec![0.0; v * c], vec![0.0; t * c]);
        backward(&mut dwte, &mut dwpe, &dout, &tokens, t, c);
        grad_check(&wte, &dwte, |x| f(x, &wpe));
        grad_check(&wpe, &dwpe, |x| f(&wte, x));
    }
}
