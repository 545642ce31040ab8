//! GELU with the tanh approximation (GPT-2's `gelu_new`, PyTorch's `GELU(approximate="tanh")`).

use butterfly_nn::Float;

const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
const CUBIC: f64 = 0.044_715;

/// Runs `body` compiled for AVX2 when the CPU has it (no FMA contraction: the same bits as the
/// baseline build, in vectors twice as wide).
#[inline(always)]
fn widest(body: impl FnOnce()) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        unsafe fn avx2(body: impl FnOnce()) {
            body()
        }
        // SAFETY: AVX2 is present.
        return unsafe { avx2(body) };
    }
    body()
}

/// `out = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))`, elementwise over `[N,C]` (the vectorizable tanh:
/// libm's scalar one was an eighth of a training step).
pub fn forward<T: Float>(out: &mut [T], inp: &[T]) {
    widest(|| forward_body(out, inp))
}

#[inline(always)]
fn forward_body<T: Float>(out: &mut [T], inp: &[T]) {
    let (s, k, half) = (T::from_f64(SQRT_2_OVER_PI), T::from_f64(CUBIC), T::from_f64(0.5));
    for (o, &x) in out.iter_mut().zip(inp) {
        *o = half * x * (T::ONE + (s * (x + k * x * x * x)).tanh_fast());
    }
}

/// Adds the gradient w.r.t. the input into `dinp`.
pub fn backward<T: Float>(dinp: &mut [T], inp: &[T], dout: &[T]) {
    widest(|| backward_body(dinp, inp, dout))
}

#[inline(always)]
fn backward_body<T: Float>(dinp: &mut [T], inp: &[T], dout: &[T]) {
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
    fn the_wide_build_gives_the_baseline_bits() {
        // 1003 elements: whole vectors and a tail.
        let x: Vec<f32> = Rand::new(4).vec(1003).iter().map(|v| 6.0 * *v as f32).collect();
        let g: Vec<f32> = Rand::new(5).vec(1003).iter().map(|v| *v as f32).collect();
        let (mut wide, mut base) = (vec![0.0f32; 1003], vec![0.0f32; 1003]);
        forward(&mut wide, &x);
        forward_body(&mut base, &x);
        assert_eq!(wide, base);
        let (mut wide, mut base) = (vec![0.5f32; 1003], vec![0.5f32; 1003]);
        backward(&mut wide, &x, &g);
        backward_body(&mut base, &x, &g);
        assert_eq!(wide, base);
    }

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
