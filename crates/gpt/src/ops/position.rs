//! A learned position embedding added to rows that were embedded some other way (a linear map of
//! continuous inputs).

use butterfly_nn::Float;

/// `x[b,t,:] += wpe[t,:]`; x `[B,T,C]`, wpe `[maxT,C]`.
pub fn forward<T: Float>(x: &mut [T], wpe: &[T], t_len: usize, c: usize) {
    for (n, row) in x.chunks_exact_mut(c).enumerate() {
        for (o, &p) in row.iter_mut().zip(&wpe[(n % t_len) * c..][..c]) {
            *o += p;
        }
    }
}

/// Adds `dwpe[t,:] += Σ_b dx[b,t,:]`; shapes as in [`forward`].
pub fn backward<T: Float>(dwpe: &mut [T], dx: &[T], t_len: usize, c: usize) {
    for (n, row) in dx.chunks_exact(c).enumerate() {
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
        let (t, c) = (3, 4);
        let mut r = Rand::new(2);
        let (x, wpe, dout) = (r.vec(2 * t * c), r.vec(t * c), r.vec(2 * t * c));
        let f = |wpe: &[f64]| {
            let mut out = x.clone();
            forward(&mut out, wpe, t, c);
            out.iter().zip(&dout).map(|(o, d)| o * d).sum::<f64>()
        };
        let mut dwpe = vec![0.0; t * c];
        backward(&mut dwpe, &dout, t, c);
        grad_check(&wpe, &dwpe, f);
    }
}
