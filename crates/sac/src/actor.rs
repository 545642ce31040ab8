//! The tanh-squashed Gaussian actor: one MLP outputs the mean and log-std of u; the action is tanh(u).

use butterfly_nn::{Activation, Mlp, MlpSpec, NnError, Threads};
use rand::Rng;
use rand_distr::StandardNormal;

use crate::SacRng;

const LOG_STD_MIN: f32 = -20.0;
const LOG_STD_MAX: f32 = 2.0;
/// SB3's epsilon inside log(1 − tanh(u)² + ε).
const SQUASH_EPS: f32 = 1e-6;
const HALF_LN_2PI: f32 = 0.918_938_5;

/// An actor network and what its last `sample` needs for the backward pass.
#[derive(Debug, Clone)]
pub struct Actor {
    pub(crate) net: Mlp<f32>,
    act_dim: usize,
    eps: Vec<f32>,
    std: Vec<f32>,
    /// Whether the raw log-std was inside the clamp range (else its gradient is zero).
    log_std_free: Vec<bool>,
    /// Sampled actions in [−1, 1], `[batch, act_dim]`.
    pub actions: Vec<f32>,
    /// log π(a|s) per sample.
    pub log_prob: Vec<f32>,
    d_out: Vec<f32>,
}

impl Actor {
    pub fn new(obs_dim: usize, act_dim: usize, hidden: &[usize]) -> Result<Self, NnError> {
        let spec = MlpSpec {
            input: obs_dim,
            hidden: hidden.to_vec(),
            output: 2 * act_dim,
            activation: Activation::Relu,
            layer_norm: false,
            dropout: 0.0,
        };
        Ok(Self {
            net: Mlp::new(spec)?,
            act_dim,
            eps: Vec::new(),
            std: Vec::new(),
            log_std_free: Vec::new(),
            actions: Vec::new(),
            log_prob: Vec::new(),
            d_out: Vec::new(),
        })
    }

    /// The same actor computing its batches on `threads`.
    pub fn with_threads(self, threads: Threads) -> Self {
        Self { net: self.net.with_threads(threads), ..self }
    }

    /// Samples a = tanh(μ + σ ε) for every row of `obs` and computes log π(a|s).
    pub fn sample(&mut self, theta: &[f32], obs: &[f32], batch: usize, rng: &mut SacRng) -> Result<(), NnError> {
        let a_dim = self.act_dim;
        let out = self.net.forward(theta, obs, batch)?;
        for v in [&mut self.eps, &mut self.std, &mut self.actions] {
            v.clear();
        }
        self.log_std_free.clear();
        self.log_prob.clear();
        for row in out.chunks_exact(2 * a_dim) {
            let (mean, raw_log_std) = row.split_at(a_dim);
            let mut log_prob = 0.0f32;
            for (&mu, &raw) in mean.iter().zip(raw_log_std) {
                let log_std = raw.clamp(LOG_STD_MIN, LOG_STD_MAX);
                let std = log_std.exp();
                let eps: f32 = rng.sample(StandardNormal);
                let a = (mu + std * eps).tanh();
                log_prob += -0.5 * eps * eps - log_std - HALF_LN_2PI - (1.0 - a * a + SQUASH_EPS).ln();
                self.eps.push(eps);
                self.std.push(std);
                self.log_std_free.push((LOG_STD_MIN..=LOG_STD_MAX).contains(&raw));
                self.actions.push(a);
            }
            self.log_prob.push(log_prob);
        }
        Ok(())
    }

    /// Gradient of `mean(α log π) + Σ d_actions · a` over the last `sample`, written into `grad`.
    /// `d_actions` is dL/da from the critics (already divided by the batch size).
    pub fn backward(&mut self, theta: &[f32], d_actions: &[f32], alpha: f32, grad: &mut [f32]) -> Result<(), NnError> {
        let a_dim = self.act_dim;
        let batch = self.log_prob.len();
        let w = alpha / batch as f32;
        self.d_out.clear();
        self.d_out.resize(batch * 2 * a_dim, 0.0);
        for (b, d_row) in self.d_out.chunks_exact_mut(2 * a_dim).enumerate() {
            for i in 0..a_dim {
                let k = b * a_dim + i;
                let a = self.actions[k];
                let one_minus = 1.0 - a * a;
                // d/du of −log(1 − tanh(u)² + ε) is 2a(1 − a²)/(1 − a² + ε); da/du = 1 − a².
                let du = d_actions[k] * one_minus + w * 2.0 * a * one_minus / (one_minus + SQUASH_EPS);
                d_row[i] = du;
                // log π depends on the log-std directly through −log σ and on u = μ + σ ε.
                d_row[a_dim + i] = if self.log_std_free[k] { -w + du * self.std[k] * self.eps[k] } else { 0.0 };
            }
        }
        self.net.backward(theta, &self.d_out, grad, false, None)
    }

    /// The deterministic action tanh(μ) for one observation.
    pub fn mean_action(&mut self, theta: &[f32], obs: &[f32], out: &mut [f32]) -> Result<(), NnError> {
        let y = self.net.forward(theta, obs, 1)?;
        for (o, &mu) in out.iter_mut().zip(&y[..self.act_dim]) {
            *o = mu.tanh();
        }
        Ok(())
    }
}
