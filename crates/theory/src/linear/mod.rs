//! Exponential error amplification in a marginally stable linear system, in the spirit of Proposition 3.1
//! (paper §3.3). The paper states the proposition without its construction (its proof is in an appendix);
//! this module makes the following choices and derives the closed forms for them.
//!
//! - State x ∈ ℝ^d, initial state x_0 ~ N(0, I_d), deterministic dynamics x_{h+1} = x_h + u_h (Lipschitz in
//!   state and action; the closed loop of the expert is marginally stable).
//! - Expert π*(x) = 0: it holds the state where it starts, so every expert state is x_0.
//! - Learner π*(x) + Δ(x) with Δ(x) = δ·x, which is δ-Lipschitz with Δ(0) = 0; the closed loop is
//!   x_h = (1 + δ)^h·x_0.
//! - Reward r(x) = −‖x‖² on the states reached, J_H = Σ_{h=1}^{H} r(x_h).
//! - BC loss: the squared ℓ2 error summed over an expert trajectory, ℓ_BC = E Σ_{h=0}^{H−1} ‖π(x*_h) − π*(x*_h)‖²
//!   (the sum, not the mean, over the H steps, as in the proposition's O(H·δ²)).
//!
//! Then (with q = (1 + δ)² and E‖x_0‖² = d)
//!
//! ```text
//! ℓ_BC = H·δ²·d,      J_H(π*) − J_H(π* + Δ) = d·Σ_{h=1}^{H} (q^h − 1) = d·(q(q^H − 1)/(q − 1) − H),
//! ```
//!
//! and keeping the ⌊H/2⌋ + 1 terms with h ≥ H/2, each at least (1 + δ)^H − 1, gives the proposition's shape
//! gap ≥ d·(H/2)·((1 + δ)^H − 1) ≥ d·(H/2)·(e^{Hδ/2} − 1) for δ ≤ 1. Because |Δ(x)| ≤ δ‖x‖ for every Δ in
//! the class, Δ(x) = δx attains the supremum over the class of both the BC loss and the gap.

mod exact;
mod simulate;
mod sweep;

use serde::Serialize;

pub use exact::exact;
pub use simulate::simulate;
pub use sweep::{SweepRow, sweep};

use crate::TheoryError;

/// The largest reward gap (as a power of ten) whose Monte Carlo interval can be computed: its square
/// summed over the trials must stay finite.
const MAX_LOG10_GAP: f64 = 150.0;

/// One instance of the construction.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LinearConfig {
    /// δ: the Lipschitz constant of the policy error Δ(x) = δx.
    pub delta: f64,
    /// H: the horizon.
    pub horizon: usize,
    /// d: the state (and action) dimension.
    pub dim: usize,
}

impl LinearConfig {
    pub fn validate(&self) -> Result<(), TheoryError> {
        // Past δ = 1 the gap overflows nothing yet, but the construction is about small errors.
        TheoryError::check("delta", self.delta, "in [0, 1]", |v| (0.0..=1.0).contains(&v))?;
        TheoryError::check_count("horizon", self.horizon, 1)?;
        TheoryError::check_count("dim", self.dim, 1)?;
        // Each trial's return is about d·H·(1 + δ)^{2H}; the interval needs its square, so past ~1e150 the
        // estimate is inf with a NaN interval and the exact gap overflows soon after.
        let log10_gap =
            ((self.dim as f64).ln() + (self.horizon as f64).ln() + 2.0 * self.horizon as f64 * self.delta.ln_1p())
                / std::f64::consts::LN_10;
        if log10_gap > MAX_LOG10_GAP {
            return Err(TheoryError::Uncomputable {
                name: "horizon",
                value: self.horizon as f64,
                why: format!(
                    "with delta = {} and dim = {} the gap d·H·(1 + δ)^{{2H}} is about 1e{log10_gap:.0}, past the 1e{MAX_LOG10_GAP} \
                     that double precision can estimate: lower the horizon or delta",
                    self.delta, self.dim
                ),
            });
        }
        Ok(())
    }
}

/// The BC loss on expert data and the rollout reward gap J_H(π*) − J_H(π* + Δ): estimates or exact values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LinearValues<T> {
    pub bc_loss: T,
    pub reward_gap: T,
}
