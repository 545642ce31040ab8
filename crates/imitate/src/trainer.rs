//! The BC trainer: the shared training loop over an imitator [`Learner`] whose minibatch loss is the
//! one-step BC loss and whose judgement is the long-horizon reward J_H of every variant (the raw iterate
//! and every stabilizer) on the same fixed initial conditions. Every evaluation checkpoints, and a
//! resumed run writes the same files as an uninterrupted one.

use std::collections::BTreeMap;
use std::path::Path;

use butterfly_envs::{Env, EnvRng, Purpose, Replicate, TaskEnv, env_rng, evaluate, initial_conditions, seed_stream};
use butterfly_store::{Checkpoint, LogRow, RunDir};
use butterfly_train::{Learner, Rows, Run, RunKind, Threads, TrainLoop, TrainRng, TrainingConfig};

use crate::data_stream::DataStream;
use crate::imitator::{Imitator, ImitatorPolicy};
use crate::run_dir::{ExpertRow, IterateRow, Logs, RolloutRow, TRAIN_DATA, VALIDATION_DATA};
use crate::shared_data::{DataKey, shared_collect};
use crate::{BcConfig, Dataset, Expert, ImitateError, collect, minari_data};

/// Version 3: named scalars, checksums of every tensor, of the data files and of the logs' prefixes
/// (version 2 stored counters by position).
const FORMAT: &str = "butterfly-bc-checkpoint-3";

/// A BC run's judgement of parameter vectors: J_H from its fixed initial conditions over its horizon, and
/// the BC loss on its validation data. Training judges its variants with it, and `butterfly stabilize`
/// the averages chosen after training ([`BcJudge::open`]).
pub struct BcJudge {
    config: BcConfig,
    env: TaskEnv,
    imitator: Imitator,
    validation: Dataset,
    eval_states: Vec<Vec<f64>>,
}

impl BcJudge {
    /// The judge of a run of `config` whose imitator is fitted to `train` (its input statistics), on `threads`.
    fn new(
        run: &Path,
        config: BcConfig,
        env: TaskEnv,
        (train, validation): (&Dataset, Dataset),
        threads: &Threads,
    ) -> Result<Self, ImitateError> {
        let spec = env.spec().clone();
        for (data, file) in [(train, TRAIN_DATA), (&validation, VALIDATION_DATA)] {
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
        let imitator = Imitator::new(&config, &spec, train)?.with_threads(threads);
        let eval_states =
            initial_conditions(&mut env.replicate(), config.eval.initial_conditions, &mut env_rng(config.eval.seed));
        Ok(Self { config, env, imitator, validation, eval_states })
    }

    /// The judge of the BC run in `dir`, from its config and data files (checked against its checkpoint).
    pub fn open(dir: &Path, assets: Option<&Path>) -> Result<Self, ImitateError> {
        let config = BcConfig::of_run(dir)?;
        let env = TaskEnv::make(&config.env, assets)?;
        for file in [TRAIN_DATA, VALIDATION_DATA] {
            Checkpoint::verify_run_file(dir, file)?;
        }
        let (train, validation) = (Dataset::load(&dir.join(TRAIN_DATA))?, Dataset::load(&dir.join(VALIDATION_DATA))?);
        let threads = Threads::new(config.threads)?;
        Self::new(dir, config, env, (&train, validation), &threads)
    }

    /// The rollout rows of every variant from every evaluation initial condition, at `step`, variant by variant.
    fn rollouts(&self, step: u64, variants: &[(&str, &[f32])]) -> Result<Vec<Vec<RolloutRow>>, ImitateError> {
        let policies = variants
            .iter()
            .map(|(_, theta)| self.imitator.policy(theta, BTreeMap::new()))
            .collect::<Result<Vec<_>, _>>()?;
        let episodes =
            evaluate(&self.env, &policies, &self.eval_states, self.config.eval.horizon, self.config.eval.threads)?;
        let rows = variants.iter().zip(&episodes).map(|((name, _), eps)| {
            let row = |(ic, e): (usize, &butterfly_envs::Episode)| RolloutRow {
                step,
                variant: name.to_string(),
                ic,
                ret: e.ret,
                length: e.length,
            };
            eps.iter().enumerate().map(row).collect()
        });
        Ok(rows.collect())
    }
}

impl butterfly_train::Judge for BcJudge {
    type Error = ImitateError;

    fn held_out_loss(&mut self, theta: &[f32]) -> Result<f64, ImitateError> {
        // A copy, so that the scratch buffers of the training minibatches are left as they were.
        self.imitator.clone().loss(theta, &self.validation)
    }

    fn evaluate(&mut self, step: u64, variants: &[(&str, &[f32])]) -> Result<Vec<Rows>, ImitateError> {
        Ok(vec![Rows::of(&self.rollouts(step, variants)?.concat())])
    }
}

/// An imitator learning from expert data, judged by its rollouts.
pub struct BcLearner {
    judge: BcJudge,
    expert: Expert,
    train: Dataset,
    /// Fresh expert trajectories (rolling pool).
    data_rng: EnvRng,
    /// Fresh expert rows, none drawn twice (`data.stream`).
    stream: Option<DataStream>,
    logs: Logs,
    /// The run's files whose checksums each checkpoint records: the expert data and the expert's returns.
    run_files: [(&'static str, std::path::PathBuf); 3],
}

impl BcLearner {
    /// An imitator policy over `theta` (input: observation and previous action).
    pub fn policy(&self, theta: &[f32], extra: BTreeMap<String, String>) -> Result<ImitatorPolicy, ImitateError> {
        self.judge.imitator.policy(theta, extra)
    }

    /// The expert's J_H on the evaluation's initial conditions (`expert.csv`): the yardstick of the
    /// oscillation metrics.
    fn write_expert_returns(&self, run: &RunDir) -> Result<(), ImitateError> {
        let j = &self.judge;
        let episodes = evaluate(
            &j.env,
            std::slice::from_ref(&self.expert),
            &j.eval_states,
            j.config.eval.horizon,
            j.config.eval.threads,
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
    const HEADLINE: &'static str = "J_H";

    type Error = ImitateError;

    fn minibatch_gradient(
        &mut self,
        theta: &[f32],
        rng: &mut TrainRng,
        grad: &mut [f32],
        accumulate: bool,
    ) -> Result<f64, ImitateError> {
        let j = &mut self.judge;
        let batch = j.config.batch_size;
        if let Some(stream) = &mut self.stream {
            let (pool, rows) = stream.draw(batch, rng)?;
            return j.imitator.minibatch_gradient(theta, pool, &rows, rng, grad, accumulate);
        }
        let rows = self.train.draw_rows(batch, rng);
        j.imitator.minibatch_gradient(theta, &self.train, &rows, rng, grad, accumulate)
    }

    fn held_out_loss(&mut self, theta: &[f32]) -> Result<f64, ImitateError> {
        butterfly_train::Judge::held_out_loss(&mut self.judge, theta)
    }

    /// Fresh-data mode: one new expert trajectory replaces the oldest of the pool.
    fn after_update(&mut self, step: u64) -> Result<(), ImitateError> {
        let d = &self.judge.config.data;
        if d.fresh && step.is_multiple_of(d.refresh_every) {
            let fresh = collect(&self.judge.env, &self.expert, 1, d.horizon, &mut self.data_rng, 1)?;
            self.judge.imitator.check_data(&fresh)?;
            self.train.extend(&fresh);
            self.train.drop_front(1);
        }
        Ok(())
    }

    fn evaluate(&mut self, step: u64, variants: &[(&str, &[f32])]) -> Result<Vec<f64>, ImitateError> {
        let mut means = Vec::with_capacity(variants.len());
        for rows in self.judge.rollouts(step, variants)? {
            means.push(rows.iter().map(|r| r.ret).sum::<f64>() / rows.len() as f64);
            for row in &rows {
                self.logs.eval.append(row)?;
            }
        }
        Ok(means)
    }

    fn evaluate_iterates(&mut self, iterates: &[(u64, &str, &[f32])]) -> Result<(), ImitateError> {
        // Iterates of several steps judged together: each row takes its own iterate's step.
        let variants: Vec<(&str, &[f32])> = iterates.iter().map(|&(_, name, theta)| (name, theta)).collect();
        for (rows, (step, _, _)) in self.judge.rollouts(0, &variants)?.into_iter().zip(iterates) {
            for row in rows {
                self.logs.iterates.append(&IterateRow(RolloutRow { step: *step, ..row }))?;
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
        if self.judge.config.data.fresh {
            c.put_section("pool.", self.train.to_file());
        }
        if let Some(stream) = &self.stream {
            stream.save(c);
        }
        c.set_meta("env", self.judge.env.spec().id);
        Ok(())
    }

    fn load_state(&mut self, c: &Checkpoint) -> Result<(), ImitateError> {
        self.data_rng = c.rng("data_rng")?;
        if self.judge.config.data.fresh {
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
        vec![("env".into(), self.judge.env.spec().id.into())]
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
        let (train, validation, data_rng) = match &d.minari {
            // Read once and kept in the run, so that resuming and reports read it as they read collected data.
            Some(source) => {
                let (train, validation) = minari_data(source, env.spec(), d)?;
                train.save(&run.join(TRAIN_DATA))?;
                validation.save(&run.join(VALIDATION_DATA))?;
                (train, validation, seed_stream(config.data_seed(), Purpose::TrainData))
            }
            None => {
                let key =
                    |n, purpose| DataKey::of(&config.env, &config.expert, n, d.horizon, config.data_seed(), purpose);
                let (train, data_rng) = shared_collect(
                    &env,
                    &expert,
                    &key(d.trajectories, Purpose::TrainData)?,
                    d.threads,
                    &run.join(TRAIN_DATA),
                )?;
                let validation_key = key(d.validation_trajectories, Purpose::ValidationData)?;
                let (validation, _) =
                    shared_collect(&env, &expert, &validation_key, d.threads, &run.join(VALIDATION_DATA))?;
                (train, validation, data_rng)
            }
        };
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
    let (seed, run_files) =
        (config.seed, [TRAIN_DATA, VALIDATION_DATA, ExpertRow::FILE].map(|name| (name, run.join(name))));
    let d = &config.data;
    let stream = d.stream.then(|| {
        let collecting = (d.trajectories, d.horizon, d.threads);
        DataStream::new(env.replicate(), expert.clone(), collecting, train.clone(), data_rng.clone())
    });
    let judge = BcJudge::new(run.path(), config, env, (&train, validation), threads)?;
    let theta: Vec<f32> = judge.imitator.init_params(&mut seed_stream(seed, Purpose::NetworkInit));
    let rng = seed_stream(seed, Purpose::Training);
    let learner = BcLearner { judge, expert, train, data_rng, stream, logs, run_files };
    Ok((learner, theta, rng))
}
