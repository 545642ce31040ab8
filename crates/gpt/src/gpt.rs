//! The model as the trainer uses it: f32 parameters, and two threads splitting the batch at the top
//! level (each with its own activations and gradient, added in a fixed order: no locks inside ops).

use butterfly_nn::Threads;

use crate::model::Worker;
use crate::ops::dropout::Dropout;
use crate::{GptConfig, GptError, ParamTable};

pub struct Gpt {
    pub config: GptConfig,
    pub table: ParamTable,
    workers: [Worker<f32>; 2],
    /// The second worker's gradient, added to the first's.
    second_grad: Vec<f32>,
    threads: Threads,
}

impl Gpt {
    pub fn new(config: GptConfig) -> Result<Self, GptError> {
        config.validate()?;
        let table = ParamTable::new(&config);
        Ok(Self { config, table, workers: Default::default(), second_grad: Vec::new(), threads: Threads::one() })
    }

    /// The same model splitting its batches over `threads` (a worker per half).
    pub fn with_threads(self, threads: Threads) -> Self {
        Self { threads, ..self }
    }

    pub fn num_params(&self) -> usize {
        self.table.total
    }

    fn check(&self, theta: &[f32], tokens: &[u32], targets: &[u32], seq: usize) -> Result<(), GptError> {
        let bad = |what: String| Err(GptError::Input { what });
        if theta.len() != self.table.total {
            return bad(format!("{} parameters, the model has {}", theta.len(), self.table.total));
        }
        if seq == 0 || seq > self.config.context || tokens.is_empty() || !tokens.len().is_multiple_of(seq) {
            return bad(format!(
                "{} tokens do not make sequences of {seq} ≤ context {}",
                tokens.len(),
                self.config.context
            ));
        }
        if targets.len() != tokens.len() {
            return bad(format!("{} targets for {} tokens", targets.len(), tokens.len()));
        }
        if let Some(&t) = tokens.iter().chain(targets).find(|&&t| t as usize >= self.config.vocab_size) {
            return bad(format!("token {t} is outside the vocabulary of {}", self.config.vocab_size));
        }
        Ok(())
    }

    /// The mean next-token cross-entropy of `targets` given `tokens` (both `[B, seq]`), and its
    /// gradient written into `grad` (added to it when `accumulate`); in training mode with `dropout`.
    #[allow(clippy::too_many_arguments)]
    pub fn loss_and_grad(
        &mut self,
        theta: &[f32],
        tokens: &[u32],
        targets: &[u32],
        seq: usize,
        grad: &mut [f32],
        accumulate: bool,
        dropout: Option<Dropout>,
    ) -> Result<f64, GptError> {
        self.check(theta, tokens, targets, seq)?;
        if let Some(d) = dropout.filter(|d| !(0.0..1.0).contains(&d.p)) {
            return Err(GptError::Input { what: format!("dropout p = {} is outside [0, 1)", d.p) });
        }
        let batch = tokens.len() / seq;
        let dloss = 1.0 / tokens.len() as f32;
        if !accumulate {
            grad.fill(0.0);
        }
        let (cfg, table) = (&self.config, &self.table);
        let [first, second] = &mut self.workers;
        if !self.threads.splits() || batch < 2 {
            first.resize(cfg, batch, seq);
            let sum = first.forward(cfg, table, theta, tokens, Some(targets), dropout.map(|d| (d, 0)));
            first.backward(cfg, table, theta, tokens, targets, dloss, grad);
            return Ok(sum / tokens.len() as f64);
        }
        // The first half of the sequences here, the rest on the helper thread.
        let split = batch.div_ceil(2) * seq;
        let (tok0, tok1) = tokens.split_at(split);
        let (tar0, tar1) = targets.split_at(split);
        first.resize(cfg, split / seq, seq);
        second.resize(cfg, (tokens.len() - split) / seq, seq);
        self.second_grad.clear();
        self.second_grad.resize(theta.len(), 0.0);
        let second_grad = &mut self.second_grad;
        let (mut sum0, mut sum1) = (0.0, 0.0);
        self.threads.join_serial(
            || {
                sum0 = first.forward(cfg, table, theta, tok0, Some(tar0), dropout.map(|d| (d, 0)));
                first.backward(cfg, table, theta, tok0, tar0, dloss, grad);
            },
            || {
                sum1 = second.forward(cfg, table, theta, tok1, Some(tar1), dropout.map(|d| (d, split / seq)));
                second.backward(cfg, table, theta, tok1, tar1, dloss, second_grad);
            },
        );
        for (g, &h) in grad.iter_mut().zip(second_grad.iter()) {
            *g += h;
        }
        Ok((sum0 + sum1) / tokens.len() as f64)
    }

    /// The logits `[T, V]` of one sequence of `tokens` (T ≤ context): row t scores the token after t.
    pub fn logits(&mut self, theta: &[f32], tokens: &[u32]) -> Result<&[f32], GptError> {
        self.check(theta, tokens, tokens, tokens.len())?;
        let w = &mut self.workers[0];
        w.resize(&self.config, 1, tokens.len());
        w.forward(&self.config, &self.table, theta, tokens, None, None);
        Ok(&w.acts.logits)
    }

    /// The mean cross-entropy alone (no gradient), in one pass.
    pub fn loss(&mut self, theta: &[f32], tokens: &[u32], targets: &[u32], seq: usize) -> Result<f64, GptError> {
        self.check(theta, tokens, targets, seq)?;
        let w = &mut self.workers[0];
        w.resize(&self.config, tokens.len() / seq, seq);
        Ok(w.forward(&self.config, &self.table, theta, tokens, Some(targets), None) / tokens.len() as f64)
    }
}
