//! The imitator network of a BC config: its input standardization, its minibatch gradient, its
//! held-out loss, and the policy it becomes at evaluation. Shared by the trainer and the landscapes.

use std::collections::BTreeMap;

use butterfly_envs::{EnvRng, EnvSpec};
use butterfly_nn::{Mlp, MlpSpec, mse};
use butterfly_policy::{MlpPolicy, OutputKind, PolicyMeta};
use rand::Rng;

use crate::{BcConfig, Dataset, ImitateError};

/// Rows per forward pass when computing the validation loss.
const VALIDATION_CHUNK: usize = 4096;

#[derive(Debug, Clone)]
pub struct Imitator {
    pub net: Mlp<f32>,
    meta: PolicyMeta,
    /// Input standardization (mean, std), from the initial training data.
    norm: Option<(Vec<f32>, Vec<f32>)>,
    batch_in: Vec<f32>,
    batch_out: Vec<f32>,
    d_pred: Vec<f32>,
}

impl Imitator {
    pub fn new(config: &BcConfig, env: &EnvSpec, train: &Dataset) -> Result<Self, ImitateError> {
        let n = &config.network;
        let net = Mlp::new(MlpSpec {
            input: train.input_dim(),
            hidden: n.hidden.clone(),
            output: env.act_dim,
            activation: n.activation,
            layer_norm: n.layer_norm,
            dropout: n.dropout,
        })?;
        let meta = PolicyMeta {
            env: env.id.to_string(),
            activation: n.activation,
            hidden: n.hidden.clone(),
            layer_norm: n.layer_norm,
            input_dim: train.input_dim(),
            prev_action: true,
            act_dim: env.act_dim,
            output: OutputKind::Linear,
            action_low: env.action_low.clone(),
            action_high: env.action_high.clone(),
            extra: BTreeMap::new(),
        };
        let norm = config.normalize.then(|| standardization(train));
        Ok(Self { net, meta, norm, batch_in: Vec::new(), batch_out: Vec::new(), d_pred: Vec::new() })
    }

    /// The policy over `theta` (input: observation and previous action; linear output).
    pub fn policy(&self, theta: &[f32], extra: BTreeMap<String, String>) -> Result<MlpPolicy, ImitateError> {
        let meta = PolicyMeta { extra, ..self.meta.clone() };
        Ok(MlpPolicy::new(meta, theta.to_vec(), self.norm.clone())?)
    }

    fn push_input(&mut self, row: &[f32]) {
        match &self.norm {
            Some((mean, std)) => self.batch_in.extend(row.iter().zip(mean).zip(std).map(|((x, m), s)| (x - m) / s)),
            None => self.batch_in.extend_from_slice(row),
        }
    }

    /// MSE of a minibatch of `batch` rows drawn uniformly from `data` with `rng` (which also draws the
    /// dropout masks); its gradient goes into `grad` (added to it when `accumulate`).
    pub fn minibatch_gradient(
        &mut self,
        theta: &[f32],
        data: &Dataset,
        batch: usize,
        rng: &mut EnvRng,
        grad: &mut [f32],
        accumulate: bool,
    ) -> Result<f64, ImitateError> {
        let (in_dim, act_dim) = (data.input_dim(), data.act_dim);
        self.batch_in.clear();
        self.batch_out.clear();
        for _ in 0..batch {
            let i = rng.random_range(0..data.len());
            self.push_input(&data.inputs[i * in_dim..(i + 1) * in_dim]);
            self.batch_out.extend_from_slice(&data.targets[i * act_dim..(i + 1) * act_dim]);
        }
        let pred = self.net.forward_train(theta, &self.batch_in, batch, rng)?;
        self.d_pred.resize(pred.len(), 0.0);
        let loss = mse(pred, &self.batch_out, &mut self.d_pred)?;
        self.net.backward(theta, &self.d_pred, grad, accumulate, None)?;
        Ok(loss)
    }

    /// Mean squared error over a whole dataset (eval mode, in order).
    pub fn loss(&mut self, theta: &[f32], data: &Dataset) -> Result<f64, ImitateError> {
        let (d, a) = (data.input_dim(), data.act_dim);
        let mut total = 0.0;
        for (rows, targets) in data.inputs.chunks(VALIDATION_CHUNK * d).zip(data.targets.chunks(VALIDATION_CHUNK * a)) {
            self.batch_in.clear();
            for row in rows.chunks_exact(d) {
                self.push_input(row);
            }
            let pred = self.net.forward(theta, &self.batch_in, rows.len() / d)?;
            self.d_pred.resize(pred.len(), 0.0);
            total += mse(pred, targets, &mut self.d_pred)? * pred.len() as f64;
        }
        Ok(total / data.targets.len() as f64)
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
