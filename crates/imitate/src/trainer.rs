//! The BC trainer: the shared training loop over an imitator [`Learner`] whose minibatch loss is the
//! one-step BC loss and whose judgement is the long-horizon reward J_H of every variant (the raw iterate
//! and every stabilizer) on the same fixed initial conditions. Every evaluation checkpoints, and a
//! resumed run writes the same files as an uninterrupted one.

use std::collections::BTreeMap;
use std::path::Path;

use butterfly_envs::{Env, EnvRng, Purpose, Replicate, TaskEnv, env_rng, evaluate, initial_conditions, seed_stream};
use butterfly_store::{Checkpoint, LogRow, RunDir};
use butterfly_train::{Learner, Run, RunKind, Threads, TrainLoop, TrainRng, TrainingConfig};

use crate::data_stream::DataStream;
use crate::imitator::{Imitator, ImitatorPolicy};
use crate::run_dir::{ExpertRow, IterateRow, Logs, RolloutRow, TRAIN_DATA, VALIDATION_DATA};
use crate::shared_data::{DataKey, shared_collect};
use crate::{BcConfig, Dataset, Expert, ImitateError, collect};

/// Version 3: named scalars, checksums of every tensor, of the data files and of the logs' prefixes
/// (version 2 stored counters by position).
const FORMAT: &str = "butterfly-bc-checkpoint-3";

/// An imitator learning from expert data, judged by its rollouts.
pub struct BcLearner {
    config: BcConfig,
    env: TaskEnv,
    expert: Expert,
    imitator: Imitator,
    train: Dataset,
    validation: Dataset,
    /// Fresh expert trajectories (rolling pool).
    data_rng: EnvRng,
    /// Fresh expert rows, none drawn twice (`data.stream`).
    stream: Option<DataStream>,
    eval_states: Vec<Vec<f64>>,
    logs: Logs,
    /// The run's files whose checksums each checkpoint records: the expert data and the expert's returns.
    run_files: [(&'static str, std::path::PathBuf); 3],
}

impl BcLearner {
    /// An imitator policy over `theta` (input: observation and previous action).
    pub fn policy(&self, theta: &[f32], extra: BTreeMap<String, String>) -> Result<ImitatorPolicy, ImitateError> {
        self.imitator.policy(theta, extra)
    }

    /// Rolls every parameter vector out from every evaluation initial condition.
    fn rollouts(&self, thetas: &[&[f32]]) -> Result<Vec<Vec<butterfly_envs::Episode>>, ImitateError> {
        let policies = thetas.iter().map(|theta| self.policy(theta, BTreeMap::new())).collect::<Result<Vec<_>, _>>()?;
        Ok(evaluate(&self.env, &policies, &self.eval_states, self.config.eval.horizon, self.config.eval.threads)?)
    }

    /// The expert's J_H on the evaluation's initial conditions (`expert.csv`): the yardstick of the
    /// oscillation metrics.
    fn write_expert_returns(&self, run: &RunDir) -> Result<(), ImitateError> {
        let episodes = evaluate(
            &self.env,
            std::slice::from_ref(&self.expert),
            &self.eval_states,
            self.config.eval.horizon,
            self.config.eval.threads,
        )?;
        let mut text = format!("{}\n", ExpertRow::HEADER);
        for (ic, e) in episodes[0].iter().enumerate() {
            text.push_str(&ExpertRow { ic, ret: e.ret, length: e.length }.line());
            text.push('\n');
        }
        Ok(run.write(ExpertRow::FILE, text.as_bytes())?)
    }
}

impl Learner for BcLearner {
    type Error = ImitateError;

    fn minibatch_gradient(
        &mut self,
        theta: &[f32],
        rng: &mut TrainRng,
        grad: &mut [f32],
        accumulate: bool,
    ) -> Result<f64, ImitateError> {
        let batch = self.config.batch_size;
        if let Some(stream) = &mut self.stream {
            let (pool, rows) = stream.draw(batch, rng)?;
            return self.imitator.minibatch_gradient(theta, pool, &rows, rng, grad, accumulate);
        }
        let rows = self.train.draw_rows(batch, rng);
        self.imitator.minibatch_gradient(theta, &self.train, &rows, rng, grad, accumulate)
    }

    fn held_out_loss(&mut self, theta: &[f32]) -> Result<f64, ImitateError> {
        // A copy, so that the scratch buffers of the training minibatches are left as they were.
        self.imitator.clone().loss(theta, &self.validation)
    }

    /// Fresh-data mode: one new expert trajectory replaces the oldest of the pool.
    fn after_update(&mut self, step: u64) -> Result<(), ImitateError> {
        let d = &self.config.data;
        if d.fresh && step.is_multiple_of(d.refresh_every) {
            let fresh = collect(&self.env, &self.expert, 1, d.horizon, &mut self.data_rng, 1)?;
            self.imitator.check_data(&fresh)?;
            self.train.extend(&fresh);
            self.train.drop_front(1);
        }
        Ok(())
    }

    fn evaluate(&mut self, step: u64, variants: &[(&str, &[f32])]) -> Result<Vec<f64>, ImitateError> {
        let thetas: Vec<&[f32]> = variants.iter().map(|(_, theta)| *theta).collect();
        let episodes = self.rollouts(&thetas)?;
        for ((name, _), eps) in variants.iter().zip(&episodes) {
            for (ic, e) in eps.iter().enumerate() {
                let row = RolloutRow { step, variant: name.to_string(), ic, ret: e.ret, length: e.length };
                self.logs.eval.append(&row)?;
            }
        }
        Ok(episodes.iter().map(|eps| eps.iter().map(|e| e.ret).sum::<f64>() / eps.len() as f64).collect())
    }

    fn evaluate_iterates(&mut self, iterates: &[(u64, &str, &[f32])]) -> Result<(), ImitateError> {
        let thetas: Vec<&[f32]> = iterates.iter().map(|(_, _, theta)| *theta).collect();
        let episodes = self.rollouts(&thetas)?;
        for ((step, name, _), eps) in iterates.iter().zip(&episodes) {
            for (ic, e) in eps.iter().enumerate() {
                let row = RolloutRow { step: *step, variant: name.to_string(), ic, ret: e.ret, length: e.length };
                self.logs.iterates.append(&IterateRow(row))?;
            }
        }
        Ok(())
    }

    fn save_state(&self, c: &mut Checkpoint) -> Result<(), ImitateError> {
        c.put_rng("data_rng", &self.data_rng);
        self.logs.record(c)?;
        for (name, path) in &self.run_files {
            c.put_file(name, path)?;
        }
        if self.config.data.fresh {
            c.put_section("pool.", self.train.to_file());
        }
        if let Some(stream) = &self.stream {
            stream.save(c);
        }
        c.set_meta("env", self.env.spec().id);
        Ok(())
    }

    fn load_state(&mut self, c: &Checkpoint) -> Result<(), ImitateError> {
        self.data_rng = c.rng("data_rng")?;
        if self.config.data.fresh {
            let mut pool = c.section("pool.");
            pool.metadata = self.train.to_file().metadata;
            let pool = Dataset::from_file(&pool)?;
            if pool.is_empty() {
                return Err(c.invalid("holds an empty data pool").into());
            }
            self.train = pool;
        }
        if let Some(stream) = &mut self.stream {
            stream.load(c)?;
        }
        Ok(())
    }

    fn cut_back(&mut self) -> Result<(), ImitateError> {
        Ok(self.logs.cut_back()?)
    }

    fn params_meta(&self) -> Vec<(String, String)> {
        vec![("env".into(), self.env.spec().id.into())]
    }
}

/// BC as a kind of run: its config, its checks, and how a fresh run begins or a checkpointed one reopens.
pub struct Bc;

/// A BC run: the shared lifecycle and loop over a [`BcLearner`].
pub type BcTrainer = Run<Bc>;

impl RunKind for Bc {
    type Config = BcConfig;
    type Error = ImitateError;
    /// Gymnasium's `envs/mujoco/assets` directory (None: the default search).
    type Context<'a> = Option<&'a Path>;
    type Checked = (TaskEnv, Expert);
    type Body = TrainLoop<BcLearner>;
    const FORMAT: &'static str = FORMAT;

    fn parse(text: &str, path: &Path) -> Result<BcConfig, ImitateError> {
        BcConfig::parse_run(text, path)
    }

    fn to_toml(config: &BcConfig) -> String {
        config.to_toml()
    }

    fn threads(config: &BcConfig) -> usize {
        config.threads
    }

    fn set_steps(config: &mut BcConfig, steps: u64) {
        config.steps = steps;
    }

    /// The config, the env, the expert, the network, and the memory that the network, the minibatches
    /// and the data need.
    fn check(config: &BcConfig, assets: Option<&Path>) -> Result<(TaskEnv, Expert), ImitateError> {
        config.validate()?;
        let env = TaskEnv::make(&config.env, assets)?;
        let spec = env.spec();
        config.check_fits(spec.obs_dim, spec.act_dim)?;
        let d = &config.data;
        crate::dataset::check_fits(d.trajectories + d.validation_trajectories, d.horizon, spec.obs_dim, spec.act_dim)?;
        let expert = Expert::load(&config.expert, &env)?;
        Ok((env, expert))
    }

    /// The expert data (shared through the cache), the logs and the expert's returns.
    fn begin(
        run: RunDir,
        config: &BcConfig,
        (env, expert): (TaskEnv, Expert),
        threads: Threads,
    ) -> Result<TrainLoop<BcLearner>, ImitateError> {
        let d = &config.data;
        run.make_dir("data")?;
        run.make_dir("checkpoints")?;
        let key = |n, purpose| DataKey::of(&config.env, &config.expert, n, d.horizon, config.data_seed(), purpose);
        let (train, data_rng) =
            shared_collect(&env, &expert, &key(d.trajectories, Purpose::TrainData)?, d.threads, &run.join(TRAIN_DATA))?;
        let validation_key = key(d.validation_trajectories, Purpose::ValidationData)?;
        let (validation, _) = shared_collect(&env, &expert, &validation_key, d.threads, &run.join(VALIDATION_DATA))?;
        let logs = Logs::open(run.path(), None)?;
        let data = (train, validation, data_rng);
        let (learner, theta, rng) = assemble(&run, config.clone(), env, expert, data, logs, &threads)?;
        learner.write_expert_returns(&run)?;
        TrainLoop::fresh(run, config.loop_config(FORMAT, None, threads), learner, theta, rng)
    }

    /// Everything is read and checked (the env, checksums of the data files and the expert's returns, log
    /// positions) before any log is cut back.
    fn reopen(
        run: RunDir,
        config: &BcConfig,
        (env, expert): (TaskEnv, Expert),
        ckpt: &Checkpoint,
        threads: Threads,
    ) -> Result<TrainLoop<BcLearner>, ImitateError> {
        if ckpt.meta("env")? != env.spec().id {
            let what = format!("is a checkpoint of {}, the run is {}", ckpt.meta("env")?, env.spec().id);
            return Err(ckpt.invalid(what).into());
        }
        ckpt.verify_file(TRAIN_DATA, &run.join(TRAIN_DATA))?;
        ckpt.verify_file(VALIDATION_DATA, &run.join(VALIDATION_DATA))?;
        ckpt.verify_file_if_recorded(ExpertRow::FILE, &run.join(ExpertRow::FILE))?;
        let train = Dataset::load(&run.join(TRAIN_DATA))?;
        let validation = Dataset::load(&run.join(VALIDATION_DATA))?;
        let logs = Logs::open(run.path(), Some(ckpt))?;
        let data = (train, validation, env_rng(0));
        let (learner, theta, _) = assemble(&run, config.clone(), env, expert, data, logs, &threads)?;
        TrainLoop::resume(run, config.loop_config(FORMAT, None, threads), learner, theta, ckpt)
    }
}

/// The learner (its network on `threads`) over the training and validation data and the data generator,
/// θ₀ and the generator that drew it (it goes on drawing the minibatches).
fn assemble(
    run: &RunDir,
    config: BcConfig,
    env: TaskEnv,
    expert: Expert,
    (train, validation, data_rng): (Dataset, Dataset, EnvRng),
    logs: Logs,
    threads: &Threads,
) -> Result<(BcLearner, Vec<f32>, TrainRng), ImitateError> {
    let spec = env.spec().clone();
    for (data, file) in [(&train, TRAIN_DATA), (&validation, VALIDATION_DATA)] {
        if data.env != spec.id || data.obs_dim != spec.obs_dim || data.act_dim != spec.act_dim || data.is_empty() {
            return Err(ImitateError::Data {
                path: run.join(file),
                what: format!(
                    "{} rows of {} ({} → {}); the run needs data of {} ({} → {})",
                    data.len(),
                    data.env,
                    data.obs_dim,
                    data.act_dim,
                    spec.id,
                    spec.obs_dim,
                    spec.act_dim
                ),
            });
        }
    }
    let imitator = Imitator::new(&config, &spec, &train)?.with_threads(threads);
    let theta: Vec<f32> = imitator.init_params(&mut seed_stream(config.seed, Purpose::NetworkInit));
    let rng = seed_stream(config.seed, Purpose::Training);
    let eval_states =
        initial_conditions(&mut env.replicate(), config.eval.initial_conditions, &mut env_rng(config.eval.seed));
    let run_files = [TRAIN_DATA, VALIDATION_DATA, ExpertRow::FILE].map(|name| (name, run.join(name)));
    let d = &config.data;
    let stream = d.stream.then(|| {
        let collecting = (d.trajectories, d.horizon, d.threads);
        DataStream::new(env.replicate(), expert.clone(), collecting, train.clone(), data_rng.clone())
    });
    let learner =
        BcLearner { config, env, expert, imitator, train, validation, data_rng, stream, eval_states, logs, run_files };
    Ok((learner, theta, rng))
}
