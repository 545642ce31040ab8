//! An LM experiment as a TOML file; unknown keys are rejected, naming the key.

use std::path::PathBuf;

use butterfly_nn::{OptimizerConfig, Schedule};
use butterfly_train::{StabilizerSpec, Window, check_training};
use serde::{Deserialize, Serialize};

use crate::LmError;
use crate::data::windows::WindowAlign;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LmConfig {
    /// A directory written by `butterfly lm prepare` (tokenizer, train.bin, val.bin); `~/` is the home.
    pub data: PathBuf,
    #[serde(default)]
    pub seed: u64,
    /// Optimizer updates.
    pub steps: u64,
    /// Sequences per micro-batch.
    pub batch_size: usize,
    /// Tokens per training sequence (at most `model.context`).
    pub seq_len: usize,
    #[serde(default = "one")]
    pub accumulation: usize,
    /// Threads of the engine.
    #[serde(default = "one")]
    pub threads: usize,
    /// Where training and validation windows start: `anywhere` (the corpus as one stream) or
    /// `documents` (only at an end-of-text token: each window begins a document).
    #[serde(default, skip_serializing_if = "WindowAlign::is_anywhere")]
    pub windows: WindowAlign,
    pub model: ModelConfig,
    #[serde(default = "default_optimizer")]
    pub optimizer: OptimizerConfig,
    pub schedule: Schedule,
    #[serde(default)]
    pub stabilizers: Vec<StabilizerSpec>,
    #[serde(default)]
    pub eval: EvalConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    pub n_layer: usize,
    pub n_head: usize,
    pub n_embd: usize,
    /// The longest context (rows of the position embedding).
    pub context: usize,
    /// Dropout probability in training (nanoGPT's four places); evaluation and sampling run without it.
    #[serde(default)]
    pub dropout: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvalConfig {
    /// Validation loss of every variant (and a checkpoint) every this many updates.
    pub every: u64,
    /// Fixed validation batches (each `batch_size` × `seq_len`, evenly spaced through val.bin).
    pub val_batches: usize,
    /// Write the mean training loss every this many updates.
    pub log_every: u64,
    /// Stretches of consecutive iterates whose validation loss is measured one by one (`iterates.csv`).
    pub windows: Vec<Window>,
    /// Greedy continuations of fixed validation prompts by every iterate of the windows, each compared
    /// with the iterate one update earlier (`iterate_generations.csv`); off when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_generations: Option<WindowGenerations>,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self { every: 250, val_batches: 8, log_every: 10, windows: Vec::new(), window_generations: None }
    }
}

/// `[eval.window_generations]` of an LM config.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WindowGenerations {
    /// Prompts cut from the validation split at evenly spaced places.
    pub prompts: usize,
    pub prompt_tokens: usize,
    /// Greedy tokens generated after each prompt.
    pub tokens: usize,
}

impl Default for WindowGenerations {
    fn default() -> Self {
        Self { prompts: 16, prompt_tokens: 16, tokens: 32 }
    }
}

fn one() -> usize {
    1
}

/// nanoGPT's AdamW: β = (0.9, 0.95), decay 0.1 on the 2-D weights, clipping at 1.
fn default_optimizer() -> OptimizerConfig {
    let kind = butterfly_nn::OptimizerKind::AdamW { beta1: 0.9, beta2: 0.95, eps: 1e-8 };
    OptimizerConfig { kind, weight_decay: 0.1, clip_norm: Some(1.0) }
}

butterfly_train::training_config!(LmConfig);

impl LmConfig {
    pub fn from_toml(text: &str) -> Result<Self, LmError> {
        let mut config: LmConfig =
            toml::from_str(text).map_err(|e| LmError::Config(butterfly_train::toml_error(&e, text)))?;
        // `~/` names the home directory, as in a shell; the run stores the resolved path.
        if let (Ok(rest), Some(home)) = (config.data.strip_prefix("~"), std::env::var_os("HOME")) {
            config.data = PathBuf::from(home).join(rest);
        }
        config.validate()?;
        Ok(config)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("configs serialize")
    }

    pub fn validate(&self) -> Result<(), LmError> {
        let bad = |m: String| Err(LmError::Config(m));
        if self.steps == 0 || self.batch_size == 0 || self.seq_len == 0 || self.accumulation == 0 {
            return bad("steps, batch_size, seq_len and accumulation must be positive".into());
        }
        butterfly_store::threads::check_threads("threads", self.threads)?;
        if !(0.0..1.0).contains(&self.model.dropout) {
            return bad(format!("model.dropout = {} must be in [0, 1)", self.model.dropout));
        }
        if self.seq_len > self.model.context {
            return bad(format!("seq_len = {} is longer than model.context = {}", self.seq_len, self.model.context));
        }
        let e = &self.eval;
        if e.every == 0 || e.val_batches == 0 || e.log_every == 0 {
            return bad("eval.every, eval.val_batches and eval.log_every must be ≥ 1".into());
        }
        Ok(check_training(self.steps, &e.windows, &self.schedule, self.optimizer, &self.stabilizers)?)
    }
}
