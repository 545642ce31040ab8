//! The closed forms of the linear construction (derived in the module documentation).

use super::{LinearConfig, LinearValues};
use crate::TheoryError;

/// ℓ_BC = H·δ²·d and J_H(π*) − J_H(π* + Δ) = d·Σ_{h=1}^{H} ((1 + δ)^{2h} − 1).
pub fn exact(config: &LinearConfig) -> Result<LinearValues<f64>, TheoryError> {
    config.validate()?;
    let d = config.dim as f64;
    let log_growth = config.delta.ln_1p();
    // (1 + δ)^{2h} − 1 through exp_m1 and ln_1p: exact to rounding even when δ·H is tiny.
    let gap: f64 = (1..=config.horizon).map(|h| (2.0 * h as f64 * log_growth).exp_m1()).sum();
    Ok(LinearValues { bc_loss: config.horizon as f64 * config.delta * config.delta * d, reward_gap: d * gap })
}
