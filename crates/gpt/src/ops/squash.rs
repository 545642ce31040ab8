//! A head's outputs squashed into a box of actions.

use butterfly_nn::Float;

/// `a = low + (tanh(y) + 1)/2 · (high − low)` per row; a and y `[N,A]`, low and high `[A]`.
pub fn forward<T: Float>(a: &mut [T], y: &[T], low: &[T], high: &[T]) {
    let half = T::from_f64(0.5);
    let a_len = low.len();
    for (row_a, row_y) in a.chunks_exact_mut(a_len).zip(y.chunks_exact(a_len)) {
        for (((o, &y), &lo), &hi) in row_a.iter_mut().zip(row_y).zip(low).zip(high) {
            *o = lo + (y.tanh() + T::ONE) * half * (hi - lo);
        }
    }
}

/// Adds `dy += da · (1 − tanh²y)/2 · (high − low)`; shapes as in [`forward`].
pub fn backward<T: Float>(dy: &mut [T], y: &[T], da: &[T], low: &[T], high: &[T]) {
    let half = T::from_f64(0.5);
    let a_len = low.len();
    for ((row_d, row_y), row_g) in dy.chunks_exact_mut(a_len).zip(y.chunks_exact(a_len)).zip(da.chunks_exact(a_len)) {
        for ((((d, &y), &g), &lo), &hi) in row_d.iter_mut().zip(row_y).zip(row_g).zip(low).zip(high) {
            let th = y.tanh();
            *d += g * (T::ONE - th * th) * half * (hi - lo);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{Rand, grad_check};

    #[test]
    fn gradient_matches_finite_differences_and_stays_in_the_box() {
        let (low, high) = ([-1.0, 0.0, -0.4], [1.0, 2.0, 0.4]);
        let mut r = Rand::new(3);
        let (y, da): (Vec<f64>, _) = (r.vec(6).iter().map(|x| 3.0 * x).collect(), r.vec(6));
        let f = |y: &[f64]| {
            let mut a = vec![0.0; 6];
            forward(&mut a, y, &low, &high);
            a.iter().zip(&da).map(|(a, d)| a * d).sum::<f64>()
        };
        let mut dy = vec![0.0; 6];
        backward(&mut dy, &y, &da, &low, &high);
        grad_check(&y, &dy, f);
        let mut a = vec![0.0; 6];
        forward(&mut a, &[50.0, -50.0, 0.0, -50.0, 50.0, 0.0], &low, &high);
        assert_eq!(a, [1.0, 0.0, 0.0, -1.0, 2.0, 0.0]);
    }
}
