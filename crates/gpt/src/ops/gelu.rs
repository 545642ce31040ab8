//! GELU with the tanh approximation (GPT-2's `gelu_new`, PyTorch's `GELU(approximate="tanh")`).

use butterfly_nn::Float;

const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
const CUBIC: f64 = 0.044_715;

/// `out = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))`, elementwise over `[N,C]` (the vectorizable tanh:
/// libm's scalar one was an eighth of a training step).
pub fn forward<T: Float>(out: &mut [T], inp: &[T]) {
    let (s, k, half) = (T::from_f64(SQRT_2_OVER_PI), T::from_f64(CUBIC), T::from_f64(0.5));
    for (o, &x) in out.iter_mut().zip(inp) {
        *o = half * x * (T::ONE + (s * (x + k * x * x * x)).tanh_fast());
    }
}

/// Adds the gradient w.r.t. the input into `dinp`.
pub fn backward<T: Float>(dinp: &mut [T], inp: &[T], dout: &[T]) {
    let (s, k, half) = (T::from_f64(SQRT_2_OVER_PI), T::from_f64(CUBIC), T::from_f64(0.5));
    let three_k = T::from_f64(3.0 * CUBIC);
    for ((d, &x), &g) in dinp.iter_mut().zip(inp).zip(dout) {
        let th = (s * (x + k * x * x * x)).tanh_fast();
        let sech2 = T::ONE - th * th;
        let local = half * (T::ONE + th) + half * x * sech2 * s * (T::ONE + three_k * x * x);
        *d += local * g;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{Rand, grad_check};

    #[test]
    fn gradient_matches_finite_differences() {
        let mut r = Rand::new(3);
        let (x, dout): (Vec<f64>, Vec<f64>) = (r.vec(12).iter().map(|v| 3.0 * v).collect(), r.vec(12));
        let f = |x: &[f64]| {
            let mut out = vec![0.0; x.len()];
            forward(&mut out, x);
            out.iter().zip(&dout).map(|(o, d)| o * d).sum::<f64>()
        };
        let mut dx = vec![0.0; 12];
        backward(&mut dx, &x, &dout);
        grad_check(&x, &dx, f);
    }
}
