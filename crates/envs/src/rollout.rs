//! Rolling a policy out in an env: the long-horizon reward J_H that behavior cloning does not see.

use rayon::prelude::*;

use crate::{BatchPolicy, Env, EnvError, EnvRng, Policy, Replicate, RewardTerms, Transition};

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

impl Episode {
    /// Adds one step; true when it ended the episode.
    fn record(&mut self, t: &Transition) -> bool {
        self.ret += t.reward;
        self.length += 1;
        self.terms.forward += t.terms.forward;
        self.terms.healthy += t.terms.healthy;
        self.terms.ctrl_cost += t.terms.ctrl_cost;
        self.terms.contact_cost += t.terms.contact_cost;
        self.terminated = t.terminated;
        t.terminated
    }
}

/// Runs `policy` from `env`'s current state for at most `horizon` steps (fewer on termination).
pub fn rollout(env: &mut dyn Env, policy: &mut dyn Policy, horizon: usize) -> Result<Episode, EnvError> {
    rollout_observed(env, policy, horizon, |_, _| {})
}

/// [`rollout`], showing `observe` every (observation, action) pair before the action is taken.
pub fn rollout_observed(
    env: &mut dyn Env,
    policy: &mut dyn Policy,
    horizon: usize,
    mut observe: impl FnMut(&[f64], &[f64]),
) -> Result<Episode, EnvError> {
    policy.reset();
    let mut action = vec![0.0; env.spec().act_dim];
    let mut ep = Episode::default();
    for _ in 0..horizon {
        policy.act(env.observation(), &mut action);
        observe(env.observation(), &action);
        if ep.record(&env.step(&action)?) {
            break;
        }
    }
    Ok(ep)
}

/// Runs one episode per env, from each env's current state, in lockstep: every step, one batched
/// call acts for the episodes still going. Each episode is what [`rollout`] gives for it.
pub fn rollout_batch<E: Env>(
    envs: &mut [E],
    policy: &mut dyn BatchPolicy,
    horizon: usize,
) -> Result<Vec<Episode>, EnvError> {
    rollout_batch_observed(envs, policy, horizon, |_, _, _| {})
}

/// [`rollout_batch`], showing `observe` every (episode, observation, action) before the action is taken.
pub fn rollout_batch_observed<E: Env>(
    envs: &mut [E],
    policy: &mut dyn BatchPolicy,
    horizon: usize,
    mut observe: impl FnMut(usize, &[f64], &[f64]),
) -> Result<Vec<Episode>, EnvError> {
    let Some(first) = envs.first() else { return Ok(Vec::new()) };
    let (obs_dim, act_dim) = (first.spec().obs_dim, first.spec().act_dim);
    policy.reset_episodes(envs.len());
    let mut episodes = vec![Episode::default(); envs.len()];
    let mut live: Vec<usize> = (0..envs.len()).collect();
    let mut obs = Vec::new();
    let mut actions = vec![0.0; envs.len() * act_dim];
    for _ in 0..horizon {
        if live.is_empty() {
            break;
        }
        obs.clear();
        for &i in &live {
            obs.extend_from_slice(envs[i].observation());
        }
        let actions = &mut actions[..live.len() * act_dim];
        policy.act_episodes(&obs, &live, actions);
        for ((&i, action), o) in live.iter().zip(actions.chunks_exact(act_dim)).zip(obs.chunks_exact(obs_dim)) {
            observe(i, o, action);
            episodes[i].record(&envs[i].step(action)?);
        }
        live.retain(|&i| !episodes[i].terminated);
    }
    Ok(episodes)
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
/// state i. A job is one policy on a contiguous block of initial states, rolled out in lockstep with
/// batched forwards when the policy offers them. Each rollout is independent of the others, so results
/// do not depend on the thread count (nor on the batching).
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
        .num_threads(butterfly_store::threads::check_threads("threads", threads)?)
        .build()
        .map_err(|e| EnvError::ThreadPool(e.to_string()))?;
    // Enough blocks to keep every thread busy (twice over, for balance when episodes end early).
    let blocks = (2 * threads.max(1)).div_ceil(policies.len().max(1)).clamp(1, states.len().max(1));
    let per_block = states.len().div_ceil(blocks).max(1);
    let jobs: Vec<(usize, usize)> =
        (0..policies.len()).flat_map(|p| (0..states.len()).step_by(per_block).map(move |start| (p, start))).collect();
    let blocks: Vec<Vec<Episode>> = pool.install(|| {
        jobs.par_iter()
            .map_init(Vec::new, |envs: &mut Vec<E>, &(p, start)| {
                let block = &states[start..(start + per_block).min(states.len())];
                while envs.len() < block.len() {
                    envs.push(env.replicate());
                }
                let envs = &mut envs[..block.len()];
                for (e, s) in envs.iter_mut().zip(block) {
                    e.reset_to(s)?;
                }
                let mut policy = policies[p].clone();
                match policy.batched() {
                    Some(batched) => rollout_batch(envs, batched, horizon),
                    None => envs.iter_mut().map(|e| rollout(e, &mut policy, horizon)).collect(),
                }
            })
            .collect::<Result<_, _>>()
    })?;
    let per_policy = states.len().div_ceil(per_block);
    Ok(blocks.chunks(per_policy.max(1)).map(|b| b.concat()).collect())
}
