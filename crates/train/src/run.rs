//! One run lifecycle for every trainer on the shared loop (BC imitators, language models): check
//! everything that can be checked, claim or open the run directory, begin a fresh run (removing what it
//! made if that fails) or reopen it from its checkpoint, then train. A kind of run says only what differs
//! ([`RunKind`]); [`Run`] does the rest, the same way for all.
//!
//! The resume rule, one for all: a run resumes with the config it started with. `create` on a directory
//! holding a run of the same config continues it; of another config, refuses; `resume` reads the stored
//! config, and the checkpoint refuses it if it was edited since (naming the changed keys).

use std::path::Path;

use butterfly_nn::Threads;
use butterfly_store::{Checkpoint, RunDir, Start, StoreError, run_dir::CONFIG};

use crate::{Ema, Learner, LoopConfig, Progress, TrainError, TrainLoop, TrainRng};

/// What one kind of run brings to the lifecycle.
pub trait RunKind {
    type Config;
    type Learner: Learner<Error = Self::Error>;
    type Error: From<TrainError> + From<StoreError>;
    /// What a run needs from its caller besides the config (e.g. where the env's model files are).
    type Context<'a>: Copy;
    /// What checking the config produced, handed on to `begin` or `reopen` (an env and expert, data).
    type Checked;
    /// The checkpoint format, e.g. `butterfly-bc-checkpoint-3`.
    const FORMAT: &'static str;

    /// The stored config of a run (errors name `path`).
    fn parse(text: &str, path: &Path) -> Result<Self::Config, Self::Error>;
    fn to_toml(config: &Self::Config) -> String;
    /// The threads the run computes on (its `threads` key): built once by [`Run`] and handed down.
    fn threads(config: &Self::Config) -> usize;
    /// Everything that can be checked before the directory is made.
    fn check(config: &Self::Config, context: Self::Context<'_>) -> Result<Self::Checked, Self::Error>;
    /// A fresh run's files and learner (its networks on `threads`), θ₀ and the generator that drew it;
    /// on failure the run's directory is discarded.
    fn begin(
        run: &RunDir,
        config: &Self::Config,
        checked: Self::Checked,
        threads: &Threads,
    ) -> Result<(Self::Learner, Vec<f32>, TrainRng), Self::Error>;
    /// The learner of a run continued from `checkpoint` (read and checked, no file touched), and a θ of
    /// the right size.
    fn reopen(
        run: &RunDir,
        config: &Self::Config,
        checked: Self::Checked,
        checkpoint: &Checkpoint,
        threads: &Threads,
    ) -> Result<(Self::Learner, Vec<f32>), Self::Error>;
    /// What the shared loop needs of the config; its optimizer and stabilizers compute on `threads`.
    fn loop_config(config: &Self::Config, learner: &Self::Learner, threads: Threads) -> LoopConfig;
}

/// A run of kind `K`: its config and the training loop over its learner.
pub struct Run<K: RunKind> {
    inner: TrainLoop<K::Learner>,
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
    /// it died before its first one.
    pub fn resume(dir: &Path, context: K::Context<'_>) -> Result<Self, K::Error> {
        let (run, text, start) = RunDir::open(dir)?;
        let config = K::parse(&text, &run.join(CONFIG))?;
        let checked = K::check(&config, context)?;
        Self::start(run, start, config, checked)
    }

    fn start(run: RunDir, start: Start, config: K::Config, checked: K::Checked) -> Result<Self, K::Error> {
        // The run's one thread value: its networks, optimizer and stabilizers share its helper thread.
        let threads = Threads::new(K::threads(&config)).map_err(TrainError::from)?;
        let inner = match start {
            Start::Checkpointed => {
                let checkpoint = TrainLoop::<K::Learner>::checkpoint(&run, K::FORMAT)?;
                let (learner, theta) = K::reopen(&run, &config, checked, &checkpoint, &threads)?;
                TrainLoop::resume(run, K::loop_config(&config, &learner, threads), learner, theta, &checkpoint)?
            }
            Start::Fresh => match K::begin(&run, &config, checked, &threads) {
                Ok((learner, theta, rng)) => {
                    TrainLoop::fresh(run, K::loop_config(&config, &learner, threads), learner, theta, rng)?
                }
                Err(e) => {
                    run.discard();
                    return Err(e);
                }
            },
        };
        Ok(Self { inner, config })
    }

    pub fn config(&self) -> &K::Config {
        &self.config
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        self.inner.run_dir().path()
    }

    pub fn step(&self) -> u64 {
        self.inner.step()
    }

    pub fn total_steps(&self) -> u64 {
        self.inner.total_steps()
    }

    /// The headline number of each variant (raw first) at the last evaluation of this session.
    pub fn last_eval(&self) -> &[(String, f64)] {
        self.inner.last_eval()
    }

    pub fn theta(&self) -> &[f32] {
        self.inner.theta()
    }

    pub fn stabilizers(&self) -> &[Ema] {
        self.inner.stabilizers()
    }

    pub fn learner(&self) -> &K::Learner {
        &self.inner.learner
    }

    /// Trains to the config's `steps`, or to `stop_at` when given (a shorter run that can be resumed).
    pub fn run(&mut self, stop_at: Option<u64>, on_progress: impl FnMut(&Progress)) -> Result<(), K::Error> {
        self.inner.run(stop_at, on_progress)
    }
}
