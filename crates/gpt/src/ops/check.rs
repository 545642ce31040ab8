//! Test helpers: seeded random inputs and central finite differences in f64.

use rand::{Rng, SeedableRng};

pub struct Rand(rand_chacha::ChaCha8Rng);

impl Rand {
    pub fn new(seed: u64) -> Self {
        Self(rand_chacha::ChaCha8Rng::seed_from_u64(seed))
    }

    pub fn vec(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.0.random_range(-1.0..1.0)).collect()
    }
}

/// Checks `analytic` against central differences of the scalar `f` at `x`, element by element.
pub fn grad_check(x: &[f64], analytic: &[f64], f: impl Fn(&[f64]) -> f64) {
    assert_eq!(x.len(), analytic.len());
    let h = 1e-6;
    let mut probe = x.to_vec();
    for i in 0..x.len() {
        probe[i] = x[i] + h;
        let up = f(&probe);
        probe[i] = x[i] - h;
        let down = f(&probe);
        probe[i] = x[i];
        let numeric = (up - down) / (2.0 * h);
        let scale = numeric.abs().max(analytic[i].abs()).max(1e-3);
        assert!(
            (numeric - analytic[i]).abs() / scale < 1e-5,
            "element {i}: numeric {numeric}, analytic {}",
            analytic[i]
        );
    }
}

/// The largest relative difference between two vectors.
pub fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs() / x.abs().max(y.abs()).max(1e-6)).fold(0.0, f64::max)
}
