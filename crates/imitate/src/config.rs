//! A BC experiment as a TOML file; unknown keys are rejected, naming the key.

use butterfly_nn::{Activation, OptimizerConfig, Schedule};
use serde::{Deserialize, Serialize};

use butterfly_train::{StabilizerSpec, Window, check_training};

use crate::ImitateError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BcConfig {
    /// Gymnasium id, or `LinearSystem`.
    pub env: String,
    /// A policy file, or `linear` (the linear system's controller).
    pub expert: String,
    #[serde(default)]
    pub seed: u64,
    /// Gradient updates.
    pub steps: u64,
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// Micro-batches per update (the update uses their mean gradient).
    #[serde(default = "one")]
    pub accumulation: usize,
    /// Standardize imitator inputs with the training data's mean and std.
    #[serde(default = "yes")]
    pub normalize: bool,
    /// Threads for the network math (the GEMM).
    #[serde(default = "one")]
    pub threads: usize,
    #[serde(default)]
    pub data: DataConfig,
    pub network: NetworkConfig,
    #[serde(default = "default_optimizer")]
    pub optimizer: OptimizerConfig,
    pub schedule: Schedule,
    #[serde(default)]
    pub stabilizers: Vec<StabilizerSpec>,
    #[serde(default)]
    pub eval: EvalConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Expert trajectories for training (in fresh mode: the size of the rolling pool).
    pub trajectories: usize,
    /// Held-out trajectories for the validation BC loss.
    pub validation_trajectories: usize,
    /// Steps per trajectory (fewer when the expert's episode terminates).
    pub horizon: usize,
    /// Fresh data ("infinite data"): every `refresh_every` updates a new expert trajectory replaces the
    /// oldest one of the pool.
    pub fresh: bool,
    pub refresh_every: u64,
    /// Threads collecting trajectories.
    pub threads: usize,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            trajectories: 50,
            validation_trajectories: 5,
            horizon: 1000,
            fresh: false,
            refresh_every: 100,
            threads: 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    pub hidden: Vec<usize>,
    #[serde(default = "relu")]
    pub activation: Activation,
    #[serde(default)]
    pub layer_norm: bool,
    #[serde(default)]
    pub dropout: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvalConfig {
    /// Evaluate (and checkpoint) every this many updates.
    pub every: u64,
    /// K fixed initial conditions, drawn once from the reset distribution with `seed`.
    pub initial_conditions: usize,
    /// Rollout horizon H of J_H.
    pub horizon: usize,
    pub seed: u64,
    /// Threads running rollouts.
    pub threads: usize,
    /// Write the mean training loss every this many updates.
    pub log_every: u64,
    /// Stretches of consecutive iterates evaluated one by one (`iterates.csv`), e.g.
    /// `windows = [{ start = 100000, length = 100 }]`.
    pub windows: Vec<Window>,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            every: 5000,
            initial_conditions: 20,
            horizon: 1000,
            seed: 1,
            threads: 2,
            log_every: 100,
            windows: Vec::new(),
        }
    }
}

fn default_batch() -> usize {
    256
}
fn one() -> usize {
    1
}
fn yes() -> bool {
    true
}
fn relu() -> Activation {
    Activation::Relu
}
fn default_optimizer() -> OptimizerConfig {
    OptimizerConfig::adam()
}

impl BcConfig {
    pub fn from_toml(text: &str) -> Result<Self, ImitateError> {
        let config: BcConfig =
            toml::from_str(text).map_err(|e| ImitateError::Config(e.to_string().trim().replace('\n', " ")))?;
        config.validate()?;
        Ok(config)
    }

    /// The config of the run in `dir`, read the one way every reader of a run reads it.
    pub fn of_run(dir: &std::path::Path) -> Result<Self, ImitateError> {
        let path = dir.join(butterfly_store::run_dir::CONFIG);
        let text = std::fs::read_to_string(&path).map_err(|_| ImitateError::RunDir {
            path: dir.to_path_buf(),
            what: format!("is not a BC run directory (no readable {})", butterfly_store::run_dir::CONFIG),
        })?;
        Self::parse_run(&text, &path)
    }

    /// A run's stored config, errors naming its file.
    pub(crate) fn parse_run(text: &str, path: &std::path::Path) -> Result<Self, ImitateError> {
        Self::from_toml(text).map_err(|e| ImitateError::RunDir { path: path.to_path_buf(), what: e.to_string() })
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("configs serialize")
    }

    pub fn validate(&self) -> Result<(), ImitateError> {
        let bad = |m: &str| Err(ImitateError::Config(m.into()));
        if self.steps == 0 || self.batch_size == 0 || self.accumulation == 0 || self.threads == 0 {
            return bad("steps, batch_size, accumulation and threads must be positive");
        }
        if self.data.threads == 0 || self.eval.threads == 0 {
            return bad("data.threads and eval.threads must be positive");
        }
        if self.network.hidden.contains(&0) {
            return bad("every hidden layer of network.hidden needs at least 1 unit");
        }
        if self.data.trajectories == 0 || self.data.validation_trajectories == 0 || self.data.horizon == 0 {
            return bad("data needs trajectories, validation_trajectories and horizon ≥ 1");
        }
        if self.data.fresh && self.data.refresh_every == 0 {
            return bad("data.refresh_every must be ≥ 1 in fresh mode");
        }
        if self.eval.every == 0
            || self.eval.initial_conditions == 0
            || self.eval.horizon == 0
            || self.eval.log_every == 0
        {
            return bad("eval.every, eval.initial_conditions, eval.horizon and eval.log_every must be ≥ 1");
        }
        if !(0.0..1.0).contains(&self.network.dropout) {
            return bad("network.dropout must be in [0, 1)");
        }
        let e = &self.eval;
        Ok(check_training(self.steps, &e.windows, &self.schedule, self.optimizer, &self.stabilizers)?)
    }

    /// Checks, before anything is allocated, that the network, its minibatches and the evaluation
    /// snapshots fit in this machine's memory (the error names the largest part); the expert data is
    /// checked where it is collected.
    pub fn check_fits(&self, obs_dim: usize, act_dim: usize) -> Result<(), ImitateError> {
        let input = (obs_dim + act_dim) as u128;
        let widths: Vec<u128> = std::iter::once(input)
            .chain(self.network.hidden.iter().map(|&h| h as u128))
            .chain(std::iter::once(act_dim as u128))
            .collect();
        let params: u128 = widths.windows(2).map(|w| w[0].saturating_mul(w[1]).saturating_add(w[1] * 3)).sum();
        let units: u128 = widths.iter().sum();
        // θ, its gradient, two optimizer moments, each stabilizer, and the parameter snapshots an
        // evaluation window keeps (16 iterates of every variant).
        let variants = 1 + self.stabilizers.len() as u128;
        let copies = 4 + variants + 16 * variants;
        butterfly_store::memory::ensure_fits(&[
            (&format!("the network (hidden = {:?})", self.network.hidden), params.saturating_mul(copies), 4),
            (&format!("a minibatch (batch_size = {})", self.batch_size), units.saturating_mul(3 * self.batch_size as u128), 4),
        ])?;
        Ok(())
    }
}
