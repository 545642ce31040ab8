//! The training loop every learner shares: minibatch SGD with gradient accumulation and a learning-rate
//! schedule, every stabilizer updated after every update, the training loss logged at its cadence, the
//! iterates of the evaluation windows judged one by one, and at every evaluation each variant's
//! held-out loss, the learner's own judgement, the parameters kept and a checkpoint. A resumed run
//! writes the same files as an uninterrupted one.

use std::time::Instant;

use butterfly_nn::{Optimizer, OptimizerConfig, Schedule};
use butterfly_store::{Checkpoint, RunDir, State, Tensor, TensorFile};
use serde::{Deserialize, Serialize};

use crate::logs::{LoopLogs, MetricsRow, TimingRow, ValidationRow};
use crate::{Ema, Learner, StabilizerSpec, TrainError, TrainRng, update_all};

/// Iterates of an evaluation window judged together (all of them spread over the threads).
const WINDOW_BLOCK: usize = 16;

/// Updates `start + 1 ..= start + length`, every one of which is evaluated: every variant, or the ones
/// named in `variants` (e.g. `["raw", "ema"]` when a run carries many stabilizers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub start: u64,
    pub length: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
}

impl Window {
    pub fn contains(&self, step: u64) -> bool {
        step > self.start && step <= self.start + self.length
    }

    /// Whether `variant` is judged at every iterate of the window.
    pub fn judges(&self, variant: &str) -> bool {
        self.variants.is_empty() || self.variants.iter().any(|v| v == variant)
    }
}

/// What the loop needs of a run's config.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopConfig {
    /// Optimizer updates.
    pub steps: u64,
    /// Micro-batches per update (the update uses their mean gradient).
    pub accumulation: usize,
    pub optimizer: OptimizerConfig,
    pub schedule: Schedule,
    pub stabilizers: Vec<StabilizerSpec>,
    /// Evaluate (and checkpoint) every this many updates, and after the last.
    pub eval_every: u64,
    /// Write the mean training loss every this many updates.
    pub log_every: u64,
    pub windows: Vec<Window>,
    /// The checkpoint format, e.g. `butterfly-bc-checkpoint-3`.
    pub format: &'static str,
    /// AdamW decays only these ranges of θ (None: all of it).
    pub decayed: Option<Vec<std::ops::Range<usize>>>,
    /// The run's threads (the optimizer's and the stabilizers' passes split over them).
    pub threads: butterfly_nn::Threads,
}

/// What the loop reports as it goes.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub step: u64,
    pub total: u64,
    /// Mean training loss since the last report.
    pub train_loss: Option<f64>,
    /// The learner's headline number for each variant (raw first) at the last evaluation.
    pub last_eval: Vec<(String, f64)>,
}

pub struct TrainLoop<L: Learner> {
    pub learner: L,
    config: LoopConfig,
    run: RunDir,
    theta: Vec<f32>,
    grad: Vec<f32>,
    optimizer: Optimizer<f32>,
    stabilizers: Vec<Ema>,
    rng: TrainRng,
    step: u64,
    loss_sum: f64,
    loss_count: u64,
    last_checkpoint: u64,
    logs: LoopLogs,
    last_eval: Vec<(String, f64)>,
    /// Iterates of an evaluation window waiting to be judged: (step, variant, parameters).
    pending_iterates: Vec<(u64, String, Vec<f32>)>,
}

impl<L: Learner> TrainLoop<L> {
    /// A fresh run at θ₀ = `theta` (drawn with `rng`, which goes on drawing the minibatches): its logs
    /// and a checkpoint at step 0, so that from here on the run can always be resumed (a failure before
    /// it drops the run directory, which removes what the run made).
    pub fn fresh(
        run: RunDir,
        config: LoopConfig,
        learner: L,
        theta: Vec<f32>,
        rng: TrainRng,
    ) -> Result<Self, L::Error> {
        let logs = LoopLogs::open(run.path(), None)?;
        let mut this = Self::assemble(run, config, learner, theta, rng, logs)?;
        this.save_checkpoint()?;
        Ok(this)
    }

    /// Continues from the run's checkpoint: everything — the loop's parts and the learner's — is read
    /// and checked before any log is cut back to it. `theta` gives the sizes (its values are replaced).
    pub fn resume(
        run: RunDir,
        config: LoopConfig,
        learner: L,
        theta: Vec<f32>,
        checkpoint: &Checkpoint,
    ) -> Result<Self, L::Error> {
        checkpoint
            .check_config(run.config_text(), &run.join(butterfly_store::run_dir::CONFIG))
            .map_err(TrainError::from)?;
        let logs = LoopLogs::open(run.path(), Some(checkpoint))?;
        let rng = checkpoint.rng("rng")?;
        let mut this = Self::assemble(run, config, learner, theta, rng, logs)?;
        this.restore(checkpoint)?;
        this.logs.cut_back()?;
        this.learner.cut_back()?;
        Ok(this)
    }

    fn assemble(
        run: RunDir,
        config: LoopConfig,
        learner: L,
        theta: Vec<f32>,
        rng: TrainRng,
        logs: LoopLogs,
    ) -> Result<Self, L::Error> {
        let mut optimizer = Optimizer::new(config.optimizer, theta.len())
            .map_err(TrainError::from)?
            .with_threads(config.threads.clone());
        if let Some(ranges) = &config.decayed {
            optimizer = optimizer.with_decayed_ranges(ranges.clone()).map_err(TrainError::from)?;
        }
        let stabilizers = config.stabilizers.iter().map(|s| s.build(&theta)).collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            learner,
            grad: vec![0.0; theta.len()],
            theta,
            optimizer,
            stabilizers,
            rng,
            step: 0,
            loss_sum: 0.0,
            loss_count: 0,
            last_checkpoint: 0,
            logs,
            last_eval: Vec::new(),
            pending_iterates: Vec::new(),
            config,
            run,
        })
    }

    pub fn run_dir(&self) -> &RunDir {
        &self.run
    }

    pub fn step(&self) -> u64 {
        self.step
    }

    pub fn total_steps(&self) -> u64 {
        self.config.steps
    }

    pub fn theta(&self) -> &[f32] {
        &self.theta
    }

    pub fn stabilizers(&self) -> &[Ema] {
        &self.stabilizers
    }

    /// The learner's headline number for each variant (raw first) at the last evaluation of this session.
    pub fn last_eval(&self) -> &[(String, f64)] {
        &self.last_eval
    }

    /// Trains to `config.steps`, or to `stop_at` when given (a shorter run that can be resumed).
    pub fn run(&mut self, stop_at: Option<u64>, mut on_progress: impl FnMut(&Progress)) -> Result<(), L::Error> {
        let total = stop_at.unwrap_or(self.config.steps).min(self.config.steps);
        let start = Instant::now();
        let first = self.step;
        while self.step < total {
            let loss = self.update()?;
            self.loss_sum += loss;
            self.loss_count += 1;
            let step = self.step;
            let report_loss = if step.is_multiple_of(self.config.log_every) {
                let lr = self.config.schedule.lr(step - 1);
                let mean = self.loss_sum / self.loss_count as f64;
                self.logs.metrics.append(&MetricsRow { step, lr, train_loss: mean })?;
                self.logs.events.scalar(step, "train/loss", mean)?;
                self.logs.events.scalar(step, "train/lr", lr)?;
                self.loss_sum = 0.0;
                self.loss_count = 0;
                Some(mean)
            } else {
                None
            };
            self.learner.after_update(step)?;
            if let Some(window) = self.config.windows.iter().find(|w| w.contains(step)) {
                let snapshot: Vec<(u64, String, Vec<f32>)> = self
                    .variants()
                    .into_iter()
                    .filter(|(name, _)| window.judges(name))
                    .map(|(name, theta)| (step, name.to_string(), theta.to_vec()))
                    .collect();
                self.pending_iterates.extend(snapshot);
                let last_of_window = !self.config.windows.iter().any(|w| w.contains(step + 1));
                if last_of_window || self.pending_iterates.len() >= WINDOW_BLOCK * (1 + self.stabilizers.len()) {
                    self.evaluate_iterates()?;
                    // A window can take hours (the paper's zoom): a killed run resumes from its last block,
                    // not from the window's start. The evaluation below checkpoints its own steps.
                    if !(step.is_multiple_of(self.config.eval_every) || step == self.config.steps) {
                        self.save_checkpoint()?;
                    }
                }
            }
            if step.is_multiple_of(self.config.eval_every) || step == self.config.steps {
                // A checkpoint holds no pending iterates: evaluate them first.
                self.evaluate_iterates()?;
                let eval_start = Instant::now();
                self.evaluate_and_log()?;
                let rate = (step - first) as f64 / start.elapsed().as_secs_f64();
                let eval_s = eval_start.elapsed().as_secs_f64();
                let elapsed_s = start.elapsed().as_secs_f64();
                self.logs.timing.append(&TimingRow { step, elapsed_s, updates_per_s: rate, eval_s })?;
                self.logs.events.scalar(step, "perf/updates_per_s", rate)?;
                self.save_params()?;
                self.save_checkpoint()?;
            }
            if report_loss.is_some() || step.is_multiple_of(self.config.eval_every) {
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
    fn update(&mut self) -> Result<f64, L::Error> {
        let lr = self.config.schedule.lr(self.step);
        let micro_batches = self.config.accumulation;
        let mut loss = 0.0;
        for micro in 0..micro_batches {
            loss += self.learner.minibatch_gradient(&self.theta, &mut self.rng, &mut self.grad, micro > 0)?;
        }
        let loss = loss / micro_batches as f64;
        if !loss.is_finite() {
            return Err(TrainError::Diverged { step: self.step + 1, loss, checkpoint: self.last_checkpoint }.into());
        }
        self.optimizer.step_accumulated(&mut self.theta, &self.grad, micro_batches, lr).map_err(TrainError::from)?;
        self.step += 1;
        update_all(&mut self.stabilizers, self.step, &self.theta, &self.config.threads);
        Ok(loss)
    }

    /// The raw iterate and every stabilizer, as (name, parameters).
    pub fn variants(&self) -> Vec<(&str, &[f32])> {
        std::iter::once(("raw", self.theta.as_slice()))
            .chain(self.stabilizers.iter().map(|s| (crate::Stabilizer::name(s), crate::Stabilizer::params(s))))
            .collect()
    }

    fn evaluate_and_log(&mut self) -> Result<(), L::Error> {
        let step = self.step;
        let names: Vec<String> = self.variants().iter().map(|(name, _)| name.to_string()).collect();
        let variants: Vec<(String, Vec<f32>)> =
            self.variants().into_iter().map(|(name, theta)| (name.to_string(), theta.to_vec())).collect();
        let borrowed: Vec<(&str, &[f32])> = variants.iter().map(|(n, t)| (n.as_str(), t.as_slice())).collect();
        let headline = self.learner.evaluate(step, &borrowed)?;
        let mut held_out = Vec::with_capacity(borrowed.len());
        for (name, theta) in &borrowed {
            let val_loss = self.learner.held_out_loss(theta)?;
            self.logs.validation.append(&ValidationRow { step, variant: name.to_string(), val_loss })?;
            self.logs.events.scalar(step, &format!("val_loss/{name}"), val_loss)?;
            held_out.push(val_loss);
        }
        for (name, value) in names.iter().zip(&headline) {
            self.logs.events.scalar(step, &format!("{}/{name}", L::HEADLINE), *value)?;
        }
        // A learner judged by its held-out loss alone reports that.
        let headline = if headline.is_empty() { held_out } else { headline };
        self.last_eval = names.into_iter().zip(headline).collect();
        Ok(())
    }

    /// Judges the pending window iterates, all at once.
    fn evaluate_iterates(&mut self) -> Result<(), L::Error> {
        if self.pending_iterates.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending_iterates);
        let borrowed: Vec<(u64, &str, &[f32])> =
            pending.iter().map(|(s, n, t)| (*s, n.as_str(), t.as_slice())).collect();
        self.learner.evaluate_iterates(&borrowed)
    }

    /// The parameters of every variant at this evaluation, kept for landscapes and later analysis.
    fn save_params(&self) -> Result<(), L::Error> {
        let mut f = TensorFile::default();
        for (name, theta) in self.variants() {
            f.insert(name, vec![theta.len()], Tensor::F32(theta.to_vec()));
        }
        for (key, value) in self.learner.params_meta() {
            f.set_meta(&key, value);
        }
        Ok(crate::kept::write_kept(&self.run, self.step, f)?)
    }

    fn save_checkpoint(&mut self) -> Result<(), L::Error> {
        let mut c = Checkpoint::new(self.config.format);
        c.record_config(self.run.config_text());
        c.put_f32("theta", &self.theta);
        self.optimizer.save_state("optimizer.", &mut c);
        for s in &self.stabilizers {
            s.save_state(&format!("stabilizer.{}.", crate::Stabilizer::name(s)), &mut c);
        }
        c.put_rng("rng", &self.rng);
        c.put_count("step", self.step);
        c.put_real("loss_sum", self.loss_sum);
        c.put_count("loss_count", self.loss_count);
        self.logs.record(&mut c)?;
        self.learner.save_state(&mut c)?;
        c.set_meta("step", self.step);
        self.run.save_checkpoint(c).map_err(TrainError::from)?;
        self.last_checkpoint = self.step;
        Ok(())
    }

    /// Restores the loop's parts and checks that the counters agree with each other and the config.
    fn restore(&mut self, c: &Checkpoint) -> Result<(), L::Error> {
        let step = c.count_at_most("step", self.config.steps)?;
        let theta = c.f32_exact("theta", self.theta.len())?;
        self.theta.copy_from_slice(theta);
        self.optimizer.load_state("optimizer.", c)?;
        if self.optimizer.step_count() != step {
            let what = format!("the optimizer took {} steps, the run {step}", self.optimizer.step_count());
            return Err(c.invalid(what).into());
        }
        for s in &mut self.stabilizers {
            let prefix = format!("stabilizer.{}.", crate::Stabilizer::name(s));
            s.load_state(&prefix, c)?;
        }
        self.loss_sum = c.real("loss_sum")?;
        self.loss_count = c.count_at_most("loss_count", self.config.log_every)?;
        self.learner.load_state(c)?;
        self.step = step;
        self.last_checkpoint = step;
        Ok(())
    }
}
