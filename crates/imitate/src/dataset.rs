//! Expert data: trajectories of the expert from i.i.d. initial conditions, as imitator inputs (the
//! state followed by the previous expert action, zero at the start) and target actions.

use std::path::Path;

use butterfly_envs::{Env, EnvRng, Policy, Replicate, initial_conditions, rollout_batch_observed, rollout_observed};
use butterfly_store::{Tensor, TensorFile};
use rand::Rng;
use rayon::prelude::*;

use crate::ImitateError;

const DATA_FORMAT: &str = "butterfly-bc-data-1";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dataset {
    pub env: String,
    /// The env's observation size (the imitator's input is obs_dim + act_dim).
    pub obs_dim: usize,
    pub act_dim: usize,
    /// `[n, obs_dim + act_dim]`.
    pub inputs: Vec<f32>,
    /// `[n, act_dim]`.
    pub targets: Vec<f32>,
    /// Where each trajectory starts, in rows (`len + 1` entries, the last is n).
    pub offsets: Vec<usize>,
    /// The expert's return on each trajectory.
    pub returns: Vec<f64>,
}

impl Dataset {
    pub fn input_dim(&self) -> usize {
        self.obs_dim + self.act_dim
    }

    pub fn len(&self) -> usize {
        self.targets.len() / self.act_dim.max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    pub fn trajectories(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Appends another dataset's trajectories (same env and sizes).
    pub fn extend(&mut self, other: &Dataset) {
        let base = self.len();
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.inputs.extend_from_slice(&other.inputs);
        self.targets.extend_from_slice(&other.targets);
        self.offsets.extend(other.offsets.iter().skip(1).map(|o| o + base));
        self.returns.extend_from_slice(&other.returns);
    }

    /// Drops the first `k` trajectories (the oldest, in fresh-data mode).
    pub fn drop_front(&mut self, k: usize) {
        let rows = self.offsets[k];
        self.inputs.drain(..rows * self.input_dim());
        self.targets.drain(..rows * self.act_dim);
        self.offsets.drain(..k);
        for o in &mut self.offsets {
            *o -= rows;
        }
        self.returns.drain(..k);
    }

    /// `batch` rows drawn uniformly (with replacement) with `rng`.
    pub fn draw_rows(&self, batch: usize, rng: &mut EnvRng) -> Vec<usize> {
        (0..batch).map(|_| rng.random_range(0..self.len())).collect()
    }

    pub fn to_file(&self) -> TensorFile {
        let mut f = TensorFile::default();
        f.insert("inputs", vec![self.len(), self.input_dim()], Tensor::F32(self.inputs.clone()));
        f.insert("targets", vec![self.len(), self.act_dim], Tensor::F32(self.targets.clone()));
        f.insert("offsets", vec![self.offsets.len()], Tensor::U64(self.offsets.iter().map(|&o| o as u64).collect()));
        f.insert("returns", vec![self.returns.len()], Tensor::F64(self.returns.clone()));
        f.set_meta("format", DATA_FORMAT);
        f.set_meta("env", &self.env);
        f.set_meta("obs_dim", self.obs_dim);
        f.set_meta("act_dim", self.act_dim);
        f.set_meta("input", "obs+prev_action");
        f
    }

    pub fn save(&self, path: &Path) -> Result<(), ImitateError> {
        Ok(self.to_file().save(path)?)
    }

    pub fn from_file(f: &TensorFile) -> Result<Self, ImitateError> {
        let bad = |what: String| ImitateError::Data { path: f.path.clone(), what };
        let format = f.meta("format")?;
        if format != DATA_FORMAT {
            return Err(bad(format!("is {format}; this butterfly reads {DATA_FORMAT}")));
        }
        let data = Dataset {
            env: f.meta("env")?.to_string(),
            obs_dim: f.meta_parse("obs_dim")?,
            act_dim: f.meta_parse("act_dim")?,
            inputs: f.f32("inputs")?.to_vec(),
            targets: f.f32("targets")?.to_vec(),
            offsets: f.u64("offsets")?.iter().map(|&o| o as usize).collect(),
            returns: f.f64("returns")?.to_vec(),
        };
        let n = data.len();
        if data.act_dim == 0 || data.inputs.len() != n * data.input_dim() || data.offsets.last() != Some(&n) {
            return Err(bad("tensor sizes disagree with obs_dim/act_dim".into()));
        }
        if data.offsets.first() != Some(&0)
            || data.offsets.windows(2).any(|w| w[0] >= w[1])
            || data.returns.len() + 1 != data.offsets.len()
        {
            return Err(bad("trajectory offsets must start at 0 and increase, one return per trajectory".into()));
        }
        if let Some(i) = data.inputs.iter().chain(&data.targets).position(|x| !x.is_finite()) {
            return Err(bad(format!("value {i} is not finite (NaN or infinite data)")));
        }
        Ok(data)
    }

    pub fn load(path: &Path) -> Result<Self, ImitateError> {
        Self::from_file(&TensorFile::load(path)?)
    }
}

/// Checks that `trajectories` of at most `horizon` steps fit in memory, before collecting them.
pub fn check_fits(trajectories: usize, horizon: usize, obs_dim: usize, act_dim: usize) -> Result<(), ImitateError> {
    let rows = (trajectories as u128).saturating_mul(horizon as u128);
    butterfly_store::memory::ensure_fits(&[(
        &format!("{trajectories} expert trajectories of {horizon} steps"),
        rows.saturating_mul((obs_dim + 2 * act_dim) as u128),
        4,
    )])?;
    Ok(())
}

/// Rolls the expert out from `trajectories` i.i.d. initial conditions (drawn from `rng`) for at most
/// `horizon` steps each, in parallel on `threads` threads (results do not depend on the count). Blocks of
/// trajectories run in lockstep with one batched expert forward per step where the expert offers it (each
/// row exactly what acting alone gives, so the data is the same either way).
pub fn collect<E, P>(
    env: &E,
    expert: &P,
    trajectories: usize,
    horizon: usize,
    rng: &mut EnvRng,
    threads: usize,
) -> Result<Dataset, ImitateError>
where
    E: Env + Replicate + Sync,
    P: Policy + Clone + Sync,
{
    let threads = butterfly_store::threads::check_threads("threads", threads)?;
    let spec = env.spec();
    let (obs_dim, act_dim) = (spec.obs_dim, spec.act_dim);
    check_fits(trajectories, horizon, obs_dim, act_dim)?;
    let states = initial_conditions(&mut env.replicate(), trajectories, rng);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| ImitateError::Config(e.to_string()))?;
    // Blocks small enough to balance the threads, large enough for the batched forward to pay.
    let per_block = trajectories.div_ceil(4 * threads).clamp(1, 64);
    let empty = Dataset { env: spec.id.to_string(), obs_dim, act_dim, offsets: vec![0], ..Default::default() };
    let blocks: Vec<Vec<Dataset>> = pool.install(|| {
        states
            .par_chunks(per_block)
            .map(|block| -> Result<Vec<Dataset>, ImitateError> {
                let mut envs = Vec::with_capacity(block.len());
                for state in block {
                    let mut e = env.replicate();
                    e.reset_to(state)?;
                    envs.push(e);
                }
                let mut parts = vec![empty.clone(); block.len()];
                let mut prev = vec![vec![0.0f64; act_dim]; block.len()];
                let mut record = |i: usize, obs: &[f64], action: &[f64]| {
                    let part = &mut parts[i];
                    part.inputs.extend(obs.iter().chain(&prev[i]).map(|&x| x as f32));
                    part.targets.extend(action.iter().map(|&a| a as f32));
                    prev[i].copy_from_slice(action);
                };
                let mut expert = expert.clone();
                let episodes = match expert.batched() {
                    Some(batched) => rollout_batch_observed(&mut envs, batched, horizon, &mut record)?,
                    None => {
                        let mut episodes = Vec::with_capacity(envs.len());
                        for (i, e) in envs.iter_mut().enumerate() {
                            episodes.push(rollout_observed(e, &mut expert, horizon, |o, a| record(i, o, a))?);
                        }
                        episodes
                    }
                };
                for (part, episode) in parts.iter_mut().zip(&episodes) {
                    part.offsets.push(part.targets.len() / act_dim);
                    part.returns.push(episode.ret);
                }
                Ok(parts)
            })
            .collect::<Result<_, _>>()
    })?;
    let parts: Vec<Dataset> = blocks.into_iter().flatten().collect();
    let mut data = Dataset { env: spec.id.to_string(), obs_dim, act_dim, offsets: vec![0], ..Default::default() };
    for part in &parts {
        data.extend(part);
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use butterfly_envs::{Purpose, TaskEnv, seed_stream};

    use super::*;
    use crate::Expert;

    /// Collected in lockstep with the batched forward, the data is what the expert gives acting alone, one
    /// trajectory after another.
    #[test]
    fn lockstep_collection_gives_the_data_of_one_trajectory_at_a_time() {
        let env = TaskEnv::make("Hopper-v4", None).unwrap();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../experts/Hopper-v4.safetensors");
        let mut expert = Expert::load(path, &env).unwrap();
        assert!(expert.batched().is_some(), "the shipped expert has a batched forward");
        let rng = || seed_stream(4, Purpose::TrainData);
        let lockstep = collect(&env, &expert, 9, 300, &mut rng(), 2).unwrap();
        assert_eq!(lockstep.trajectories(), 9);
        assert!(lockstep.len() > 9 * 50, "{} rows", lockstep.len());
        let (mut inputs, mut targets, mut offsets) = (Vec::new(), Vec::new(), vec![0]);
        for state in initial_conditions(&mut env.replicate(), 9, &mut rng()) {
            let mut one = env.replicate();
            one.reset_to(&state).unwrap();
            let mut prev = vec![0.0; env.spec().act_dim];
            rollout_observed(&mut one, &mut expert, 300, |obs, action| {
                inputs.extend(obs.iter().chain(&prev).map(|&x| x as f32));
                targets.extend(action.iter().map(|&a| a as f32));
                prev.copy_from_slice(action);
            })
            .unwrap();
            offsets.push(targets.len() / env.spec().act_dim);
        }
        assert_eq!((lockstep.inputs, lockstep.targets, lockstep.offsets), (inputs, targets, offsets));
    }
}
