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
    /// Fresh data as the paper means it: every minibatch from new expert trajectories with i.i.d. initial
    /// conditions, no row drawn twice; `trajectories` is the size of each pool the rows are drawn from.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stream: bool,
    /// Threads collecting trajectories.
    pub threads: usize,
    /// The seed of the expert data's initial conditions, apart from the training seed, so that runs of
    /// several training seeds can share one dataset (unset: the training seed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// A Minari dataset (an ID under `$MINARI_DATASETS_PATH` or `~/.minari/datasets`, or a directory)
    /// instead of expert rollouts: its first `trajectories` episodes train, the next
    /// `validation_trajectories` validate, cut at `horizon` steps; the env evaluated on is `env`
    /// (docs/minari.md). The expert still gives the yardstick `expert.csv`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minari: Option<String>,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            trajectories: 50,
            validation_trajectories: 5,
            horizon: 1000,
            fresh: false,
            refresh_every: 100,
            stream: false,
            threads: 2,
            seed: None,
            minari: None,
        }
    }
}

/// The imitator network: an MLP on the current step (`hidden`, `activation`, `layer_norm`), or with
/// `kind = "transformer"` a GPT over the last `window` steps (`n_layer`, `n_head`, `n_embd`); `dropout`
/// for both. Keys of the other kind are refused, and an MLP config serializes as it always did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    #[serde(default, skip_serializing_if = "NetworkKind::is_mlp")]
    pub kind: NetworkKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<usize>,
    #[serde(default = "relu")]
    pub activation: Activation,
    #[serde(default)]
    pub layer_norm: bool,
    #[serde(default)]
    pub dropout: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_layer: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_head: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_embd: Option<usize>,
    /// The MLP's head: `linear` regresses actions as they are (the default, so configs written before this
    /// key resume unchanged); `tanh` squashes them into the control range, `mid + half · tanh(y)`, so no
    /// action leaves the box (Humanoid). The Transformer's head is always squashed.
    #[serde(default, skip_serializing_if = "Head::is_linear")]
    pub output: Head,
}

/// How the MLP imitator's outputs become actions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Head {
    #[default]
    Linear,
    Tanh,
}

impl Head {
    fn is_linear(&self) -> bool {
        *self == Head::Linear
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkKind {
    #[default]
    Mlp,
    Transformer,
}

impl NetworkKind {
    fn is_mlp(&self) -> bool {
        *self == NetworkKind::Mlp
    }
}

/// The Transformer imitator's defaults: 8 steps of history, 2 blocks of 4 heads over 64 channels.
pub const TRANSFORMER_DEFAULTS: (usize, usize, usize, usize) = (8, 2, 4, 64);

impl NetworkConfig {
    /// The Transformer's shape for rows of `input` channels and `output` actions (defaults where unset).
    pub fn transformer_shape(&self, input: usize, output: usize) -> butterfly_gpt::ImitatorShape {
        let (window, n_layer, n_head, n_embd) = TRANSFORMER_DEFAULTS;
        butterfly_gpt::ImitatorShape {
            input,
            output,
            window: self.window.unwrap_or(window),
            n_layer: self.n_layer.unwrap_or(n_layer),
            n_head: self.n_head.unwrap_or(n_head),
            n_embd: self.n_embd.unwrap_or(n_embd),
        }
    }

    fn validate(&self) -> Result<(), ImitateError> {
        let bad = |m: String| Err(ImitateError::Config(m));
        let transformer_keys = [self.window, self.n_layer, self.n_head, self.n_embd];
        match self.kind {
            NetworkKind::Mlp => {
                if self.hidden.is_empty() || self.hidden.contains(&0) {
                    return bad("network.hidden needs at least one layer, each of at least 1 unit".into());
                }
                if transformer_keys.iter().any(Option::is_some) {
                    return bad("network.window, n_layer, n_head and n_embd are for kind = \"transformer\"".into());
                }
            }
            NetworkKind::Transformer => {
                if !self.hidden.is_empty() || self.layer_norm || self.activation != Activation::Relu {
                    return bad("network.hidden, activation and layer_norm are for the MLP (kind = \"mlp\")".into());
                }
                self.transformer_shape(1, 1).validate().map_err(|e| ImitateError::Config(format!("network: {e}")))?;
            }
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad("network.dropout must be in [0, 1)".into());
        }
        Ok(())
    }
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

butterfly_train::training_config!(BcConfig);

impl BcConfig {
    /// The seed of the expert data (`data.seed`, else the training seed).
    pub fn data_seed(&self) -> u64 {
        self.data.seed.unwrap_or(self.seed)
    }

    pub fn from_toml(text: &str) -> Result<Self, ImitateError> {
        let config: BcConfig =
            toml::from_str(text).map_err(|e| ImitateError::Config(butterfly_train::toml_error(&e, text)))?;
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
        if self.steps == 0 || self.batch_size == 0 || self.accumulation == 0 {
            return bad("steps, batch_size and accumulation must be positive");
        }
        for (key, n) in
            [("threads", self.threads), ("data.threads", self.data.threads), ("eval.threads", self.eval.threads)]
        {
            butterfly_store::threads::check_threads(key, n)?;
        }
        self.network.validate()?;
        if self.data.trajectories == 0 || self.data.validation_trajectories == 0 || self.data.horizon == 0 {
            return bad("data needs trajectories, validation_trajectories and horizon ≥ 1");
        }
        if self.data.fresh && self.data.refresh_every == 0 {
            return bad("data.refresh_every must be ≥ 1 in fresh mode");
        }
        if self.data.fresh && self.data.stream {
            return bad("data.fresh (a rolling pool) and data.stream (no row drawn twice) exclude each other");
        }
        if self.data.stream && (self.data.trajectories as u128) * (self.data.horizon as u128) < self.batch_size as u128
        {
            return bad("data.stream needs a pool (data.trajectories × data.horizon rows) of at least one minibatch");
        }
        if self.data.minari.is_some() && (self.data.fresh || self.data.stream || self.data.seed.is_some()) {
            return bad(
                "data.minari reads a dataset as it is: data.fresh, data.stream and data.seed roll the expert out",
            );
        }
        if self.eval.every == 0
            || self.eval.initial_conditions == 0
            || self.eval.horizon == 0
            || self.eval.log_every == 0
        {
            return bad("eval.every, eval.initial_conditions, eval.horizon and eval.log_every must be ≥ 1");
        }
        let e = &self.eval;
        Ok(check_training(self.steps, &e.windows, &self.schedule, self.optimizer, &self.stabilizers)?)
    }

    /// Checks, before anything is allocated, that the network, its minibatches and the evaluation
    /// snapshots fit in this machine's memory (the error names the largest part); the expert data is
    /// checked where it is collected.
    pub fn check_fits(&self, obs_dim: usize, act_dim: usize) -> Result<(), ImitateError> {
        // θ, its gradient, two optimizer moments, each stabilizer, and the parameter snapshots an
        // evaluation window keeps (16 iterates of every variant).
        let variants = 1 + self.stabilizers.len() as u128;
        let copies = 4 + variants + 16 * variants;
        if self.network.kind == NetworkKind::Transformer {
            let shape = self.network.transformer_shape(obs_dim + act_dim, act_dim);
            let params = butterfly_gpt::ImitatorTable::new(&shape).total as u128;
            // Per row of a window: the stack keeps ≈ 16·C activations per block, plus T scores per head.
            let (l, c, t, h) =
                (shape.n_layer as u128, shape.n_embd as u128, shape.window as u128, shape.n_head as u128);
            let per_row = l * (16 * c + h * t) + 4 * c;
            butterfly_store::memory::ensure_fits(&[
                ("the network (kind = \"transformer\")", params.saturating_mul(copies), 4),
                (
                    &format!("a minibatch (batch_size = {} windows of {t})", self.batch_size),
                    per_row.saturating_mul(t * self.batch_size as u128),
                    4,
                ),
            ])?;
            return Ok(());
        }
        let input = (obs_dim + act_dim) as u128;
        let widths: Vec<u128> = std::iter::once(input)
            .chain(self.network.hidden.iter().map(|&h| h as u128))
            .chain(std::iter::once(act_dim as u128))
            .collect();
        let params: u128 = widths.windows(2).map(|w| w[0].saturating_mul(w[1]).saturating_add(w[1] * 3)).sum();
        let units: u128 = widths.iter().sum();
        butterfly_store::memory::ensure_fits(&[
            (&format!("the network (hidden = {:?})", self.network.hidden), params.saturating_mul(copies), 4),
            (
                &format!("a minibatch (batch_size = {})", self.batch_size),
                units.saturating_mul(3 * self.batch_size as u128),
                4,
            ),
        ])?;
        Ok(())
    }
}
