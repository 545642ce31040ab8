//! The BC trainer: minibatch SGD on the one-step loss, stabilizers after every update, and at every
//! evaluation the long-horizon reward J_H of the raw iterate and of every stabilizer on the same fixed
//! initial conditions, next to the held-out BC loss. Every evaluation checkpoints, and a resumed run
//! writes the same files as an uninterrupted one.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use butterfly_envs::{Env, EnvRng, TaskEnv, env_rng, evaluate, initial_conditions, rng_from_state, rng_state};
use butterfly_nn::Optimizer;
use butterfly_policy::MlpPolicy;
use butterfly_store::{Checkpoint, LogRow, RunDir, Start, State, Tensor, TensorFile};

use crate::imitator::Imitator;
use crate::run_dir::{
    self, CHECKPOINT, ExpertRow, IterateRow, Logs, MetricsRow, RolloutRow, TRAIN_DATA, TimingRow, VALIDATION_DATA,
    ValidationRow,
};
use crate::{BcConfig, Dataset, Ema, Expert, ImitateError, Stabilizer, collect, update_all};

/// Version 3: named scalars, checksums of every tensor, of the data files and of the logs' prefixes
/// (version 2 stored counters by position).
const FORMAT: &str = "butterfly-bc-checkpoint-3";
/// Iterates of an evaluation window whose rollouts run together (all of them spread over the threads).
const WINDOW_BLOCK: usize = 16;

/// What the trainer reports as it goes.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub step: u64,
    pub total: u64,
    /// Mean training loss since the last report.
    pub train_loss: Option<f64>,
    /// Mean J_H of each variant (raw first) at the last evaluation.
    pub last_eval: Vec<(String, f64)>,
}

pub struct BcTrainer {
    config: BcConfig,
    run: RunDir,
    env: TaskEnv,
    expert: Expert,
    imitator: Imitator,
    theta: Vec<f32>,
    grad: Vec<f32>,
    optimizer: Optimizer<f32>,
    stabilizers: Vec<Ema>,
    train: Dataset,
    validation: Dataset,
    /// Minibatches and dropout.
    rng: EnvRng,
    /// Fresh expert trajectories.
    data_rng: EnvRng,
    eval_states: Vec<Vec<f64>>,
    step: u64,
    loss_sum: f64,
    loss_count: u64,
    last_checkpoint: u64,
    logs: Logs,
    last_eval: Vec<(String, f64)>,
    /// Iterates of an evaluation window waiting for their rollouts: (step, variant, parameters).
    pending_iterates: Vec<(u64, String, Vec<f32>)>,
}

impl BcTrainer {
    /// Starts a run of `config` in `dir` (new or empty), or continues the run of the same config there;
    /// refuses anything else. Everything that can be checked is checked before the directory is made.
    pub fn create(config: BcConfig, dir: &Path, assets: Option<&Path>) -> Result<Self, ImitateError> {
        let (env, expert) = prepare(&config, assets)?;
        let (run, start) = RunDir::claim(dir, &config.to_toml())?;
        Self::start(run, start, config, env, expert)
    }

    /// Continues the run in `dir` from its checkpoint (logs cut back to it first), or from nothing when
    /// it died before its first one.
    pub fn resume(dir: &Path, assets: Option<&Path>) -> Result<Self, ImitateError> {
        let (run, text, start) = RunDir::open(dir)?;
        let config = BcConfig::parse_run(&text, &run.join(run_dir::CONFIG))?;
        let (env, expert) = prepare(&config, assets)?;
        Self::start(run, start, config, env, expert)
    }

    fn start(run: RunDir, start: Start, config: BcConfig, env: TaskEnv, expert: Expert) -> Result<Self, ImitateError> {
        match start {
            Start::Checkpointed => Self::continue_run(run, config, env, expert),
            Start::Fresh => Self::begin(run, config, env, expert),
        }
    }

    /// A fresh run: the expert data, the logs, the expert's returns and a checkpoint at step 0, so that
    /// from here on the run can always be resumed; a failure on the way removes what it made.
    fn begin(run: RunDir, config: BcConfig, env: TaskEnv, expert: Expert) -> Result<Self, ImitateError> {
        let made = (|| {
            let d = &config.data;
            let mut data_rng = env_rng(config.seed.wrapping_mul(0x9e37_79b9).wrapping_add(1));
            let train = collect(&env, &expert, d.trajectories, d.horizon, &mut data_rng, d.threads)?;
            let mut validation_rng = env_rng(config.seed ^ 0x7a11d);
            let validation = collect(&env, &expert, d.validation_trajectories, d.horizon, &mut validation_rng, d.threads)?;
            run.make_dir("data")?;
            run.make_dir("checkpoints")?;
            train.save(&run.join(TRAIN_DATA))?;
            validation.save(&run.join(VALIDATION_DATA))?;
            let logs = Logs::open(run.path(), None)?;
            Ok::<_, ImitateError>((train, validation, data_rng, logs))
        })();
        let (train, validation, data_rng, logs) = match made {
            Ok(parts) => parts,
            Err(e) => {
                run.discard();
                return Err(e);
            }
        };
        let mut trainer = Self::assemble(config, run, env, expert, train, validation, data_rng, logs)?;
        if let Err(e) = trainer.write_expert_returns().and_then(|()| trainer.save_checkpoint()) {
            trainer.run.discard();
            return Err(e);
        }
        Ok(trainer)
    }

    /// The expert's J_H on the evaluation's initial conditions (`expert.csv`): the yardstick of the
    /// oscillation metrics.
    fn write_expert_returns(&self) -> Result<(), ImitateError> {
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
        Ok(self.run.write(ExpertRow::FILE, text.as_bytes())?)
    }

    /// Continues from the checkpoint: everything is read and checked (version, checksums of the
    /// tensors and data files, counters, log positions) before any log is cut back.
    fn continue_run(run: RunDir, config: BcConfig, env: TaskEnv, expert: Expert) -> Result<Self, ImitateError> {
        let ckpt = Checkpoint::load(&run.join(CHECKPOINT), FORMAT)?;
        if ckpt.meta("env")? != env.spec().id {
            return Err(ckpt.invalid(format!("is a checkpoint of {}, the run is {}", ckpt.meta("env")?, env.spec().id)).into());
        }
        ckpt.verify_file(TRAIN_DATA, &run.join(TRAIN_DATA))?;
        ckpt.verify_file(VALIDATION_DATA, &run.join(VALIDATION_DATA))?;
        let train = Dataset::load(&run.join(TRAIN_DATA))?;
        let validation = Dataset::load(&run.join(VALIDATION_DATA))?;
        let logs = Logs::open(run.path(), Some(&ckpt))?;
        let mut trainer = Self::assemble(config, run, env, expert, train, validation, env_rng(0), logs)?;
        trainer.restore(&ckpt)?;
        trainer.logs.cut_back()?;
        Ok(trainer)
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        config: BcConfig,
        run: RunDir,
        env: TaskEnv,
        expert: Expert,
        train: Dataset,
        validation: Dataset,
        data_rng: EnvRng,
        logs: Logs,
    ) -> Result<Self, ImitateError> {
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
        let imitator = Imitator::new(&config, &spec, &train)?;
        let mut rng = env_rng(config.seed.wrapping_add(3));
        let theta: Vec<f32> = imitator.net.layout().init_params(&mut rng);
        let optimizer = Optimizer::new(config.optimizer, theta.len())?;
        let stabilizers = config.stabilizers.iter().map(|s| s.build(&theta)).collect::<Result<Vec<_>, _>>()?;
        let eval_states = initial_conditions(
            &mut butterfly_envs::Replicate::replicate(&env),
            config.eval.initial_conditions,
            &mut env_rng(config.eval.seed),
        );
        Ok(Self {
            grad: vec![0.0; theta.len()],
            theta,
            imitator,
            optimizer,
            stabilizers,
            rng,
            data_rng,
            eval_states,
            step: 0,
            loss_sum: 0.0,
            loss_count: 0,
            last_checkpoint: 0,
            logs,
            last_eval: Vec::new(),
            pending_iterates: Vec::new(),
            config,
            run,
            env,
            expert,
            train,
            validation,
        })
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        self.run.path()
    }

    /// The run's config (its `threads` are the engine's, which the binary sets once before training).
    pub fn config(&self) -> &BcConfig {
        &self.config
    }

    pub fn step(&self) -> u64 {
        self.step
    }

    pub fn total_steps(&self) -> u64 {
        self.config.steps
    }

    /// Mean J_H of each variant (raw first) at the last evaluation of this session.
    pub fn last_eval(&self) -> &[(String, f64)] {
        &self.last_eval
    }

    pub fn theta(&self) -> &[f32] {
        &self.theta
    }

    pub fn stabilizers(&self) -> &[Ema] {
        &self.stabilizers
    }

    /// Trains to `config.steps`, or to `stop_at` when given (a shorter run that can be resumed).
    pub fn run(&mut self, stop_at: Option<u64>, mut on_progress: impl FnMut(&Progress)) -> Result<(), ImitateError> {
        let total = stop_at.unwrap_or(self.config.steps).min(self.config.steps);
        let start = Instant::now();
        let first = self.step;
        while self.step < total {
            let loss = self.update()?;
            self.loss_sum += loss;
            self.loss_count += 1;
            let step = self.step;
            let report_loss = if step.is_multiple_of(self.config.eval.log_every) {
                let lr = self.config.schedule.lr(step - 1);
                let mean = self.loss_sum / self.loss_count as f64;
                self.logs.metrics.append(&MetricsRow { step, lr, train_loss: mean })?;
                self.loss_sum = 0.0;
                self.loss_count = 0;
                Some(mean)
            } else {
                None
            };
            if self.config.data.fresh && step.is_multiple_of(self.config.data.refresh_every) {
                self.refresh_data()?;
            }
            if self.config.eval.windows.iter().any(|w| w.contains(step)) {
                let snapshot: Vec<(u64, String, Vec<f32>)> =
                    self.variants().into_iter().map(|(name, theta)| (step, name, theta.to_vec())).collect();
                self.pending_iterates.extend(snapshot);
                let last_of_window = !self.config.eval.windows.iter().any(|w| w.contains(step + 1));
                if last_of_window || self.pending_iterates.len() >= WINDOW_BLOCK * (1 + self.stabilizers.len()) {
                    self.evaluate_iterates()?;
                }
            }
            if step.is_multiple_of(self.config.eval.every) || step == self.config.steps {
                // A checkpoint holds no pending iterates: evaluate them first.
                self.evaluate_iterates()?;
                let eval_start = Instant::now();
                self.evaluate_and_log()?;
                let rate = (step - first) as f64 / start.elapsed().as_secs_f64();
                let eval_s = eval_start.elapsed().as_secs_f64();
                let elapsed_s = start.elapsed().as_secs_f64();
                self.logs.timing.append(&TimingRow { step, elapsed_s, updates_per_s: rate, eval_s })?;
                self.save_params()?;
                self.save_checkpoint()?;
            }
            if report_loss.is_some() || step.is_multiple_of(self.config.eval.every) {
                on_progress(&Progress {
                    step,
                    total: self.config.steps,
                    train_loss: report_loss,
                    last_eval: self.last_eval.clone(),
                });
            }
        }
        Ok(())
    }

    /// One optimizer update (over `accumulation` micro-batches); returns the mean minibatch loss.
    fn update(&mut self) -> Result<f64, ImitateError> {
        let cfg = &self.config;
        let lr = cfg.schedule.lr(self.step);
        let mut loss = 0.0;
        for micro in 0..cfg.accumulation {
            loss += self.imitator.minibatch_gradient(
                &self.theta,
                &self.train,
                cfg.batch_size,
                &mut self.rng,
                &mut self.grad,
                micro > 0,
            )?;
        }
        let loss = loss / cfg.accumulation as f64;
        if !loss.is_finite() {
            return Err(ImitateError::Diverged { step: self.step + 1, loss, checkpoint: self.last_checkpoint });
        }
        self.optimizer.step_accumulated(&mut self.theta, &self.grad, cfg.accumulation, lr)?;
        self.step += 1;
        update_all(&mut self.stabilizers, self.step, &self.theta);
        Ok(loss)
    }

    /// Fresh-data mode: one new expert trajectory replaces the oldest of the pool.
    fn refresh_data(&mut self) -> Result<(), ImitateError> {
        let d = &self.config.data;
        let fresh = collect(&self.env, &self.expert, 1, d.horizon, &mut self.data_rng, 1)?;
        self.train.extend(&fresh);
        self.train.drop_front(1);
        Ok(())
    }

    /// The raw iterate and every stabilizer, as (name, parameters).
    fn variants(&self) -> Vec<(String, &[f32])> {
        std::iter::once(("raw".to_string(), self.theta.as_slice()))
            .chain(self.stabilizers.iter().map(|s| (s.name().to_string(), s.params())))
            .collect()
    }

    /// An imitator policy over `theta` (input: observation and previous action; linear output).
    pub fn policy(&self, theta: &[f32], extra: BTreeMap<String, String>) -> Result<MlpPolicy, ImitateError> {
        self.imitator.policy(theta, extra)
    }

    fn evaluate_and_log(&mut self) -> Result<(), ImitateError> {
        let variants = self.variants();
        let policies =
            variants.iter().map(|(_, theta)| self.policy(theta, BTreeMap::new())).collect::<Result<Vec<_>, _>>()?;
        let horizon = self.config.eval.horizon;
        let episodes = evaluate(&self.env, &policies, &self.eval_states, horizon, self.config.eval.threads)?;
        let step = self.step;
        let mut summary = Vec::new();
        let mut val_losses = Vec::new();
        for ((name, theta), eps) in variants.iter().zip(&episodes) {
            val_losses.push(self.imitator.clone().loss(theta, &self.validation)?);
            summary.push((name.clone(), eps.iter().map(|e| e.ret).sum::<f64>() / eps.len() as f64));
        }
        let names: Vec<String> = variants.into_iter().map(|(name, _)| name).collect();
        for (name, eps) in names.iter().zip(&episodes) {
            for (ic, e) in eps.iter().enumerate() {
                self.logs.eval.append(&RolloutRow { step, variant: name.clone(), ic, ret: e.ret, length: e.length })?;
            }
        }
        for (name, loss) in names.iter().zip(&val_losses) {
            self.logs.validation.append(&ValidationRow { step, variant: name.clone(), val_loss: *loss })?;
        }
        self.last_eval = summary;
        Ok(())
    }

    /// Rolls out the pending window iterates, all (iterate, variant, initial condition) jobs at once.
    fn evaluate_iterates(&mut self) -> Result<(), ImitateError> {
        if self.pending_iterates.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending_iterates);
        let policies =
            pending.iter().map(|(_, _, theta)| self.policy(theta, BTreeMap::new())).collect::<Result<Vec<_>, _>>()?;
        let episodes =
            evaluate(&self.env, &policies, &self.eval_states, self.config.eval.horizon, self.config.eval.threads)?;
        for ((step, name, _), eps) in pending.iter().zip(&episodes) {
            for (ic, e) in eps.iter().enumerate() {
                let row = RolloutRow { step: *step, variant: name.clone(), ic, ret: e.ret, length: e.length };
                self.logs.iterates.append(&IterateRow(row))?;
            }
        }
        Ok(())
    }

    /// The parameters of every variant at this evaluation, kept for landscapes and later analysis.
    fn save_params(&self) -> Result<(), ImitateError> {
        let mut f = TensorFile::default();
        for (name, theta) in self.variants() {
            f.insert(name, vec![theta.len()], Tensor::F32(theta.to_vec()));
        }
        f.set_meta("env", self.env.spec().id);
        f.set_meta("step", self.step);
        f.save(&self.run.join(run_dir::params_file(self.step)))?;
        Ok(())
    }

    fn save_checkpoint(&mut self) -> Result<(), ImitateError> {
        let mut c = Checkpoint::new(FORMAT);
        c.put_f32("theta", &self.theta);
        self.optimizer.save_state("optimizer.", &mut c);
        for s in &self.stabilizers {
            s.save_state(&format!("stabilizer.{}.", s.name()), &mut c);
        }
        c.put_words("rng", &rng_state(&self.rng));
        c.put_words("data_rng", &rng_state(&self.data_rng));
        c.put_count("step", self.step);
        c.put_real("loss_sum", self.loss_sum);
        c.put_count("loss_count", self.loss_count);
        self.logs.record(&mut c)?;
        c.put_file(TRAIN_DATA, &self.run.join(TRAIN_DATA))?;
        c.put_file(VALIDATION_DATA, &self.run.join(VALIDATION_DATA))?;
        if self.config.data.fresh {
            c.put_section("pool.", self.train.to_file());
        }
        c.set_meta("env", self.env.spec().id);
        c.set_meta("step", self.step);
        c.save(&self.run.join(CHECKPOINT))?;
        self.last_checkpoint = self.step;
        Ok(())
    }

    /// Restores every part and checks that the counters agree with each other and with the config.
    fn restore(&mut self, c: &Checkpoint) -> Result<(), ImitateError> {
        let step = c.count_at_most("step", self.config.steps)?;
        let theta = c.f32_exact("theta", self.theta.len())?;
        self.theta.copy_from_slice(theta);
        self.optimizer.load_state("optimizer.", c)?;
        if self.optimizer.step_count() != step {
            return Err(c.invalid(format!("the optimizer took {} steps, the run {step}", self.optimizer.step_count())).into());
        }
        for s in &mut self.stabilizers {
            let prefix = format!("stabilizer.{}.", s.name());
            s.load_state(&prefix, c)?;
        }
        let rng = |name: &str| rng_from_state(c.words(name)?).ok_or_else(|| c.invalid(format!("'{name}' must have 7 words")));
        self.rng = rng("rng")?;
        self.data_rng = rng("data_rng")?;
        self.loss_sum = c.real("loss_sum")?;
        self.loss_count = c.count_at_most("loss_count", self.config.eval.log_every)?;
        if self.config.data.fresh {
            let mut pool = c.section("pool.");
            pool.metadata = self.train.to_file().metadata;
            let pool = Dataset::from_file(&pool)?;
            if pool.is_empty() {
                return Err(c.invalid("holds an empty data pool").into());
            }
            self.train = pool;
        }
        self.step = step;
        self.last_checkpoint = step;
        Ok(())
    }
}

/// Everything about a run that can be checked before its directory is made: the config, the env, the
/// expert, the network, and the memory that the network, the minibatches and the data need.
fn prepare(config: &BcConfig, assets: Option<&Path>) -> Result<(TaskEnv, Expert), ImitateError> {
    config.validate()?;
    let env = TaskEnv::make(&config.env, assets)?;
    let spec = env.spec();
    config.check_fits(spec.obs_dim, spec.act_dim)?;
    let d = &config.data;
    crate::dataset::check_fits(d.trajectories + d.validation_trajectories, d.horizon, spec.obs_dim, spec.act_dim)?;
    let expert = Expert::load(&config.expert, &env)?;
    Ok((env, expert))
}
