//! The GVA metrics of a curve of mean returns (docs/design.md §6), relative to the expert's return, and the
//! rule for a fall that both `collapse` and `falls` count.

use serde::Serialize;

use crate::stats::moments::{mean, mean_abs_change, population_std};

/// Whether the return `ret` lost more than half the `expert`'s return (J < J_expert − ½|J_expert|; for
/// positive returns: below half of it).
pub fn fell(ret: f64, expert: f64) -> bool {
    ret < expert - 0.5 * expert.abs()
}

/// The fraction of single rollouts, each (its return, the expert's return from the same initial
/// condition), that [`fell`]; None for no rollouts.
pub fn falls(rollouts: impl IntoIterator<Item = (f64, f64)>) -> Option<f64> {
    let (mut fallen, mut total) = (0usize, 0usize);
    for (ret, expert) in rollouts {
        fallen += usize::from(fell(ret, expert));
        total += 1;
    }
    (total > 0).then(|| fallen as f64 / total as f64)
}

/// How much a curve of mean returns J_1..J_n at consecutive evaluations swings, inside a window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Oscillation {
    /// Evaluations in the window.
    pub evaluations: usize,
    /// Mean |J_{k+1} − J_k| / |J_expert|.
    pub osc: f64,
    /// Fraction of evaluations that [`fell`] below the expert's return.
    pub collapse: f64,
    /// Standard deviation of the J_k / |J_expert|.
    pub spread: f64,
    /// Mean of the J_k / J_expert.
    pub level: f64,
}

impl Oscillation {
    /// `None` with fewer than two evaluations (no difference to take).
    pub fn of(curve: &[f64], expert: f64) -> Option<Self> {
        if curve.len() < 2 || expert == 0.0 {
            return None;
        }
        let scale = expert.abs();
        let n = curve.len() as f64;
        let osc = mean_abs_change(curve) / scale;
        let collapse = curve.iter().filter(|&&j| fell(j, expert)).count() as f64 / n;
        let mean = mean(curve.iter().copied());
        let spread = population_std(curve, mean) / scale;
        Some(Self { evaluations: curve.len(), osc, collapse, spread, level: mean / expert })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_of_a_swinging_curve() {
        let o = Oscillation::of(&[1000.0, 200.0, 1000.0, 200.0], 1000.0).unwrap();
        assert!((o.osc - 0.8).abs() < 1e-12);
        assert_eq!(o.collapse, 0.5);
        assert!((o.spread - 0.4).abs() < 1e-12);
        assert!((o.level - 0.6).abs() < 1e-12);
        let flat = Oscillation::of(&[990.0, 990.0, 990.0], 1000.0).unwrap();
        assert_eq!((flat.osc, flat.collapse, flat.spread), (0.0, 0.0, 0.0));
        // Negative returns (costs): collapse means losing more than half again of the expert's cost.
        let costs = Oscillation::of(&[-10.0, -16.0, -14.0], -10.0).unwrap();
        assert!((costs.collapse - 1.0 / 3.0).abs() < 1e-12);
        assert!(Oscillation::of(&[1.0], 1.0).is_none());
    }

    #[test]
    fn a_fall_loses_more_than_half_the_experts_return() {
        assert!(fell(499.0, 1000.0) && !fell(500.0, 1000.0));
        assert!(fell(-15.1, -10.0) && !fell(-15.0, -10.0), "costs: half again of the expert's");
        assert_eq!(falls([(0.0, 10.0), (9.0, 10.0), (-16.0, -10.0), (-11.0, -10.0)]), Some(0.5));
        assert_eq!(falls([]), None);
    }
}
