//! Rollouts of the expert and the perturbed learner, and the BC loss on the expert's states.

use rand::Rng;
use rand_distr::StandardNormal;

use super::{LinearConfig, LinearValues};
use crate::{Estimate, MonteCarlo, TheoryError};

/// Estimates the BC loss and the reward gap over random initial states by rolling both policies out.
pub fn simulate(config: &LinearConfig, mc: &MonteCarlo) -> Result<LinearValues<Estimate>, TheoryError> {
    // x_0 and the learner's current state, on every thread.
    TheoryError::check_fits(config.dim, 2, mc.threads)?;
    config.validate()?;
    let delta = config.delta;
    let [bc_loss, reward_gap] = mc.estimate(|rng| {
        let x0: Vec<f64> = (0..config.dim).map(|_| rng.sample(StandardNormal)).collect();
        // The expert (u = 0) holds x_0 at every step; the learner (u = δx) moves. Only the current state is
        // kept: a horizon of 1e8 stored every state of both rollouts, gigabytes per thread.
        let squared = |x: &[f64]| x.iter().map(|xi| xi * xi).sum::<f64>();
        let error_at_x0: f64 = x0.iter().map(|xi| (delta * xi) * (delta * xi)).sum();
        let (mut bc_loss, mut expert_return, mut learner_return) = (0.0, 0.0, 0.0);
        let mut x = x0.clone();
        for _ in 0..config.horizon {
            bc_loss += error_at_x0;
            x.iter_mut().for_each(|xi| *xi += delta * *xi);
            expert_return -= squared(&x0);
            learner_return -= squared(&x);
        }
        [bc_loss, expert_return - learner_return]
    })?;
    Ok(LinearValues { bc_loss, reward_gap })
}
