//! The LM learner: next-token prediction on random windows of the training shard, judged by the
//! validation loss on fixed batches (at the evaluation cadence and at every iterate of the windows).

use std::path::PathBuf;

use butterfly_gpt::{Dropout, Gpt};
use butterfly_store::{Checkpoint, Log, LogRow};
use butterfly_train::{Learner, TrainRng, ValidationRow};
use rand::Rng;

use crate::LmError;
use crate::analysis::window_probe::WindowProbe;
use crate::data::windows::WindowStarts;

/// Validation loss of every iterate inside the evaluation windows (`iterates.csv`): rows of `validation.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct IterateLossRow(pub ValidationRow);

impl LogRow for IterateLossRow {
    const FILE: &'static str = "iterates.csv";
    const HEADER: &'static str = ValidationRow::HEADER;
    fn line(&self) -> String {
        self.0.line()
    }
    fn parse(f: &[&str]) -> Result<Self, String> {
        ValidationRow::parse(f).map(Self)
    }
    fn key(&self) -> (u64, String) {
        self.0.key()
    }
}

pub struct LmLearner {
    pub gpt: Gpt,
    train: Vec<u32>,
    val: Vec<u32>,
    batch_size: usize,
    seq_len: usize,
    /// Dropout's probability, and the generator of each update's mask seed (its own stream of the run's
    /// seed, checkpointed).
    dropout: (f64, TrainRng),
    /// Where training windows may start in `train`.
    train_starts: WindowStarts,
    /// Start of each fixed validation sequence in `val`.
    val_starts: Vec<usize>,
    iterates: Log<IterateLossRow>,
    /// Generations of every window iterate, when the config asks for them.
    probe: Option<WindowProbe>,
    /// (name in the checkpoint, path) of the files the run reads: the tokenizer copy and the shards.
    inputs: Vec<(String, PathBuf)>,
    tokens: Vec<u32>,
    targets: Vec<u32>,
}

impl LmLearner {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        gpt: Gpt,
        train: Vec<u32>,
        val: Vec<u32>,
        batch_size: usize,
        seq_len: usize,
        dropout: (f64, TrainRng),
        (train_starts, val_starts): (WindowStarts, Vec<usize>),
        iterates: Log<IterateLossRow>,
        probe: Option<WindowProbe>,
        inputs: Vec<(String, PathBuf)>,
    ) -> Self {
        Self {
            gpt,
            train,
            val,
            batch_size,
            seq_len,
            dropout,
            train_starts,
            val_starts,
            iterates,
            probe,
            inputs,
            tokens: Vec::new(),
            targets: Vec::new(),
        }
    }
}

/// Fills `tokens` and `targets` with the windows of `src` starting at `starts`, `t` tokens each.
fn fill(src: &[u32], starts: &[usize], t: usize, (tokens, targets): (&mut Vec<u32>, &mut Vec<u32>)) {
    tokens.clear();
    targets.clear();
    for &s in starts {
        tokens.extend_from_slice(&src[s..s + t]);
        targets.extend_from_slice(&src[s + 1..s + t + 1]);
    }
}

/// The mean loss at `theta` over the validation windows of `val` at `starts` (`seq_len` tokens each), in
/// batches of `batch_size`: the held-out loss of training, and of `butterfly stabilize`'s variants.
pub(crate) fn validation_loss(
    gpt: &mut Gpt,
    theta: &[f32],
    (val, starts): (&[u32], &[usize]),
    (batch_size, seq_len): (usize, usize),
    buffers: (&mut Vec<u32>, &mut Vec<u32>),
) -> Result<f64, LmError> {
    let (tokens, targets) = buffers;
    let mut total = 0.0;
    for chunk in starts.chunks(batch_size) {
        fill(val, chunk, seq_len, (&mut *tokens, &mut *targets));
        total += gpt.loss(theta, tokens, targets, seq_len)? * chunk.len() as f64;
    }
    Ok(total / starts.len() as f64)
}

impl Learner for LmLearner {
    type Error = LmError;

    fn minibatch_gradient(
        &mut self,
        theta: &[f32],
        rng: &mut TrainRng,
        grad: &mut [f32],
        accumulate: bool,
    ) -> Result<f64, LmError> {
        let starts: Vec<usize> = (0..self.batch_size).map(|_| self.train_starts.draw(rng)).collect();
        fill(&self.train, &starts, self.seq_len, (&mut self.tokens, &mut self.targets));
        let (p, seeds) = &mut self.dropout;
        let dropout = (*p > 0.0).then(|| Dropout { p: *p, seed: seeds.random() });
        Ok(self.gpt.loss_and_grad(theta, &self.tokens, &self.targets, self.seq_len, grad, accumulate, dropout)?)
    }

    fn held_out_loss(&mut self, theta: &[f32]) -> Result<f64, LmError> {
        let windows = (self.val.as_slice(), self.val_starts.as_slice());
        let buffers = (&mut self.tokens, &mut self.targets);
        validation_loss(&mut self.gpt, theta, windows, (self.batch_size, self.seq_len), buffers)
    }

    /// Judged by the validation loss alone (the loop logs it).
    fn evaluate(&mut self, _step: u64, _variants: &[(&str, &[f32])]) -> Result<Vec<f64>, LmError> {
        Ok(Vec::new())
    }

    fn evaluate_iterates(&mut self, iterates: &[(u64, &str, &[f32])]) -> Result<(), LmError> {
        for &(step, name, theta) in iterates {
            let val_loss = self.held_out_loss(theta)?;
            self.iterates.append(&IterateLossRow(ValidationRow { step, variant: name.to_string(), val_loss }))?;
            if let Some(probe) = &mut self.probe {
                probe.judge(step, name, theta)?;
            }
        }
        Ok(())
    }

    fn save_state(&self, c: &mut Checkpoint) -> Result<(), LmError> {
        c.put_rng("dropout_rng", &self.dropout.1);
        self.iterates.record(c)?;
        if let Some(probe) = &self.probe {
            probe.save(c)?;
        }
        for (name, path) in &self.inputs {
            c.put_file(name, path)?;
        }
        Ok(())
    }

    fn load_state(&mut self, c: &Checkpoint) -> Result<(), LmError> {
        self.dropout.1 = c.rng("dropout_rng")?;
        for (name, path) in &self.inputs {
            c.verify_file(name, path)?;
        }
        if let Some(probe) = &mut self.probe {
            probe.load(c)?;
        }
        Ok(())
    }

    fn cut_back(&mut self) -> Result<(), LmError> {
        if let Some(probe) = &mut self.probe {
            probe.cut_back()?;
        }
        Ok(self.iterates.cut_back()?)
    }

    fn params_meta(&self) -> Vec<(String, String)> {
        let c = &self.gpt.config;
        [
            ("vocab_size", c.vocab_size),
            ("context", c.context),
            ("n_layer", c.n_layer),
            ("n_head", c.n_head),
            ("n_embd", c.n_embd),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }
}
