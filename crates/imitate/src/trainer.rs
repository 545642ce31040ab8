//! The BC trainer: minibatch SGD on the one-step loss, stabilizers after every update, and at every
//! evaluation the long-horizon reward J_H of the raw iterate and of every stabilizer on the same fixed
//! initial conditions, next to the held-out BC loss. Every evaluation checkpoints, and a resumed run
//! writes the same files as an uninterrupted one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use butterfly_envs::{Env, EnvRng, TaskEnv, env_rng, evaluate, initial_conditions, rng_from_state, rng_state};
use butterfly_nn::Optimizer;
use butterfly_policy::MlpPolicy;
use butterfly_store::{Tensor, TensorFile};

use crate::imitator::Imitator;
use crate::run_dir::{self, CHECKPOINT, CONFIG, Logs, TRAIN_DATA, VALIDATION_DATA};
use crate::{BcConfig, Dataset, Ema, Expert, ImitateError, Stabilizer, collect, update_all};

/// Version 2 records timing.csv by rows (version 1: bytes).
const FORMAT: &str = "butterfly-bc-checkpoint-2";
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
    dir: PathBuf,
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
    /// Starts a run in `dir`: writes the resolved config, collects (or loads) the expert data.
    pub fn create(config: BcConfig, dir: &Path, assets: Option<&Path>) -> Result<Self, ImitateError> {
        config.validate()?;
        if dir.join(CHECKPOINT).exists() || dir.join(CONFIG).exists() {
            return Err(ImitateError::RunDir {
                path: dir.into(),
                what: "already holds a run: resume it, or choose another directory".into(),
            });
        }
        let env = TaskEnv::make(&config.env, assets)?;
        let expert = Expert::load(&config.expert, &env)?;
        let d = &config.data;
        let mut data_rng = env_rng(config.seed.wrapping_mul(0x9e37_79b9).wrapping_add(1));
        let train = collect(&env, &expert, d.trajectories, d.horizon, &mut data_rng, d.threads)?;
        let validation = collect(
            &env,
            &expert,
            d.validation_trajectories,
            d.horizon,
            &mut env_rng(config.seed ^ 0x7a11d),
            d.threads,
        )?;
        run_dir::create_dirs(dir)?;
        butterfly_store::write_atomic(&dir.join(CONFIG), config.to_toml().as_bytes())?;
        train.save(&dir.join(TRAIN_DATA))?;
        validation.save(&dir.join(VALIDATION_DATA))?;
        let logs = Logs::open(dir, None)?;
        let trainer = Self::assemble(config, dir, env, expert, train, validation, data_rng, logs)?;
        trainer.write_expert_returns()?;
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
        let mut text = String::from("ic,return,length\n");
        for (ic, e) in episodes[0].iter().enumerate() {
            text.push_str(&format!("{ic},{:?},{}\n", e.ret, e.length));
        }
        Ok(butterfly_store::write_atomic(&self.dir.join(run_dir::EXPERT_RETURNS), text.as_bytes())?)
    }

    /// Continues the run in `dir` from its checkpoint; logs are cut back to the checkpoint first.
    pub fn resume(dir: &Path, assets: Option<&Path>) -> Result<Self, ImitateError> {
        run_dir::check_complete(dir)?;
        let text = std::fs::read_to_string(dir.join(CONFIG))
            .map_err(|source| ImitateError::Io { path: dir.join(CONFIG), source })?;
        let config = BcConfig::from_toml(&text)?;
        let env = TaskEnv::make(&config.env, assets)?;
        let expert = Expert::load(&config.expert, &env)?;
        let train = Dataset::load(&dir.join(TRAIN_DATA))?;
        let validation = Dataset::load(&dir.join(VALIDATION_DATA))?;
        let ckpt = TensorFile::load(&dir.join(CHECKPOINT))?;
        check_format(&ckpt, env.spec().id)?;
        let logs = Logs::open(dir, Some(ckpt.u64("log_lengths")?))?;
        let mut trainer = Self::assemble(config, dir, env, expert, train, validation, env_rng(0), logs)?;
        trainer.restore(&ckpt)?;
        Ok(trainer)
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        config: BcConfig,
        dir: &Path,
        env: TaskEnv,
        expert: Expert,
        train: Dataset,
        validation: Dataset,
        data_rng: EnvRng,
        logs: Logs,
    ) -> Result<Self, ImitateError> {
        let spec = env.spec().clone();
        if train.env != spec.id || train.obs_dim != spec.obs_dim || train.act_dim != spec.act_dim {
            return Err(ImitateError::Data {
                path: dir.join(TRAIN_DATA),
                what: format!(
                    "data of {} ({} → {}), the env is {} ({} → {})",
                    train.env, train.obs_dim, train.act_dim, spec.id, spec.obs_dim, spec.act_dim
                ),
            });
        }
        butterfly_nn::set_num_threads(config.threads)?;
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
            dir: dir.to_path_buf(),
            env,
            expert,
            train,
            validation,
        })
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
                self.logs.metrics.row(&format!("{step},{lr:?},{mean:?}"))?;
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
                self.logs.timing.row(&format!("{step},{:.3},{rate:.2},{eval_s:.3}", start.elapsed().as_secs_f64()))?;
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
                self.logs.eval.row(&format!("{step},{name},{ic},{:?},{}", e.ret, e.length))?;
            }
        }
        for (name, loss) in names.iter().zip(&val_losses) {
            self.logs.validation.row(&format!("{step},{name},{loss:?}"))?;
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
                self.logs.iterates.row(&format!("{step},{name},{ic},{:?},{}", e.ret, e.length))?;
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
        f.save(&self.dir.join(run_dir::params_file(self.step)))?;
        Ok(())
    }

    fn save_checkpoint(&mut self) -> Result<(), ImitateError> {
        let mut f = TensorFile::default();
        f.insert("theta", vec![self.theta.len()], Tensor::F32(self.theta.clone()));
        f.insert("optimizer", vec![self.optimizer.state().len()], Tensor::F32(self.optimizer.state().to_vec()));
        for s in &self.stabilizers {
            f.insert(format!("stabilizer.{}", s.name()), vec![s.params().len()], Tensor::F32(s.params().to_vec()));
        }
        f.insert("rng", vec![7], Tensor::U64(rng_state(&self.rng)));
        f.insert("data_rng", vec![7], Tensor::U64(rng_state(&self.data_rng)));
        f.insert("counters", vec![2], Tensor::U64(vec![self.step, self.optimizer.step_count()]));
        f.insert("loss_accumulator", vec![2], Tensor::F64(vec![self.loss_sum, self.loss_count as f64]));
        let lengths = self.logs.lengths()?;
        f.insert("log_lengths", vec![lengths.len()], Tensor::U64(lengths));
        if self.config.data.fresh {
            for (name, (shape, tensor)) in self.train.to_file().tensors {
                f.insert(format!("pool.{name}"), shape, tensor);
            }
        }
        f.set_meta("format", FORMAT);
        f.set_meta("env", self.env.spec().id);
        f.set_meta("step", self.step);
        f.save(&self.dir.join(CHECKPOINT))?;
        self.last_checkpoint = self.step;
        Ok(())
    }

    fn restore(&mut self, f: &TensorFile) -> Result<(), ImitateError> {
        let bad = |what: String| ImitateError::RunDir { path: f.path.clone(), what };
        check_format(f, self.env.spec().id)?;
        let theta = f.f32("theta")?;
        if theta.len() != self.theta.len() {
            return Err(bad(format!("{} parameters, the configured network has {}", theta.len(), self.theta.len())));
        }
        self.theta.copy_from_slice(theta);
        let counters = f.u64("counters")?;
        if counters.len() != 2 {
            return Err(bad("counters must have 2 entries".into()));
        }
        self.optimizer.restore(counters[1], f.f32("optimizer")?)?;
        for s in &mut self.stabilizers {
            s.restore(f.f32(&format!("stabilizer.{}", s.name()))?)?;
        }
        self.rng = rng_from_state(f.u64("rng")?).ok_or_else(|| bad("rng must have 7 words".into()))?;
        self.data_rng = rng_from_state(f.u64("data_rng")?).ok_or_else(|| bad("data_rng must have 7 words".into()))?;
        let acc = f.f64("loss_accumulator")?;
        if acc.len() != 2 {
            return Err(bad("loss_accumulator must have 2 entries".into()));
        }
        (self.loss_sum, self.loss_count) = (acc[0], acc[1] as u64);
        if self.config.data.fresh {
            let mut pool =
                TensorFile { path: f.path.clone(), metadata: self.train.to_file().metadata, ..Default::default() };
            for (name, value) in &f.tensors {
                if let Some(stripped) = name.strip_prefix("pool.") {
                    pool.tensors.insert(stripped.to_string(), value.clone());
                }
            }
            self.train = Dataset::from_file(&pool)?;
        }
        self.step = counters[0];
        self.last_checkpoint = self.step;
        Ok(())
    }
}

/// A checkpoint of this version for this env, or one clear error (a run from another butterfly version
/// is not resumed: retrain it, or finish it with the version that started it).
fn check_format(f: &TensorFile, env: &str) -> Result<(), ImitateError> {
    let format = f.meta("format")?;
    if format != FORMAT || f.meta("env")? != env {
        let what =
            format!("holds a {format} checkpoint for {}; this butterfly resumes {FORMAT} for {env}", f.meta("env")?);
        return Err(ImitateError::RunDir { path: f.path.clone(), what });
    }
    Ok(())
}
