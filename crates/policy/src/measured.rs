//! A policy's measured return (`butterfly expert eval`): its deterministic episodes from fixed initial
//! conditions, and a copy of the policy with the measurement in its metadata.

use butterfly_envs::{Env, Episode, MujocoEnv, env_rng, evaluate, initial_conditions, mean_std};

use crate::{MlpPolicy, PolicyError};

#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub episodes: usize,
    /// Seed of the initial conditions.
    pub seed: u64,
    pub returns: Vec<f64>,
    pub lengths: Vec<usize>,
    pub mean_return: f64,
    pub std_return: f64,
    pub mean_length: f64,
}

impl Measured {
    /// `episodes` full-horizon episodes of `policy` from initial conditions drawn with `seed`.
    pub fn of(
        policy: &MlpPolicy,
        env: &mut MujocoEnv,
        episodes: usize,
        seed: u64,
        threads: usize,
    ) -> Result<Self, PolicyError> {
        butterfly_store::threads::check_threads("threads", threads)?;
        // Per episode: its initial state (a Vec) and its result, return and length.
        let per_episode = 24 + 8 * env.spec().state_dim + size_of::<Episode>() + 16;
        butterfly_store::memory::ensure_fits(&[(
            &format!("{episodes} episodes"),
            episodes as u128,
            per_episode as u128,
        )])?;
        let states = initial_conditions(env, episodes, &mut env_rng(seed));
        let horizon = env.spec().max_episode_steps;
        let runs = evaluate(env, std::slice::from_ref(policy), &states, horizon, threads)?;
        let returns: Vec<f64> = runs[0].iter().map(|e| e.ret).collect();
        let lengths: Vec<usize> = runs[0].iter().map(|e| e.length).collect();
        let (mean_return, std_return) = mean_std(&returns);
        let mean_length = lengths.iter().sum::<usize>() as f64 / lengths.len() as f64;
        Ok(Self { episodes, seed, returns, lengths, mean_return, std_return, mean_length })
    }

    /// `policy` with this measurement in its metadata (`measured_return_mean`, `measured_return_std`,
    /// `measured_episodes`, `measured_seed`), so that a shipped file says what it achieves.
    pub fn stamped(&self, policy: &MlpPolicy) -> MlpPolicy {
        let mut stamped = policy.clone();
        let extra = &mut stamped.meta_mut().extra;
        extra.insert("measured_return_mean".into(), format!("{:.1}", self.mean_return));
        extra.insert("measured_return_std".into(), format!("{:.1}", self.std_return));
        extra.insert("measured_episodes".into(), self.episodes.to_string());
        extra.insert("measured_seed".into(), self.seed.to_string());
        stamped
    }
}
