//! The training loop: act, store, learn, evaluate, checkpoint; resumable from its run directory.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Instant;

use butterfly_envs::{Env, EnvSpec, Replicate, evaluate, initial_conditions, mean_std};
use butterfly_policy::MlpPolicy;
use butterfly_store::CsvLog;
use rand::{Rng, SeedableRng};

use crate::{ReplayBuffer, Sac, SacConfig, SacError, SacRng};

/// How long to train and how to watch it.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub total_steps: u64,
    pub seed: u64,
    /// Deterministic evaluation every this many env steps (0: never).
    pub eval_every: u64,
    pub eval_episodes: usize,
    /// A checkpoint is due every this many steps and taken at the next episode start.
    pub checkpoint_every: u64,
    /// Threads of the parallel evaluation.
    pub threads: usize,
    pub out_dir: PathBuf,
}

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
    pub(crate) options: TrainOptions,
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

/// The append-only CSV logs of a run (`timing.csv` holds the wall-clock figures, so that the other two
/// are identical between runs with the same seed).
pub(crate) struct Logs {
    pub(crate) episodes: CsvLog,
    pub(crate) eval: CsvLog,
    pub(crate) timing: CsvLog,
}

const LOG_FILES: [(&str, &str); 3] = [
    ("episodes.csv", "step,return,length"),
    ("eval.csv", "step,mean_return,std_return,min_return,max_return,mean_length"),
    ("timing.csv", "step,elapsed_s,steps_per_s"),
];

impl Logs {
    /// New logs with their headers, or (with the lengths a checkpoint recorded) the existing ones cut back.
    pub(crate) fn open(dir: &Path, lengths: Option<[u64; 3]>) -> Result<Self, SacError> {
        let mut logs = LOG_FILES.iter().enumerate().map(|(k, (name, header))| match lengths {
            Some(lens) => CsvLog::resume(&dir.join(name), lens[k]),
            None => CsvLog::create(&dir.join(name), header),
        });
        let mut next = || logs.next().expect("three logs");
        Ok(Self { episodes: next()?, eval: next()?, timing: next()? })
    }

    pub(crate) fn lengths(&self) -> Result<[u64; 3], SacError> {
        Ok([self.episodes.len()?, self.eval.len()?, self.timing.len()?])
    }
}

impl<E: Env + Replicate + Sync> Trainer<E> {
    /// Starts a new run in `options.out_dir` (created; existing logs there are replaced).
    pub fn new(env: E, config: SacConfig, options: TrainOptions) -> Result<Self, SacError> {
        let dir = &options.out_dir;
        for sub in ["", "checkpoints", "policies"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(|source| SacError::Io { path: dir.join(sub), source })?;
        }
        let logs = Logs::open(dir, None)?;
        Self::assemble(env, config, options, logs)
    }

    /// Continues the run in `options.out_dir` from its latest checkpoint.
    pub fn resume(env: E, config: SacConfig, options: TrainOptions) -> Result<Self, SacError> {
        let path = Self::checkpoint_path(&options.out_dir);
        let file = butterfly_store::TensorFile::load(&path)?;
        let lengths = crate::checkpoint::log_lengths(&file)?;
        let logs = Logs::open(&options.out_dir, Some(lengths))?;
        let mut trainer = Self::assemble(env, config, options, logs)?;
        trainer.restore(&file)?;
        Ok(trainer)
    }

    pub(crate) fn checkpoint_path(dir: &Path) -> PathBuf {
        dir.join("checkpoints/latest.safetensors")
    }

    fn assemble(mut env: E, config: SacConfig, options: TrainOptions, logs: Logs) -> Result<Self, SacError> {
        let spec = env.spec().clone();
        let sac = Sac::new(config.clone(), spec.obs_dim, spec.act_dim, options.seed)?;
        let buffer = ReplayBuffer::new(config.buffer_size, spec.obs_dim, spec.act_dim);
        // The evaluation set is drawn from its own seed so that it is the same at every evaluation.
        let eval_states =
            initial_conditions(&mut env, options.eval_episodes, &mut SacRng::seed_from_u64(options.seed ^ 0xe7a1));
        let mut rng = SacRng::seed_from_u64(options.seed);
        env.reset(&mut rng);
        Ok(Self {
            env,
            spec,
            sac,
            buffer,
            rng,
            options,
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

    pub fn step(&self) -> u64 {
        self.step
    }

    pub fn sac(&self) -> &Sac {
        &self.sac
    }

    /// Trains until `options.total_steps`, calling `on_report` after every episode and evaluation.
    pub fn run(&mut self, mut on_report: impl FnMut(&Report)) -> Result<(), SacError> {
        let start = Instant::now();
        let first_step = self.step;
        let (obs_dim, act_dim) = (self.spec.obs_dim, self.spec.act_dim);
        let mut obs32 = vec![0.0f32; obs_dim];
        let mut action = vec![0.0f32; act_dim];
        let mut env_action = vec![0.0f64; act_dim];
        let (low, high) = (self.spec.action_low.clone(), self.spec.action_high.clone());
        while self.step < self.options.total_steps {
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
            if self.options.eval_every > 0 && self.step.is_multiple_of(self.options.eval_every) {
                self.evaluate_and_log(start.elapsed().as_secs_f64(), rate)?;
                on_report(&self.report(rate));
            }
            if self.options.checkpoint_every > 0 && self.step.is_multiple_of(self.options.checkpoint_every) {
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
        self.save_checkpoint()
    }

    fn report(&self, steps_per_s: f64) -> Report {
        let recent = (!self.recent.is_empty()).then(|| self.recent.iter().sum::<f64>() / self.recent.len() as f64);
        Report { step: self.step, episodes: self.episodes, recent_return: recent, eval: self.last_eval, steps_per_s }
    }

    fn end_episode(&mut self) -> Result<(), SacError> {
        self.episodes += 1;
        self.logs.episodes.row(&format!("{},{:?},{}", self.step, self.episode_return, self.episode_len))?;
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
            ("seed".to_string(), self.options.seed.to_string()),
            ("trainer".to_string(), "butterfly SAC".to_string()),
        ]);
        meta.extend(extra);
        self.sac.deterministic_policy(&self.spec, meta)
    }

    /// Mean and std of the deterministic policy's return over the fixed evaluation set, plus the
    /// returns and episode lengths themselves.
    pub fn evaluate(&self) -> Result<(f64, f64, Vec<f64>, Vec<usize>), SacError> {
        let policy = self.policy(BTreeMap::new())?;
        let episodes =
            evaluate(&self.env, &[policy], &self.eval_states, self.spec.max_episode_steps, self.options.threads)?;
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
        self.logs.eval.row(&format!("{},{mean:?},{std:?},{min:?},{max:?},{mean_len:?}", self.step))?;
        self.logs.timing.row(&format!("{},{elapsed:.3},{rate:.2}", self.step))?;
        self.last_eval = Some((mean, std));
        let extra = BTreeMap::from([
            ("eval_return_mean".to_string(), format!("{mean:.2}")),
            ("eval_return_std".to_string(), format!("{std:.2}")),
            ("eval_episodes".to_string(), returns.len().to_string()),
        ]);
        let policy = self.policy(extra)?;
        let dir = self.options.out_dir.join("policies");
        policy.save(&dir.join(format!("step_{:08}.safetensors", self.step)))?;
        if mean > self.best_eval {
            self.best_eval = mean;
            policy.save(&dir.join("best.safetensors"))?;
        }
        Ok(())
    }
}
