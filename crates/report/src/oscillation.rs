//! The GVA metrics of a curve of mean returns (docs/design.md §6), relative to the expert's return.

use serde::Serialize;

/// How much a curve of mean returns J_1..J_n at consecutive evaluations swings, inside a window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Oscillation {
    /// Evaluations in the window.
    pub evaluations: usize,
    /// Mean |J_{k+1} − J_k| / |J_expert|.
    pub osc: f64,
    /// Fraction of evaluations that lost more than half the expert's return (J < J_expert − ½|J_expert|;
    /// for positive returns: below half of it).
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
        let osc = curve.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (n - 1.0) / scale;
        let collapse = curve.iter().filter(|&&j| j < expert - 0.5 * scale).count() as f64 / n;
        let mean = curve.iter().sum::<f64>() / n;
        let spread = (curve.iter().map(|j| (j - mean).powi(2)).sum::<f64>() / n).sqrt() / scale;
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
}
