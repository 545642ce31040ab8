//! Rollouts of the expert and the perturbed learner, and the BC loss on the expert's states.

use rand::Rng;
use rand_distr::StandardNormal;

use super::{LinearConfig, LinearValues};
use crate::{Estimate, MonteCarlo, TheoryError};

/// Estimates the BC loss and the reward gap over random initial states by rolling both policies out.
pub fn simulate(config: &LinearConfig, mc: &MonteCarlo) -> Result<LinearValues<Estimate>, TheoryError> {
    config.validate()?;
    let expert = |x: &[f64]| vec![0.0; x.len()];
    let learner = |x: &[f64]| x.iter().map(|xi| config.delta * xi).collect::<Vec<f64>>();
    let [bc_loss, reward_gap] = mc.estimate(|rng| {
        let x0: Vec<f64> = (0..config.dim).map(|_| rng.sample(StandardNormal)).collect();
        let expert_states = rollout(&x0, expert, config.horizon);
        let learner_states = rollout(&x0, learner, config.horizon);
        let bc_loss: f64 = expert_states[..config.horizon]
            .iter()
            .map(|x| learner(x).iter().zip(expert(x)).map(|(a, b)| (a - b) * (a - b)).sum::<f64>())
            .sum();
        let reward_gap = episode_return(&expert_states) - episode_return(&learner_states);
        [bc_loss, reward_gap]
    })?;
    Ok(LinearValues { bc_loss, reward_gap })
}

/// The states x_0, …, x_H under x_{h+1} = x_h + π(x_h).
fn rollout(x0: &[f64], policy: impl Fn(&[f64]) -> Vec<f64>, horizon: usize) -> Vec<Vec<f64>> {
    let mut states = vec![x0.to_vec()];
    for h in 0..horizon {
        let u = policy(&states[h]);
        states.push(states[h].iter().zip(u).map(|(x, u)| x + u).collect());
    }
    states
}

/// J_H = Σ_{h=1}^{H} −‖x_h‖².
fn episode_return(states: &[Vec<f64>]) -> f64 {
    states[1..].iter().map(|x| -x.iter().map(|xi| xi * xi).sum::<f64>()).sum()
}
