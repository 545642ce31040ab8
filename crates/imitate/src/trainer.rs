//! The BC trainer: minibatch SGD on the one-step loss, stabilizers after every update, and at every
//! evaluation the long-horizon reward J_H of the raw iterate and of every stabilizer on the same fixed
//! initial conditions, next to the held-out BC loss. Every evaluation checkpoints, and a resumed run
//! writes the same files as an uninterrupted one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use butterfly_envs::{Env, EnvRng, TaskEnv, env_rng, evaluate, initial_conditions, rng_from_state, rng_state};
use butterfly_nn::{Mlp, MlpSpec, Optimizer, mse};
use butterfly_policy::{MlpPolicy, OutputKind, PolicyMeta};
use butterfly_store::{Tensor, TensorFile};
use rand::Rng;

use crate::run_dir::{self, CHECKPOINT, CONFIG, Logs, TRAIN_DATA, VALIDATION_DATA};
use crate::{BcConfig, Dataset, Ema, Expert, ImitateError, Stabilizer, collect};

const FORMAT: &str = "butterfly-bc-checkpoint-1";
/// Rows per forward pass when computing the validation loss.
const VALIDATION_CHUNK: usize = 4096;
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
    net: Mlp<f32>,
    theta: Vec<f32>,
    grad: Vec<f32>,
    optimizer: Optimizer<f32>,
    stabilizers: Vec<Ema>,
    train: Dataset,
    validation: Dataset,
    /// Input standardization (mean, std), from the initial training data.
    norm: Option<(Vec<f32>, Vec<f32>)>,
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
    batch_in: Vec<f32>,
    batch_out: Vec<f32>,
    d_pred: Vec<f32>,
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
        let n = &config.network;
        let net = Mlp::new(MlpSpec {
            input: train.input_dim(),
            hidden: n.hidden.clone(),
            output: spec.act_dim,
            activation: n.activation,
            layer_norm: n.layer_norm,
            dropout: n.dropout,
        })?;
        let mut rng = env_rng(config.seed.wrapping_add(3));
        let theta: Vec<f32> = net.layout().init_params(&mut rng);
        let optimizer = Optimizer::new(config.optimizer, theta.len())?;
        let stabilizers = config.stabilizers.iter().map(|s| s.build(&theta)).collect::<Result<Vec<_>, _>>()?;
        let norm = config.normalize.then(|| standardization(&train));
        let eval_states = initial_conditions(
            &mut butterfly_envs::Replicate::replicate(&env),
            config.eval.initial_conditions,
            &mut env_rng(config.eval.seed),
        );
        Ok(Self {
            grad: vec![0.0; theta.len()],
            theta,
            net,
            optimizer,
            stabilizers,
            norm,
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
            batch_in: Vec::new(),
            batch_out: Vec::new(),
            d_pred: Vec::new(),
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
            let report_loss = if step % self.config.eval.log_every == 0 {
                let lr = self.config.schedule.lr(step - 1);
                let mean = self.loss_sum / self.loss_count as f64;
                self.logs.metrics.row(&format!("{step},{lr:?},{mean:?}"))?;
                self.loss_sum = 0.0;
                self.loss_count = 0;
                Some(mean)
            } else {
                None
            };
            if self.config.data.fresh && step % self.config.data.refresh_every == 0 {
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
            if step % self.config.eval.every == 0 || step == self.config.steps {
                // A checkpoint holds no pending iterates: evaluate them first.
                self.evaluate_iterates()?;
                let eval_start = Instant::now();
                self.evaluate_and_log()?;
                let rate = (step - first) as f64 / start.elapsed().as_secs_f64();
                let eval_s = eval_start.elapsed().as_secs_f64();
                self.logs.timing.row(&format!("{step},{:.3},{rate:.2},{eval_s:.3}", start.elapsed().as_secs_f64()))?;
                self.save_checkpoint()?;
            }
            if report_loss.is_some() || step % self.config.eval.every == 0 {
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
        let (b, in_dim, act_dim) = (cfg.batch_size, self.train.input_dim(), self.train.act_dim);
        let lr = cfg.schedule.lr(self.step);
        let mut loss = 0.0;
        for micro in 0..cfg.accumulation {
            self.batch_in.clear();
            self.batch_out.clear();
            for _ in 0..b {
                let i = self.rng.random_range(0..self.train.len());
                let row = &self.train.inputs[i * in_dim..(i + 1) * in_dim];
                match &self.norm {
                    Some((mean, std)) => {
                        self.batch_in.extend(row.iter().zip(mean).zip(std).map(|((x, m), s)| (x - m) / s))
                    }
                    None => self.batch_in.extend_from_slice(row),
                }
                self.batch_out.extend_from_slice(&self.train.targets[i * act_dim..(i + 1) * act_dim]);
            }
            let pred = self.net.forward_train(&self.theta, &self.batch_in, b, &mut self.rng)?;
            self.d_pred.resize(pred.len(), 0.0);
            loss += mse(pred, &self.batch_out, &mut self.d_pred)?;
            self.net.backward(&self.theta, &self.d_pred, &mut self.grad, micro > 0, None)?;
        }
        let loss = loss / cfg.accumulation as f64;
        if !loss.is_finite() {
            return Err(ImitateError::Diverged { step: self.step + 1, loss, checkpoint: self.last_checkpoint });
        }
        self.optimizer.step_accumulated(&mut self.theta, &self.grad, cfg.accumulation, lr)?;
        self.step += 1;
        for s in &mut self.stabilizers {
            s.update(self.step, &self.theta);
        }
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
        let spec = self.env.spec();
        let n = &self.config.network;
        let meta = PolicyMeta {
            env: spec.id.to_string(),
            activation: n.activation,
            hidden: n.hidden.clone(),
            layer_norm: n.layer_norm,
            obs_dim: self.train.input_dim(),
            prev_action: true,
            act_dim: spec.act_dim,
            output: OutputKind::Linear,
            action_low: spec.action_low.clone(),
            action_high: spec.action_high.clone(),
            extra,
        };
        Ok(MlpPolicy::new(meta, theta.to_vec(), self.norm.clone())?)
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
            val_losses.push(validation_loss(&mut self.net.clone(), theta, &self.validation, self.norm.as_ref())?);
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
        let policies = pending.iter().map(|(_, _, theta)| self.policy(theta, BTreeMap::new())).collect::<Result<Vec<_>, _>>()?;
        let episodes = evaluate(&self.env, &policies, &self.eval_states, self.config.eval.horizon, self.config.eval.threads)?;
        for ((step, name, _), eps) in pending.iter().zip(&episodes) {
            for (ic, e) in eps.iter().enumerate() {
                self.logs.iterates.row(&format!("{step},{name},{ic},{:?},{}", e.ret, e.length))?;
            }
        }
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
        if f.meta("format")? != FORMAT || f.meta("env")? != self.env.spec().id {
            return Err(bad(format!("not a {FORMAT} checkpoint for {}", self.env.spec().id)));
        }
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

/// Per-input mean and standard deviation of the training data (std floored so constant inputs pass).
fn standardization(data: &Dataset) -> (Vec<f32>, Vec<f32>) {
    let d = data.input_dim();
    let n = data.len().max(1) as f64;
    let mut mean = vec![0.0f64; d];
    for row in data.inputs.chunks_exact(d) {
        for (m, &x) in mean.iter_mut().zip(row) {
            *m += x as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0f64; d];
    for row in data.inputs.chunks_exact(d) {
        for ((v, &x), m) in var.iter_mut().zip(row).zip(&mean) {
            *v += (x as f64 - m).powi(2);
        }
    }
    let std = var.iter().map(|v| ((v / n).sqrt().max(1e-3)) as f32).collect();
    (mean.iter().map(|&m| m as f32).collect(), std)
}

/// Mean squared error of the network over a whole dataset (eval mode, in order).
fn validation_loss(
    net: &mut Mlp<f32>,
    theta: &[f32],
    data: &Dataset,
    norm: Option<&(Vec<f32>, Vec<f32>)>,
) -> Result<f64, ImitateError> {
    let (d, a) = (data.input_dim(), data.act_dim);
    let mut total = 0.0;
    let mut input = Vec::new();
    let mut d_pred = Vec::new();
    for (rows, targets) in data.inputs.chunks(VALIDATION_CHUNK * d).zip(data.targets.chunks(VALIDATION_CHUNK * a)) {
        input.clear();
        match norm {
            Some((mean, std)) => {
                for row in rows.chunks_exact(d) {
                    input.extend(row.iter().zip(mean).zip(std).map(|((x, m), s)| (x - m) / s));
                }
            }
            None => input.extend_from_slice(rows),
        }
        let batch = rows.len() / d;
        let pred = net.forward(theta, &input, batch)?;
        d_pred.resize(pred.len(), 0.0);
        total += mse(pred, targets, &mut d_pred)? * pred.len() as f64;
    }
    Ok(total / data.targets.len() as f64)
}
