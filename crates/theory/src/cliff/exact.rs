//! Exact values at step T of the linear Gaussian recursion.
//!
//! Per coordinate, the errors e_t = θ_t − μ and ẽ_t = θ̃_t − μ follow
//!
//! ```text
//! e_{t+1} = a_t·e_t − η_t·w_t,   a_t = 1 − η_t,
//! ẽ_{t+1} = (1 − γ)·ẽ_t + γ·e_{t+1},
//! ```
//!
//! linear in the Gaussian noise, so both are Gaussian, with means m_{t+1} = a_t·m_t and
//! m̃_{t+1} = (1 − γ)·m̃_t + γ·m_{t+1} (from m_0 = m̃_0 = ‖θ_0 − μ‖ on the offset's axis, 0 elsewhere) and the same
//! variance in every coordinate. Since w_t is independent of (e_t, ẽ_t), Cov(ẽ_t, e_{t+1}) = a_t·c_t with
//! c_t = Cov(ẽ_t, e_t), and
//!
//! ```text
//! v_{t+1} = a_t²·v_t + η_t²
//! ṽ_{t+1} = (1 − γ)²·ṽ_t + 2γ(1 − γ)·a_t·c_t + γ²·v_{t+1}
//! c_{t+1} = (1 − γ)·a_t·c_t + γ·v_{t+1}
//! ```
//!
//! from v_0 = ṽ_0 = c_0 = 0: exact at every T, for any schedule. From θ_0 = μ both errors are centred, so
//! ‖e_T‖²/v_T ~ χ²_d and E[ℓ_BC] = d·v_T/2, E[J(θ*) − J] = v_T·d·F_{d+2}(ε²/v_T) + C·(1 − F_d(ε²/v_T)) with F_n the
//! χ²_n distribution function (likewise for the EMA with ṽ_T); from an offset the χ² is noncentral (see
//! [`GaussianSquaredNorm`]).

use serde::Serialize;

use super::{CliffConfig, CliffValues};
use crate::TheoryError;
use crate::chi_squared::GaussianSquaredNorm;

/// The law of an iterate's error at step T: θ − μ ~ N(mean·u, variance·I_d) with u the offset's axis.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct IterateLaw {
    pub mean: f64,
    pub variance: f64,
}

impl IterateLaw {
    fn squared_norm(&self, dim: usize) -> GaussianSquaredNorm {
        GaussianSquaredNorm::new(dim, self.mean * self.mean, self.variance)
    }
}

/// The laws of θ_T − μ (SGD) and θ̃_T − μ (EMA), by the moment recursion above.
pub fn iterate_laws(config: &CliffConfig) -> Result<[IterateLaw; 2], TheoryError> {
    config.validate()?;
    Ok(laws(config))
}

/// The most Poisson terms one exact value may sum (each law's tail and truncated mean): a fraction of a
/// second. The count grows with the noncentrality, i.e. with the offset, so this bounds the offset.
const MAX_POISSON_TERMS: f64 = 1e6;

/// Refuses a config whose exact values would take a Poisson sum longer than [`MAX_POISSON_TERMS`] (an
/// offset of 1e10 took minutes; far enough out, the window's bounds no longer fit a u64 and the sum came
/// out as an exact 0). Names the largest offset that can be computed with the other parameters.
pub(super) fn check_computable(config: &CliffConfig) -> Result<(), TheoryError> {
    for law in laws(config) {
        let terms = law.squared_norm(config.dim).poisson_terms();
        if terms > MAX_POISSON_TERMS {
            // The terms grow as 24·√(λ/2) + 41, and √(λ/2) = |mean|/√(2·variance) as the offset.
            let sqrt_rate = law.mean.abs() / (2.0 * law.variance).sqrt();
            let max_offset = config.offset * (MAX_POISSON_TERMS - 41.0) / 24.0 / sqrt_rate;
            return Err(TheoryError::Uncomputable {
                name: "offset",
                value: config.offset,
                why: format!(
                    "the exact values would sum {terms:.3e} Poisson terms (at most {MAX_POISSON_TERMS:e}); with these \
                     step sizes, gamma and steps the offset can be at most about {max_offset:.3e}"
                ),
            });
        }
    }
    Ok(())
}

fn laws(config: &CliffConfig) -> [IterateLaw; 2] {
    let gamma = config.gamma;
    let (mut m, mut m_ema) = (config.offset, config.offset);
    let (mut v, mut v_ema, mut cov) = (0.0, 0.0, 0.0);
    for t in 0..config.steps {
        let eta = config.schedule.step_size(t);
        let a = 1.0 - eta;
        let cross = a * cov;
        m *= a;
        v = a * a * v + eta * eta;
        m_ema = (1.0 - gamma) * m_ema + gamma * m;
        v_ema = (1.0 - gamma) * (1.0 - gamma) * v_ema + 2.0 * gamma * (1.0 - gamma) * cross + gamma * gamma * v;
        cov = (1.0 - gamma) * cross + gamma * v;
    }
    [IterateLaw { mean: m, variance: v }, IterateLaw { mean: m_ema, variance: v_ema }]
}

/// The exact expected BC losses and reward gaps at step T.
pub fn exact(config: &CliffConfig) -> Result<CliffValues<f64>, TheoryError> {
    let [sgd, ema] = iterate_laws(config)?.map(|law| law.squared_norm(config.dim));
    let eps2 = config.eps * config.eps;
    let reward_gap = |sq: GaussianSquaredNorm| sq.truncated_mean(eps2) + config.cost * sq.tail(eps2);
    Ok(CliffValues {
        sgd_bc_loss: 0.5 * sgd.mean(),
        ema_bc_loss: 0.5 * ema.mean(),
        sgd_reward_gap: reward_gap(sgd),
        ema_reward_gap: reward_gap(ema),
    })
}

/// The noise floors per coordinate as T → ∞ with a constant step size η: the fixed points of the recursion,
///
/// ```text
/// v_∞ = η/(2 − η),    ṽ_∞ = γη(2 − η − γ + ηγ) / ((2 − η)(2 − γ)(η + γ − ηγ)),
/// ```
///
/// Θ(η) and, for γ ≤ η ≪ 1, ≈ γ/2 = Θ(γ): the scalings of Proposition 4.1.
pub fn stationary_variances(eta: f64, gamma: f64) -> [f64; 2] {
    let sgd = eta / (2.0 - eta);
    let ema =
        gamma * eta * (2.0 - eta - gamma + eta * gamma) / ((2.0 - eta) * (2.0 - gamma) * (eta + gamma - eta * gamma));
    [sgd, ema]
}
