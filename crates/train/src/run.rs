//! One run lifecycle for every trainer (BC imitators and language models on the shared loop, SAC on its
//! own step loop): check everything that can be checked, claim or open the run directory, begin a fresh
//! run or reopen it from its checkpoint, on the run's one [`Threads`] value. A kind of run says only what
//! differs ([`RunKind`]); [`Run`] does the rest, the same way for all. A run dropped before its first
//! checkpoint removes what it made (`RunDir`'s drop), whatever failed.
//!
//! The resume rule, one for all: a run resumes with the config it started with, except its length.
//! `create` on a directory holding a run of the same config continues it; of another config, refuses;
//! `resume` reads the stored config, may change its `steps` (rewriting `config.toml`), and the checkpoint
//! refuses any other edit since (naming the changed keys).

use std::ops::{Deref, DerefMut};
use std::path::Path;

use butterfly_nn::Threads;
use butterfly_store::{Checkpoint, RunDir, Start, StoreError, run_dir::CONFIG};

use crate::TrainError;

/// What one kind of run brings to the lifecycle.
pub trait RunKind {
    type Config;
    type Error: From<TrainError> + From<StoreError>;
    /// What a run needs from its caller besides the config (where the env's model files are; SAC's env).
    type Context<'a>;
    /// What checking the config produced, handed on to `begin` or `reopen` (an env and expert, data).
    type Checked;
    /// What trains: the shared loop over a learner, or a trainer's own step loop.
    type Body;
    /// The checkpoint format, e.g. `butterfly-bc-checkpoint-3`.
    const FORMAT: &'static str;

    /// The stored config of a run (errors name `path`).
    fn parse(text: &str, path: &Path) -> Result<Self::Config, Self::Error>;
    fn to_toml(config: &Self::Config) -> String;
    /// The threads the run computes on (its `threads` key): built once by [`Run`] and handed down.
    fn threads(config: &Self::Config) -> usize;
    /// The run's length, the one key a resume may change.
    fn set_steps(config: &mut Self::Config, steps: u64);
    /// Everything that can be checked before the directory is made.
    fn check(config: &Self::Config, context: Self::Context<'_>) -> Result<Self::Checked, Self::Error>;
    /// A fresh run: its files, and its body with the checkpoint at step 0 written (from then on it can
    /// always be resumed).
    fn begin(
        run: RunDir,
        config: &Self::Config,
        checked: Self::Checked,
        threads: Threads,
    ) -> Result<Self::Body, Self::Error>;
    /// A run continued from `checkpoint`: everything read and checked before any log is cut back to it.
    fn reopen(
        run: RunDir,
        config: &Self::Config,
        checked: Self::Checked,
        checkpoint: &Checkpoint,
        threads: Threads,
    ) -> Result<Self::Body, Self::Error>;
}

/// A run of kind `K`: its config and what trains (reached through `Deref`: `run.step()`, `run.run(…)`).
pub struct Run<K: RunKind> {
    body: K::Body,
    config: K::Config,
}

impl<K: RunKind> Run<K> {
    /// Starts a run of `config` in `dir` (new or empty), or continues the run of the same config there;
    /// refuses anything else. Everything that can be checked is checked before the directory is made.
    pub fn create(config: K::Config, dir: &Path, context: K::Context<'_>) -> Result<Self, K::Error> {
        let checked = K::check(&config, context)?;
        let (run, start) = RunDir::claim(dir, &K::to_toml(&config))?;
        Self::start(run, start, config, checked)
    }

    /// Continues the run in `dir` from its checkpoint (logs cut back to it first), or from nothing when
    /// it died before its first one; `steps` changes its length.
    pub fn resume(dir: &Path, context: K::Context<'_>, steps: Option<u64>) -> Result<Self, K::Error> {
        let (mut run, text, start) = RunDir::open(dir)?;
        let mut config = K::parse(&text, &run.join(CONFIG))?;
        if let Some(steps) = steps {
            if let Some(at) = run.checkpoint_step()?.filter(|&at| at > steps) {
                let what = format!("was checkpointed at step {at}: it cannot be shortened to {steps} steps");
                return Err(StoreError::RunDir { path: dir.to_path_buf(), what }.into());
            }
            K::set_steps(&mut config, steps);
        }
        let checked = K::check(&config, context)?;
        let resolved = K::to_toml(&config);
        if resolved != text {
            run.rewrite_config(&resolved)?;
        }
        Self::start(run, start, config, checked)
    }

    fn start(run: RunDir, start: Start, config: K::Config, checked: K::Checked) -> Result<Self, K::Error> {
        // The run's one thread value: its networks, optimizer and stabilizers share its helper thread.
        let threads = Threads::new(K::threads(&config)).map_err(TrainError::from)?;
        let body = match start {
            Start::Checkpointed => {
                let checkpoint = run.load_checkpoint(K::FORMAT)?;
                K::reopen(run, &config, checked, &checkpoint, threads)?
            }
            Start::Fresh => K::begin(run, &config, checked, threads)?,
        };
        Ok(Self { body, config })
    }

    pub fn config(&self) -> &K::Config {
        &self.config
    }
}

impl<K: RunKind> Deref for Run<K> {
    type Target = K::Body;

    fn deref(&self) -> &K::Body {
        &self.body
    }
}

impl<K: RunKind> DerefMut for Run<K> {
    fn deref_mut(&mut self) -> &mut K::Body {
        &mut self.body
    }
}
