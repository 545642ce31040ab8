//! Inverted dropout (PyTorch's `nn.Dropout` in training mode) with its mask drawn up front: each
//! element of the mask is 0 with probability p, else 1/(1 − p), so that the expectation is unchanged.

use butterfly_nn::Float;
use rand::Rng;

/// Dropout in training: probability `p` at nanoGPT's four places (the embeddings' sum, the attention
/// weights, and the outputs of the attention and MLP projections), masks drawn from `seed`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dropout {
    pub p: f64,
    pub seed: u64,
}

/// Fills `mask` `[N]` from `rng`, one uniform draw per element in order.
pub fn draw_mask<T: Float>(mask: &mut [T], p: f64, rng: &mut impl Rng) {
    let keep = T::from_f64(1.0 / (1.0 - p));
    for m in mask.iter_mut() {
        *m = if rng.random::<f64>() < p { T::ZERO } else { keep };
    }
}

/// `x ← x ⊙ mask` in place, `[N]`.
pub fn forward<T: Float>(x: &mut [T], mask: &[T]) {
    x.iter_mut().zip(mask).for_each(|(x, &m)| *x *= m);
}

/// `dinp = dout ⊙ mask` (written, not added: the masked gradient feeds one branch only).
pub fn backward<T: Float>(dinp: &mut [T], dout: &[T], mask: &[T]) {
    for ((d, &g), &m) in dinp.iter_mut().zip(dout).zip(mask) {
        *d = g * m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn masks_drop_about_p_and_keep_the_mean() {
        let mut mask = vec![0.0f64; 100_000];
        draw_mask(&mut mask, 0.25, &mut rand_chacha::ChaCha8Rng::seed_from_u64(4));
        let dropped = mask.iter().filter(|&&m| m == 0.0).count() as f64 / mask.len() as f64;
        assert!((dropped - 0.25).abs() < 0.01, "{dropped}");
        assert!(mask.iter().all(|&m| m == 0.0 || (m - 4.0 / 3.0).abs() < 1e-15));
        let mean = mask.iter().sum::<f64>() / mask.len() as f64;
        assert!((mean - 1.0).abs() < 0.02, "{mean}");
        let (mut x, mut d) = (vec![2.0; 4], vec![0.0; 4]);
        let m = [0.0, 2.0, 2.0, 0.0];
        forward(&mut x, &m);
        backward(&mut d, &[1.0, 1.0, 3.0, 3.0], &m);
        assert_eq!((x, d), (vec![0.0, 4.0, 4.0, 0.0], vec![0.0, 2.0, 6.0, 0.0]));
    }
}
