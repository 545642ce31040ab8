//! The training loop: act, store, learn, evaluate, checkpoint; resumable from its run directory.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::time::Instant;

use butterfly_envs::{Env, EnvSpec, Purpose, Replicate, evaluate, initial_conditions, mean_std, seed_stream};
use butterfly_nn::Threads;
use butterfly_policy::MlpPolicy;
use butterfly_store::RunDir;
use rand::Rng;

use crate::logs::{EpisodeRow, EvalRow, Logs, TimingRow};
use crate::{ReplayBuffer, RunConfig, Sac, SacError, SacRng};

/// Progress, reported after every episode and every evaluation.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub step: u64,
    pub episodes: u64,
    /// Mean return of the last 10 training episodes.
    pub recent_return: Option<f64>,
    /// Mean and standard deviation of the last deterministic evaluation.
    pub eval: Option<(f64, f64)>,
    pub steps_per_s: f64,
}

pub struct Trainer<E: Env> {
    pub(crate) env: E,
    pub(crate) spec: EnvSpec,
    pub(crate) sac: Sac,
    pub(crate) buffer: ReplayBuffer,
    pub(crate) rng: SacRng,
    pub(crate) config: RunConfig,
    /// Threads of the parallel evaluation (the updates' are in `sac`).
    threads: usize,
    pub(crate) run: RunDir,
    pub(crate) step: u64,
    pub(crate) episodes: u64,
    pub(crate) episode_return: f64,
    pub(crate) episode_len: usize,
    pub(crate) recent: VecDeque<f64>,
    pub(crate) best_eval: f64,
    eval_states: Vec<Vec<f64>>,
    last_eval: Option<(f64, f64)>,
    checkpoint_due: bool,
    pub(crate) logs: Logs,
}

impl<E: Env + Replicate + Sync> Trainer<E> {
    /// The trainer of a run in `run`, at step 0 (its networks and optimizers on `threads`).
    pub(crate) fn assemble(
        mut env: E,
        config: RunConfig,
        run: RunDir,
        logs: Logs,
        threads: Threads,
    ) -> Result<Self, SacError> {
        let spec = env.spec().clone();
        let sac = Sac::new(config.sac.clone(), spec.obs_dim, spec.act_dim, config.seed, &threads)?;
        let buffer = ReplayBuffer::new(config.sac.buffer_size, spec.obs_dim, spec.act_dim);
        // The evaluation set is drawn from its own seed so that it is the same at every evaluation.
        let eval_states =
            initial_conditions(&mut env, config.eval_episodes, &mut seed_stream(config.seed, Purpose::EvalConditions));
        let mut rng = seed_stream(config.seed, Purpose::Training);
        env.reset(&mut rng);
        Ok(Self {
            env,
            spec,
            sac,
            buffer,
            rng,
            config,
            threads: threads.count(),
            run,
            step: 0,
            episodes: 0,
            episode_return: 0.0,
            episode_len: 0,
            recent: VecDeque::new(),
            best_eval: f64::NEG_INFINITY,
            eval_states,
            last_eval: None,
            checkpoint_due: false,
            logs,
        })
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        self.run.path()
    }

    pub fn spec(&self) -> &EnvSpec {
        &self.spec
    }

    pub fn total_steps(&self) -> u64 {
        self.config.steps
    }

    pub fn step(&self) -> u64 {
        self.step
    }

    pub fn sac(&self) -> &Sac {
        &self.sac
    }

    /// Trains until `config.steps`, calling `on_report` after every episode and evaluation.
    pub fn run(&mut self, mut on_report: impl FnMut(&Report)) -> Result<(), SacError> {
        let start = Instant::now();
        let first_step = self.step;
        let (obs_dim, act_dim) = (self.spec.obs_dim, self.spec.act_dim);
        let mut obs32 = vec![0.0f32; obs_dim];
        let mut action = vec![0.0f32; act_dim];
        let mut env_action = vec![0.0f64; act_dim];
        let (low, high) = (self.spec.action_low.clone(), self.spec.action_high.clone());
        while self.step < self.config.steps {
            let obs: Vec<f64> = self.env.observation().to_vec();
            if self.step < self.sac.config.learning_starts as u64 {
                for a in &mut action {
                    *a = self.rng.random_range(-1.0..=1.0);
                }
            } else {
                for (o, &x) in obs32.iter_mut().zip(&obs) {
                    *o = x as f32;
                }
                self.sac.explore(&obs32, &mut self.rng, &mut action)?;
            }
            for i in 0..act_dim {
                env_action[i] = low[i] + (action[i] as f64 + 1.0) / 2.0 * (high[i] - low[i]);
            }
            let t = self.env.step(&env_action)?;
            self.episode_return += t.reward;
            self.episode_len += 1;
            self.step += 1;
            self.buffer.push(&obs, &action, t.reward, self.env.observation(), t.terminated);
            if self.step > self.sac.config.learning_starts as u64 {
                self.sac.update(&self.buffer, &mut self.rng)?;
            }
            let rate = (self.step - first_step) as f64 / start.elapsed().as_secs_f64();
            if self.config.eval_every > 0 && self.step.is_multiple_of(self.config.eval_every) {
                self.evaluate_and_log(start.elapsed().as_secs_f64(), rate)?;
                on_report(&self.report(rate));
            }
            if self.config.checkpoint_every > 0 && self.step.is_multiple_of(self.config.checkpoint_every) {
                self.checkpoint_due = true;
            }
            if t.terminated || self.episode_len >= self.spec.max_episode_steps {
                self.end_episode()?;
                on_report(&self.report(rate));
                if self.checkpoint_due {
                    self.save_checkpoint()?;
                    self.checkpoint_due = false;
                }
            }
        }
        self.save_checkpoint()?;
        // The last policy, whatever the evaluation cadence (with eval_every = 0 it is the only one).
        self.policy(BTreeMap::new())?.save(&self.run.join("policies/final.safetensors"))?;
        Ok(())
    }

    fn report(&self, steps_per_s: f64) -> Report {
        let recent = (!self.recent.is_empty()).then(|| self.recent.iter().sum::<f64>() / self.recent.len() as f64);
        Report { step: self.step, episodes: self.episodes, recent_return: recent, eval: self.last_eval, steps_per_s }
    }

    fn end_episode(&mut self) -> Result<(), SacError> {
        self.episodes += 1;
        self.logs.episodes.append(&EpisodeRow {
            step: self.step,
            ret: self.episode_return,
            length: self.episode_len,
        })?;
        self.logs.events.scalar(self.step, "train/episode_return", self.episode_return)?;
        self.recent.push_back(self.episode_return);
        if self.recent.len() > 10 {
            self.recent.pop_front();
        }
        self.episode_return = 0.0;
        self.episode_len = 0;
        self.env.reset(&mut self.rng);
        Ok(())
    }

    /// The deterministic policy of the current actor, with provenance in its metadata.
    pub fn policy(&self, extra: BTreeMap<String, String>) -> Result<MlpPolicy, SacError> {
        let mut meta = BTreeMap::from([
            ("training_steps".to_string(), self.step.to_string()),
            ("seed".to_string(), self.config.seed.to_string()),
            ("trainer".to_string(), "butterfly SAC".to_string()),
        ]);
        meta.extend(extra);
        self.sac.deterministic_policy(&self.spec, meta)
    }

    /// Mean and std of the deterministic policy's return over the fixed evaluation set, plus the
    /// returns and episode lengths themselves.
    pub fn evaluate(&self) -> Result<(f64, f64, Vec<f64>, Vec<usize>), SacError> {
        let policy = self.policy(BTreeMap::new())?;
        let episodes = evaluate(&self.env, &[policy], &self.eval_states, self.spec.max_episode_steps, self.threads)?;
        let returns: Vec<f64> = episodes[0].iter().map(|e| e.ret).collect();
        let lengths: Vec<usize> = episodes[0].iter().map(|e| e.length).collect();
        let (mean, std) = mean_std(&returns);
        Ok((mean, std, returns, lengths))
    }

    fn evaluate_and_log(&mut self, elapsed: f64, rate: f64) -> Result<(), SacError> {
        let (mean, std, returns, lengths) = self.evaluate()?;
        let min = returns.iter().copied().fold(f64::INFINITY, f64::min);
        let max = returns.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean_len = lengths.iter().sum::<usize>() as f64 / lengths.len().max(1) as f64;
        let step = self.step;
        let row = EvalRow {
            step,
            mean_return: mean,
            std_return: std,
            min_return: min,
            max_return: max,
            mean_length: mean_len,
        };
        self.logs.eval.append(&row)?;
        self.logs.timing.append(&TimingRow { step, elapsed_s: elapsed, steps_per_s: rate })?;
        self.logs.events.scalar(step, "eval/mean_return", mean)?;
        self.logs.events.scalar(step, "eval/std_return", std)?;
        self.logs.events.scalar(step, "perf/steps_per_s", rate)?;
        self.last_eval = Some((mean, std));
        let extra = BTreeMap::from([
            ("eval_return_mean".to_string(), format!("{mean:.2}")),
            ("eval_return_std".to_string(), format!("{std:.2}")),
            ("eval_episodes".to_string(), returns.len().to_string()),
        ]);
        let policy = self.policy(extra)?;
        let dir = self.run.join("policies");
        policy.save(&dir.join(format!("step_{:08}.safetensors", self.step)))?;
        if mean > self.best_eval {
            self.best_eval = mean;
            policy.save(&dir.join("best.safetensors"))?;
        }
        Ok(())
    }
}
