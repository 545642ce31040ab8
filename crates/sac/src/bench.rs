//! The SAC benchmark behind `butterfly bench sac`: training steps/s (env step + one update) and updates/s
//! at the default network size (batch 256), next to stable-baselines3 on the same thread count.

use std::path::Path;
use std::time::Instant;

use butterfly_envs::bench::median;
use butterfly_envs::reference_python::run_script;
use butterfly_envs::{Env, MujocoEnv, env_rng};
use butterfly_nn::Threads;
use rand::{Rng, SeedableRng};

use crate::{ReplayBuffer, Sac, SacConfig, SacError, SacRng};

const SB3_BENCH: &str = include_str!("../../../bench/sb3_sac.py");
/// Random-action steps that fill the buffer before anything is timed.
const WARM_UP_STEPS: usize = 1000;

/// How much to measure.
#[derive(Debug, Clone)]
pub struct SacBench {
    /// Training steps per measurement.
    pub steps: usize,
    /// Measurements; the median is reported.
    pub repeats: usize,
    /// Threads of both sides.
    pub threads: usize,
    /// The Gymnasium id of the task both sides train on.
    pub env: String,
}

/// Medians over the repeats; stable-baselines3's are None when it was not run.
#[derive(Debug, Clone, Copy)]
pub struct SacRates {
    pub updates_per_s: f64,
    pub update_only_per_s: f64,
    pub sb3_updates_per_s: Option<f64>,
    pub sb3_update_only_per_s: Option<f64>,
}

impl SacBench {
    /// Measures SAC on `env`, and stable-baselines3 with `sb3` (a Python with torch and SB3) when given.
    pub fn measure(&self, mut env: MujocoEnv, sb3: Option<&Path>) -> Result<SacRates, SacError> {
        let (obs_dim, act_dim) = (env.spec().obs_dim, env.spec().act_dim);
        let config = SacConfig::default();
        let mut sac = Sac::new(config.clone(), obs_dim, act_dim, 0, &Threads::new(self.threads)?)?;
        let mut rng = SacRng::seed_from_u64(0);
        let mut buffer = ReplayBuffer::new(config.buffer_size, obs_dim, act_dim);
        env.reset(&mut env_rng(0));
        let mut action = vec![0.0f32; act_dim];
        let mut env_action = vec![0.0f64; act_dim];
        let mut obs32 = vec![0.0f32; obs_dim];
        // One training step: act (random during warm-up), step the env, store, update.
        let mut train_step =
            |sac: &mut Sac, buffer: &mut ReplayBuffer, rng: &mut SacRng, learn: bool| -> Result<(), SacError> {
                let obs = env.observation().to_vec();
                if learn {
                    for (o, &x) in obs32.iter_mut().zip(&obs) {
                        *o = x as f32;
                    }
                    sac.explore(&obs32, rng, &mut action)?;
                } else {
                    action.iter_mut().for_each(|a| *a = rng.random_range(-1.0..=1.0));
                }
                for (e, &a) in env_action.iter_mut().zip(&action) {
                    *e = a as f64;
                }
                let t = env.step(&env_action)?;
                buffer.push(&obs, &action, t.reward, env.observation(), t.terminated);
                if t.terminated || t.truncated {
                    env.reset(rng);
                }
                if learn {
                    sac.update(buffer, rng)?;
                }
                Ok(())
            };
        for _ in 0..WARM_UP_STEPS {
            train_step(&mut sac, &mut buffer, &mut rng, false)?;
        }
        let (mut loop_rates, mut update_rates) = (Vec::new(), Vec::new());
        for _ in 0..self.repeats {
            let start = Instant::now();
            for _ in 0..self.steps {
                train_step(&mut sac, &mut buffer, &mut rng, true)?;
            }
            loop_rates.push(self.steps as f64 / start.elapsed().as_secs_f64());
            let start = Instant::now();
            for _ in 0..self.steps {
                sac.update(&buffer, &mut rng)?;
            }
            update_rates.push(self.steps as f64 / start.elapsed().as_secs_f64());
        }
        let (sb3_updates_per_s, sb3_update_only_per_s) = match sb3 {
            Some(python) => {
                let sb3_steps = (self.steps / 2).max(50).to_string();
                let v = run_script(
                    python,
                    SB3_BENCH,
                    &[sb3_steps, self.repeats.to_string(), self.threads.to_string(), self.env.clone()],
                )?;
                (v["steps_per_s"].as_f64(), v["updates_per_s"].as_f64())
            }
            None => (None, None),
        };
        Ok(SacRates {
            updates_per_s: median(loop_rates),
            update_only_per_s: median(update_rates),
            sb3_updates_per_s,
            sb3_update_only_per_s,
        })
    }
}
