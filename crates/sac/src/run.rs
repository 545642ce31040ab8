//! SAC as a kind of run: the shared lifecycle (`butterfly_train::Run`) around SAC's own step loop, so
//! claiming, locking, resuming (with the one resume rule), discarding a run that failed before its first
//! checkpoint and the run's threads work as for every other trainer.

use std::marker::PhantomData;
use std::path::Path;

use butterfly_envs::{Env, Replicate};
use butterfly_nn::Threads;
use butterfly_store::{Checkpoint, RunDir};
use butterfly_train::{Run, RunKind};

use crate::logs::Logs;
use crate::{RunConfig, SacError, Trainer};

/// SAC on env type `E`.
pub struct SacRun<E>(PhantomData<E>);

/// A SAC run: `SacTrainer::create(config, dir, env)`, `SacTrainer::resume(dir, env, steps)`; the trainer
/// itself through `Deref`.
pub type SacTrainer<E> = Run<SacRun<E>>;

impl<E: Env + Replicate + Sync> RunKind for SacRun<E> {
    type Config = RunConfig;
    type Error = SacError;
    /// The env the run trains on (the config's task).
    type Context<'a> = E;
    type Checked = E;
    type Body = Trainer<E>;
    const FORMAT: &'static str = crate::checkpoint::FORMAT;

    fn parse(text: &str, path: &Path) -> Result<RunConfig, SacError> {
        toml::from_str(text)
            .map_err(|e| SacError::Config(format!("{}: {}", path.display(), butterfly_train::toml_error(&e, text))))
    }

    fn to_toml(config: &RunConfig) -> String {
        config.to_toml()
    }

    fn threads(config: &RunConfig) -> usize {
        config.threads
    }

    fn set_steps(config: &mut RunConfig, steps: u64) {
        config.steps = steps;
    }

    /// The env is the config's, the config is valid (memory included).
    fn check(config: &RunConfig, env: E) -> Result<E, SacError> {
        let spec = env.spec();
        if spec.id != config.env {
            return Err(SacError::Config(format!("the run is of {}, the env given is {}", config.env, spec.id)));
        }
        butterfly_store::threads::check_threads("threads", config.threads)?;
        config.validate(spec.obs_dim, spec.act_dim)?;
        Ok(env)
    }

    fn begin(run: RunDir, config: &RunConfig, env: E, threads: Threads) -> Result<Trainer<E>, SacError> {
        run.make_dir("checkpoints")?;
        run.make_dir("policies")?;
        let logs = Logs::open(run.path(), None)?;
        let trainer = Trainer::assemble(env, config.clone(), run, logs, threads)?;
        // A checkpoint at step 0 (an episode start): from here on the run can always be resumed.
        trainer.save_checkpoint()?;
        Ok(trainer)
    }

    fn reopen(
        run: RunDir,
        config: &RunConfig,
        env: E,
        checkpoint: &Checkpoint,
        threads: Threads,
    ) -> Result<Trainer<E>, SacError> {
        checkpoint.check_config(run.config_text(), &run.join(butterfly_store::run_dir::CONFIG))?;
        let logs = Logs::open(run.path(), Some(checkpoint))?;
        let mut trainer = Trainer::assemble(env, config.clone(), run, logs, threads)?;
        trainer.restore(checkpoint)?;
        trainer.logs.cut_back()?;
        Ok(trainer)
    }
}
