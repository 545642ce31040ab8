//! Monte Carlo estimates of the cliff quantities at step T.

use rand::Rng;
use rand_distr::StandardNormal;

use super::{CliffConfig, CliffValues, bc_loss};
use crate::{Estimate, MonteCarlo, TheoryError};

/// Runs SGD and its EMA for T steps in each trial and estimates the four quantities at step T.
pub fn simulate(config: &CliffConfig, mc: &MonteCarlo) -> Result<CliffValues<Estimate>, TheoryError> {
    // SGD and its EMA, on every thread.
    TheoryError::check_fits(config.dim, 2, mc.threads)?;
    config.validate()?;
    let [sgd_bc_loss, ema_bc_loss, sgd_reward_gap, ema_reward_gap] = mc.estimate(|rng| {
        let [sgd, ema] = squared_errors_at_t(config, rng);
        [bc_loss(sgd), bc_loss(ema), config.reward_gap(sgd), config.reward_gap(ema)]
    })?;
    Ok(CliffValues { sgd_bc_loss, ema_bc_loss, sgd_reward_gap, ema_reward_gap })
}

/// ‖θ_T − μ‖² and ‖θ̃_T − μ‖² along one trajectory.
fn squared_errors_at_t(config: &CliffConfig, rng: &mut impl Rng) -> [f64; 2] {
    let mut sgd = vec![0.0; config.dim];
    sgd[0] = config.offset;
    let mut ema = sgd.clone();
    let gamma = config.gamma;
    for t in 0..config.steps {
        let eta = config.schedule.step_size(t);
        for (e, e_ema) in sgd.iter_mut().zip(&mut ema) {
            let w: f64 = rng.sample(StandardNormal);
            *e -= eta * (*e + w);
            *e_ema = (1.0 - gamma) * *e_ema + gamma * *e;
        }
    }
    [sgd.iter().map(|e| e * e).sum(), ema.iter().map(|e| e * e).sum()]
}
