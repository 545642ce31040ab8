//! Rolling a policy out in an env: the long-horizon reward J_H that behavior cloning does not see.

use rayon::prelude::*;

use crate::{Env, EnvError, EnvRng, Policy, Replicate, RewardTerms};

/// What one episode earned.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Episode {
    /// J_H: the sum of rewards over at most H steps, stopping at termination.
    pub ret: f64,
    pub length: usize,
    pub terminated: bool,
    /// The reward terms summed over the episode.
    pub terms: RewardTerms,
}

/// Runs `policy` from `env`'s current state for at most `horizon` steps (fewer on termination).
pub fn rollout(env: &mut dyn Env, policy: &mut dyn Policy, horizon: usize) -> Result<Episode, EnvError> {
    policy.reset();
    let mut action = vec![0.0; env.spec().act_dim];
    let mut ep = Episode::default();
    for _ in 0..horizon {
        policy.act(env.observation(), &mut action);
        let t = env.step(&action)?;
        ep.ret += t.reward;
        ep.length += 1;
        ep.terms.forward += t.terms.forward;
        ep.terms.healthy += t.terms.healthy;
        ep.terms.ctrl_cost += t.terms.ctrl_cost;
        if t.terminated {
            ep.terminated = true;
            break;
        }
    }
    Ok(ep)
}

/// Mean and (population) standard deviation of returns, summed in order.
pub fn mean_std(xs: &[f64]) -> (f64, f64) {
    let n = xs.len().max(1) as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let std = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    (mean, std)
}

/// K initial states drawn from the env's reset distribution with a fixed seed: the evaluation set shared
/// by every checkpoint and variant.
pub fn initial_conditions(env: &mut dyn Env, k: usize, rng: &mut EnvRng) -> Vec<Vec<f64>> {
    (0..k)
        .map(|_| {
            env.reset(rng);
            env.state()
        })
        .collect()
}

/// Rolls out every (policy, initial state) pair on up to `threads` threads; `out[p][i]` is policy p from
/// state i. Each rollout is independent, so results do not depend on the thread count.
pub fn evaluate<E, P>(
    env: &E,
    policies: &[P],
    states: &[Vec<f64>],
    horizon: usize,
    threads: usize,
) -> Result<Vec<Vec<Episode>>, EnvError>
where
    E: Env + Replicate + Sync,
    P: Policy + Clone + Sync,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| EnvError::ThreadPool(e.to_string()))?;
    let jobs: Vec<(usize, usize)> = (0..policies.len()).flat_map(|p| (0..states.len()).map(move |i| (p, i))).collect();
    let episodes: Vec<Episode> = pool.install(|| {
        jobs.par_iter()
            .map_init(
                || env.replicate(),
                |local, &(p, i)| {
                    local.reset_to(&states[i])?;
                    rollout(local, &mut policies[p].clone(), horizon)
                },
            )
            .collect::<Result<_, _>>()
    })?;
    Ok(episodes.chunks(states.len().max(1)).map(<[Episode]>::to_vec).collect())
}
