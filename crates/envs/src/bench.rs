//! The env-step benchmark behind `butterfly bench env`: how close each task's step comes to the raw
//! physics (`mj_step` × frame_skip on the same model and thread), vectorized throughput, and Gymnasium's
//! step on the same workload.

use std::path::Path;
use std::time::Instant;

use rand::Rng;
use serde::Serialize;

use crate::reference_python::run_script;
use crate::{Env, EnvError, MujocoEnv, Replicate, Transition, VecEnv, env_rng};

const GYM_BENCH: &str = include_str!("../../../bench/gym_env_bench.py");
/// Steps between restarts from the start state (the truncation length).
const EPISODE: usize = 1000;

/// How much to measure: the same settings for every task.
#[derive(Debug, Clone)]
pub struct EnvBench {
    /// Length of the random action sequence.
    pub steps: usize,
    /// Minimum duration of one measurement (the action sequence is cycled until then).
    pub seconds: f64,
    /// Measurements per figure; the median is reported.
    pub repeats: usize,
    /// Threads of the vectorized measurement.
    pub threads: usize,
    /// Environments in the vectorized measurement.
    pub vector_envs: usize,
}

/// One task's figures, in steps per second (medians over the repeats).
#[derive(Debug, Clone, Serialize)]
pub struct EnvRates {
    pub env: String,
    pub env_steps_per_s: f64,
    pub raw_limit_steps_per_s: f64,
    pub vector_steps_per_s: f64,
    /// The same vectorized workload on one thread: the base of the parallel speedup.
    pub vector_1thread_steps_per_s: f64,
    pub gymnasium_steps_per_s: Option<f64>,
}

/// One task's workload: a start state and uniformly random actions within the control range.
struct Workload {
    start: Vec<f64>,
    /// qpos entries at the front of `start`.
    nq: usize,
    actions: Vec<Vec<f64>>,
}

impl EnvBench {
    /// Measures `env`, and Gymnasium's step of the same task with `gymnasium` (a Python) when given.
    pub fn measure(&self, env: &mut MujocoEnv, gymnasium: Option<&Path>) -> Result<EnvRates, EnvError> {
        let work = workload(env, self.steps);
        let (mut ours, mut raw, mut vector, mut vector_1) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // Interleaved, so that a slow spell of the machine touches every figure alike.
        for _ in 0..self.repeats {
            ours.push(env_rate(env, &work, self.seconds)?);
            raw.push(raw_rate(env, &work, self.seconds)?);
            vector.push(vector_rate(env, &work, self.vector_envs, self.threads, self.seconds)?);
            vector_1.push(vector_rate(env, &work, self.vector_envs, 1, self.seconds)?);
        }
        let gymnasium_steps_per_s = match gymnasium {
            Some(python) => Some(self.gym_rate(python, env.spec().id, &work)?),
            None => None,
        };
        Ok(EnvRates {
            env: env.spec().id.to_string(),
            env_steps_per_s: median(ours),
            raw_limit_steps_per_s: median(raw),
            vector_steps_per_s: median(vector),
            vector_1thread_steps_per_s: median(vector_1),
            gymnasium_steps_per_s,
        })
    }

    /// Gymnasium's steps/s on `work`, measured by `bench/gym_env_bench.py` (its median over the repeats).
    fn gym_rate(&self, python: &Path, id: &str, work: &Workload) -> Result<f64, EnvError> {
        let (qpos, qvel) = work.start.split_at(work.nq);
        let spec = serde_json::json!({
            "env": id, "qpos": qpos, "qvel": qvel, "actions": work.actions,
            "repeats": self.repeats, "seconds": self.seconds,
        });
        let path = std::env::temp_dir().join(format!("butterfly-bench-env-{}.json", std::process::id()));
        std::fs::write(&path, spec.to_string()).map_err(|source| EnvError::Write { path: path.clone(), source })?;
        let out = run_script(python, GYM_BENCH, &[path.display().to_string()]);
        let _ = std::fs::remove_file(&path);
        out?["steps_per_s"]
            .as_f64()
            .ok_or_else(|| EnvError::ReferenceOutput("the Gymnasium benchmark printed no steps_per_s".into()))
    }
}

/// Median of a non-empty sample (mean of the middle two for even sizes); every benchmark reports it, and
/// this crate is the lowest of them.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

fn workload(env: &mut MujocoEnv, steps: usize) -> Workload {
    let mut rng = env_rng(0);
    env.reset(&mut rng);
    let spec = env.spec().clone();
    let actions = (0..steps)
        .map(|_| (0..spec.act_dim).map(|i| rng.random_range(spec.action_low[i]..=spec.action_high[i])).collect())
        .collect();
    Workload { start: env.state(), nq: env.model().ffi().nq as usize, actions }
}

/// Steps/s of `step(i, action)` cycled over the workload's actions for at least `seconds`, restarting
/// from the start state every episode.
fn timed(
    env: &mut MujocoEnv,
    work: &Workload,
    seconds: f64,
    mut step: impl FnMut(&mut MujocoEnv, &[f64]) -> Result<(), EnvError>,
) -> Result<f64, EnvError> {
    env.reset_to(&work.start)?;
    let start = Instant::now();
    let mut steps = 0usize;
    loop {
        for action in &work.actions {
            if steps > 0 && steps.is_multiple_of(EPISODE) {
                env.reset_to(&work.start)?;
            }
            step(env, action)?;
            steps += 1;
        }
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= seconds {
            return Ok(steps as f64 / elapsed);
        }
    }
}

fn env_rate(env: &mut MujocoEnv, work: &Workload, seconds: f64) -> Result<f64, EnvError> {
    timed(env, work, seconds, |env, action| {
        std::hint::black_box(env.step(action)?);
        Ok(())
    })
}

fn raw_rate(env: &mut MujocoEnv, work: &Workload, seconds: f64) -> Result<f64, EnvError> {
    let frame_skip = env.frame_skip();
    timed(env, work, seconds, |env, action| {
        let data = env.data_mut();
        data.ctrl_mut().copy_from_slice(action);
        for _ in 0..frame_skip {
            data.step();
        }
        Ok(())
    })
}

/// Total env steps/s of `n` envs on `threads` threads; each env walks the action list from its own offset.
/// Runs for at least `seconds`; every thread count sees the same kind of work.
fn vector_rate(env: &MujocoEnv, work: &Workload, n: usize, threads: usize, seconds: f64) -> Result<f64, EnvError> {
    let mut envs = VecEnv::new((0..n).map(|_| env.replicate()).collect(), threads)?;
    for e in envs.envs_mut() {
        e.reset_to(&work.start)?;
    }
    let act_dim = env.spec().act_dim;
    let mut actions = vec![0.0; n * act_dim];
    let mut out = vec![Transition { reward: 0.0, terms: Default::default(), terminated: false, truncated: false }; n];
    let start = Instant::now();
    let mut t = 0;
    while start.elapsed().as_secs_f64() < seconds {
        for (i, chunk) in actions.chunks_mut(act_dim).enumerate() {
            chunk.copy_from_slice(&work.actions[(t + i * 97) % work.actions.len()]);
        }
        envs.step(&actions, &mut out)?;
        for (e, o) in envs.envs_mut().iter_mut().zip(&out) {
            if o.truncated {
                e.reset_to(&work.start)?;
            }
        }
        t += 1;
    }
    Ok((t * n) as f64 / start.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_the_middle() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
