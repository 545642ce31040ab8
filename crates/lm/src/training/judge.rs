//! An LM run's judgement of parameters it did not train (`butterfly stabilize`): the validation loss on
//! its fixed validation windows, as training computes it. Flip-flop scores come from `lm score`, which
//! scores every kept variant, these included.

use std::path::Path;

use butterfly_gpt::Gpt;
use butterfly_train::{Judge, Rows, Threads};

use crate::LmError;
use crate::analysis::kept_model::run_config;
use crate::training::learner::validation_loss;
use crate::training::trainer::inputs;

pub struct LmJudge {
    gpt: Gpt,
    val: Vec<u32>,
    val_starts: Vec<usize>,
    batch_size: usize,
    seq_len: usize,
    buffers: (Vec<u32>, Vec<u32>),
}

impl LmJudge {
    /// The judge of the LM run in `dir`, from its config and the prepared data it names.
    pub fn open(dir: &Path) -> Result<Self, LmError> {
        let config = run_config(dir)?;
        let inputs = inputs(&config)?;
        let gpt = Gpt::new(inputs.gpt)?.with_threads(Threads::new(config.threads)?);
        let (val, val_starts) = (inputs.val, inputs.starts.1);
        let (batch_size, seq_len) = (config.batch_size, config.seq_len);
        Ok(Self { gpt, val, val_starts, batch_size, seq_len, buffers: (Vec::new(), Vec::new()) })
    }
}

impl LmJudge {
    /// The run's validation batches (its `eval.val_batches`).
    pub fn batches(&self) -> usize {
        self.val_starts.len().div_ceil(self.batch_size)
    }

    /// The loss at `theta` on validation batch `k` alone: what `butterfly select` compares kept LM parameters
    /// by, one batch a round (their mean over every batch is the run's validation loss).
    pub fn batch_loss(&mut self, theta: &[f32], k: usize) -> Result<f64, LmError> {
        let (tokens, targets) = &mut self.buffers;
        let starts = self.val_starts.chunks(self.batch_size).nth(k).unwrap_or(&[]);
        validation_loss(
            &mut self.gpt,
            theta,
            (self.val.as_slice(), starts),
            (self.batch_size, self.seq_len),
            (tokens, targets),
        )
    }
}

impl Judge for LmJudge {
    type Error = LmError;

    fn held_out_loss(&mut self, theta: &[f32]) -> Result<f64, LmError> {
        let (tokens, targets) = &mut self.buffers;
        let windows = (self.val.as_slice(), self.val_starts.as_slice());
        validation_loss(&mut self.gpt, theta, windows, (self.batch_size, self.seq_len), (tokens, targets))
    }

    /// Judged by its validation loss alone.
    fn evaluate(&mut self, _step: u64, _variants: &[(&str, &[f32])]) -> Result<Vec<Rows>, LmError> {
        Ok(Vec::new())
    }
}
