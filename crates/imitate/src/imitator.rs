//! The imitator network of a BC config: its input standardization, its minibatch gradient, its
//! held-out loss, and the policy it becomes at evaluation. Shared by the trainer and the landscapes.
//! An MLP reads the current row (state and previous action); a Transformer reads the window of the
//! last rows of the same trajectory, as its policy will see them in a rollout.

use std::collections::BTreeMap;

use butterfly_envs::{BatchPolicy, EnvRng, EnvSpec, Policy};
use butterfly_gpt::{Dropout, TransformerNet};
use butterfly_nn::{Mlp, MlpSpec, Threads, mse, squash_backward, squash_forward};
use butterfly_policy::{MlpPolicy, OutputKind, PolicyMeta, TransformerMeta, TransformerPolicy};
use rand::Rng;

use crate::config::{Head, NetworkKind};
use crate::{BcConfig, Dataset, ImitateError};

/// Rows per forward pass when computing the validation loss.
const VALIDATION_CHUNK: usize = 4096;

// One per imitator or policy, never held in bulk: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Net {
    /// `squash`: the control range's centre and half-width when the head is `tanh`.
    Mlp {
        net: Mlp<f32>,
        meta: PolicyMeta,
        squash: Option<(Vec<f32>, Vec<f32>)>,
    },
    Transformer {
        net: TransformerNet,
        meta: TransformerMeta,
        dropout: f64,
    },
}

#[derive(Debug, Clone)]
pub struct Imitator {
    net: Net,
    /// Input standardization (mean, std), from the initial training data.
    norm: Option<(Vec<f32>, Vec<f32>)>,
    batch_in: Vec<f32>,
    batch_out: Vec<f32>,
    d_pred: Vec<f32>,
    /// A `tanh` head's actions (then the gradient at the network's outputs).
    squashed: Vec<f32>,
    /// Transformer windows: the row each window's action is read from.
    read: Vec<usize>,
}

/// The policy an imitator becomes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum ImitatorPolicy {
    Mlp(MlpPolicy),
    Transformer(TransformerPolicy),
}

impl Imitator {
    pub fn new(config: &BcConfig, env: &EnvSpec, train: &Dataset) -> Result<Self, ImitateError> {
        let n = &config.network;
        let input = train.input_dim();
        let squash = match n.output {
            Head::Linear => None,
            Head::Tanh => Some(action_box(env)?),
        };
        let net = match n.kind {
            NetworkKind::Mlp => Net::Mlp {
                squash,
                net: Mlp::new(MlpSpec {
                    input,
                    hidden: n.hidden.clone(),
                    output: env.act_dim,
                    activation: n.activation,
                    layer_norm: n.layer_norm,
                    dropout: n.dropout,
                })?,
                meta: PolicyMeta {
                    env: env.id.to_string(),
                    activation: n.activation,
                    hidden: n.hidden.clone(),
                    layer_norm: n.layer_norm,
                    input_dim: input,
                    prev_action: true,
                    act_dim: env.act_dim,
                    output: if n.output == Head::Tanh { OutputKind::Tanh } else { OutputKind::Linear },
                    action_low: env.action_low.clone(),
                    action_high: env.action_high.clone(),
                    extra: BTreeMap::new(),
                },
            },
            NetworkKind::Transformer => {
                let shape = n.transformer_shape(input, env.act_dim);
                let bounds = |b: &[f64]| b.iter().map(|&x| x as f32).collect();
                let net = TransformerNet::new(shape, bounds(&env.action_low), bounds(&env.action_high))
                    .map_err(|e| ImitateError::Config(format!("network: {e}")))?;
                let meta = TransformerMeta {
                    env: env.id.to_string(),
                    shape,
                    action_low: env.action_low.clone(),
                    action_high: env.action_high.clone(),
                    extra: BTreeMap::new(),
                };
                Net::Transformer { net, meta, dropout: n.dropout }
            }
        };
        let norm = config.normalize.then(|| standardization(train));
        let imitator = Self {
            net,
            norm,
            batch_in: Vec::new(),
            batch_out: Vec::new(),
            d_pred: Vec::new(),
            squashed: Vec::new(),
            read: Vec::new(),
        };
        imitator.check_data(train)?;
        Ok(imitator)
    }

    /// The same imitator computing its minibatches on `threads`.
    pub fn with_threads(self, threads: &Threads) -> Self {
        let net = match self.net {
            Net::Mlp { net, meta, squash } => Net::Mlp { net: net.with_threads(threads.clone()), meta, squash },
            Net::Transformer { net, meta, dropout } => {
                Net::Transformer { net: net.with_threads(threads.clone()), meta, dropout }
            }
        };
        Self { net, ..self }
    }

    /// A Transformer's windows need every trajectory to hold at least one window.
    pub fn check_data(&self, data: &Dataset) -> Result<(), ImitateError> {
        let Net::Transformer { net, .. } = &self.net else { return Ok(()) };
        let window = net.shape.window;
        match data.offsets.windows(2).map(|w| w[1] - w[0]).min() {
            Some(shortest) if shortest < window => Err(ImitateError::Config(format!(
                "network.window = {window} is longer than the shortest expert trajectory ({shortest} steps)"
            ))),
            _ => Ok(()),
        }
    }

    pub fn num_params(&self) -> usize {
        match &self.net {
            Net::Mlp { net, .. } => net.num_params(),
            Net::Transformer { net, .. } => net.num_params(),
        }
    }

    /// θ₀ drawn from `rng` (PyTorch's Linear initialization for the MLP, nanoGPT's for the Transformer).
    pub fn init_params(&self, rng: &mut impl Rng) -> Vec<f32> {
        match &self.net {
            Net::Mlp { net, .. } => net.layout().init_params(rng),
            Net::Transformer { net, .. } => net.table.init(rng),
        }
    }

    /// The policy over `theta` (input: observation and previous action).
    pub fn policy(&self, theta: &[f32], extra: BTreeMap<String, String>) -> Result<ImitatorPolicy, ImitateError> {
        Ok(match &self.net {
            Net::Mlp { meta, .. } => ImitatorPolicy::Mlp(MlpPolicy::new(
                PolicyMeta { extra, ..meta.clone() },
                theta.to_vec(),
                self.norm.clone(),
            )?),
            Net::Transformer { meta, .. } => ImitatorPolicy::Transformer(TransformerPolicy::new(
                TransformerMeta { extra, ..meta.clone() },
                theta.to_vec(),
                self.norm.clone(),
            )?),
        })
    }

    fn push_input(&mut self, row: &[f32]) {
        match &self.norm {
            Some((mean, std)) => self.batch_in.extend(row.iter().zip(mean).zip(std).map(|((x, m), s)| (x - m) / s)),
            None => self.batch_in.extend_from_slice(row),
        }
    }

    /// Appends the input of row `i` of `data` to the batch: the row itself (MLP), or the window of
    /// `window` rows of its trajectory that a rollout would hold at that step (Transformer): the rows
    /// before it, or the trajectory's first `window` rows when it is nearer the start (causal attention
    /// makes the action at an earlier row of a window that of the shorter window).
    fn push_example(&mut self, data: &Dataset, i: usize) {
        let d = data.input_dim();
        let window = match &self.net {
            Net::Mlp { .. } => {
                self.push_input(&data.inputs[i * d..(i + 1) * d]);
                return;
            }
            Net::Transformer { net, .. } => net.shape.window,
        };
        let t = data.offsets.partition_point(|&o| o <= i) - 1;
        let start = data.offsets[t].max((i + 1).saturating_sub(window));
        let start = start.min(data.offsets[t + 1] - window);
        for r in start..start + window {
            self.push_input(&data.inputs[r * d..(r + 1) * d]);
        }
        self.read.push(i - start);
    }

    /// MSE of the minibatch of `rows` of `data` (drawn by [`Dataset::draw_rows`] or a data stream); `rng`
    /// draws the dropout masks; its gradient goes into `grad` (added to it when `accumulate`).
    pub fn minibatch_gradient(
        &mut self,
        theta: &[f32],
        data: &Dataset,
        rows: &[usize],
        rng: &mut EnvRng,
        grad: &mut [f32],
        accumulate: bool,
    ) -> Result<f64, ImitateError> {
        let (act_dim, batch) = (data.act_dim, rows.len());
        self.batch_in.clear();
        self.batch_out.clear();
        self.read.clear();
        for &i in rows {
            self.push_example(data, i);
            self.batch_out.extend_from_slice(&data.targets[i * act_dim..(i + 1) * act_dim]);
        }
        match &mut self.net {
            Net::Mlp { net, squash, .. } => {
                let y = net.forward_train(theta, &self.batch_in, batch, rng)?;
                self.d_pred.resize(y.len(), 0.0);
                let Some((mid, half)) = squash else {
                    let loss = mse(y, &self.batch_out, &mut self.d_pred)?;
                    net.backward(theta, &self.d_pred, grad, accumulate, None)?;
                    return Ok(loss);
                };
                self.squashed.resize(y.len(), 0.0);
                squash_forward(y, mid, half, &mut self.squashed)?;
                let loss = mse(&self.squashed, &self.batch_out, &mut self.d_pred)?;
                // The squashed actions are spent: the buffer takes the gradient at the network's outputs.
                squash_backward(y, &self.d_pred, half, &mut self.squashed)?;
                net.backward(theta, &self.squashed, grad, accumulate, None)?;
                Ok(loss)
            }
            Net::Transformer { net, dropout, .. } => {
                // Masks only when dropout is on, so that runs without it keep their draws.
                let dropout = (*dropout > 0.0).then(|| Dropout { p: *dropout, seed: rng.random() });
                let window = net.shape.window;
                let (x, read, y) = (&self.batch_in, &self.read, &self.batch_out);
                net.loss_and_grad(theta, x, read, window, y, grad, accumulate, dropout).map_err(gpt_error)
            }
        }
    }

    /// Mean squared error over a whole dataset (eval mode, in order).
    pub fn loss(&mut self, theta: &[f32], data: &Dataset) -> Result<f64, ImitateError> {
        let a = data.act_dim;
        let mut total = 0.0;
        for start in (0..data.len()).step_by(VALIDATION_CHUNK) {
            let rows = start..(start + VALIDATION_CHUNK).min(data.len());
            self.batch_in.clear();
            self.read.clear();
            for i in rows.clone() {
                self.push_example(data, i);
            }
            let targets = &data.targets[rows.start * a..rows.end * a];
            let pred = match &mut self.net {
                Net::Mlp { net, squash: None, .. } => net.forward(theta, &self.batch_in, rows.len())?,
                Net::Mlp { net, squash: Some((mid, half)), .. } => {
                    let y = net.forward(theta, &self.batch_in, rows.len())?;
                    self.squashed.resize(y.len(), 0.0);
                    squash_forward(y, mid, half, &mut self.squashed)?;
                    &self.squashed[..]
                }
                Net::Transformer { net, .. } => {
                    let window = net.shape.window;
                    net.actions(theta, &self.batch_in, &self.read, window).map_err(gpt_error)?
                }
            };
            self.d_pred.resize(pred.len(), 0.0);
            total += mse(pred, targets, &mut self.d_pred)? * pred.len() as f64;
        }
        Ok(total / data.targets.len() as f64)
    }
}

/// The centre and half-width of `env`'s control range, for a `tanh` head.
fn action_box(env: &EnvSpec) -> Result<(Vec<f32>, Vec<f32>), ImitateError> {
    let (low, high) = (&env.action_low, &env.action_high);
    if low.iter().zip(high).any(|(l, h)| !(l.is_finite() && h.is_finite() && l < h)) {
        return Err(ImitateError::Config(format!(
            "network.output = \"tanh\" needs a bounded control range; {} has none",
            env.id
        )));
    }
    let mid = low.iter().zip(high).map(|(l, h)| ((l + h) / 2.0) as f32).collect();
    let half = low.iter().zip(high).map(|(l, h)| ((h - l) / 2.0) as f32).collect();
    Ok((mid, half))
}

fn gpt_error(e: butterfly_gpt::GptError) -> ImitateError {
    ImitateError::Config(format!("network: {e}"))
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

impl ImitatorPolicy {
    /// Writes the policy file (the MLP's or the Transformer's format).
    pub fn save(&self, path: &std::path::Path) -> Result<(), ImitateError> {
        match self {
            ImitatorPolicy::Mlp(p) => p.save(path)?,
            ImitatorPolicy::Transformer(p) => p.save(path)?,
        }
        Ok(())
    }

    fn inner(&mut self) -> &mut dyn Policy {
        match self {
            ImitatorPolicy::Mlp(p) => p,
            ImitatorPolicy::Transformer(p) => p,
        }
    }
}

impl Policy for ImitatorPolicy {
    fn obs_dim(&self) -> usize {
        match self {
            ImitatorPolicy::Mlp(p) => p.obs_dim(),
            ImitatorPolicy::Transformer(p) => p.obs_dim(),
        }
    }

    fn act_dim(&self) -> usize {
        match self {
            ImitatorPolicy::Mlp(p) => p.act_dim(),
            ImitatorPolicy::Transformer(p) => p.act_dim(),
        }
    }

    fn reset(&mut self) {
        self.inner().reset()
    }

    fn act(&mut self, obs: &[f64], action: &mut [f64]) {
        self.inner().act(obs, action)
    }

    fn batched(&mut self) -> Option<&mut dyn BatchPolicy> {
        self.inner().batched()
    }
}
