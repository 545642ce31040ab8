//! Twin Q networks over one flat vector θ = [θ₁ ‖ θ₂], so that one optimizer pass and one Polyak pass
//! cover both.

use butterfly_nn::{Activation, Mlp, MlpSpec, NnError};

#[derive(Debug, Clone)]
pub struct TwinCritic {
    nets: [Mlp<f32>; 2],
    /// Parameters of one critic.
    pub(crate) per_net: usize,
    obs_dim: usize,
    act_dim: usize,
    input: Vec<f32>,
    /// Q values of the last `q_values` call, one vector per critic.
    pub q: [Vec<f32>; 2],
    d_out: Vec<f32>,
    d_input: Vec<f32>,
}

impl TwinCritic {
    pub fn new(obs_dim: usize, act_dim: usize, hidden: &[usize]) -> Result<Self, NnError> {
        let spec = MlpSpec {
            input: obs_dim + act_dim,
            hidden: hidden.to_vec(),
            output: 1,
            activation: Activation::Relu,
            layer_norm: false,
            dropout: 0.0,
        };
        let net = Mlp::new(spec)?;
        let per_net = net.num_params();
        Ok(Self {
            nets: [net.clone(), net],
            per_net,
            obs_dim,
            act_dim,
            input: Vec::new(),
            q: [Vec::new(), Vec::new()],
            d_out: Vec::new(),
            d_input: Vec::new(),
        })
    }

    pub fn num_params(&self) -> usize {
        2 * self.per_net
    }

    pub fn init_params(&self, rng: &mut crate::SacRng) -> Vec<f32> {
        let mut theta = self.nets[0].layout().init_params(rng);
        theta.extend(self.nets[1].layout().init_params::<f32, _>(rng));
        theta
    }

    fn fill_input(&mut self, obs: &[f32], act: &[f32]) {
        self.input.clear();
        for (o, a) in obs.chunks_exact(self.obs_dim).zip(act.chunks_exact(self.act_dim)) {
            self.input.extend_from_slice(o);
            self.input.extend_from_slice(a);
        }
    }

    /// Q₁(s, a) and Q₂(s, a) for every row, into `self.q`.
    pub fn q_values(&mut self, theta: &[f32], obs: &[f32], act: &[f32], batch: usize) -> Result<(), NnError> {
        self.fill_input(obs, act);
        for k in 0..2 {
            let q = self.nets[k].forward(&theta[k * self.per_net..(k + 1) * self.per_net], &self.input, batch)?;
            self.q[k].clear();
            self.q[k].extend_from_slice(q);
        }
        Ok(())
    }

    /// Gradient of ½ Σₖ mean((Qₖ(s, a) − y)²) into `grad`; returns that loss.
    pub fn regress(
        &mut self,
        theta: &[f32],
        obs: &[f32],
        act: &[f32],
        y: &[f32],
        grad: &mut [f32],
    ) -> Result<f64, NnError> {
        let batch = y.len();
        self.fill_input(obs, act);
        let mut loss = 0.0f64;
        for k in 0..2 {
            let range = k * self.per_net..(k + 1) * self.per_net;
            let q = self.nets[k].forward(&theta[range.clone()], &self.input, batch)?;
            self.d_out.clear();
            for (&q, &y) in q.iter().zip(y) {
                let diff = q - y;
                loss += 0.5 * (diff as f64) * (diff as f64) / batch as f64;
                self.d_out.push(diff / batch as f32);
            }
            self.nets[k].backward(&theta[range.clone()], &self.d_out, &mut grad[range], false, None)?;
        }
        Ok(loss)
    }

    /// dL/da for L = −mean(min(Q₁, Q₂)(s, a)), into `d_act`; `self.q` holds the Q values after it.
    pub fn action_gradient(
        &mut self,
        theta: &[f32],
        obs: &[f32],
        act: &[f32],
        d_act: &mut Vec<f32>,
    ) -> Result<(), NnError> {
        let batch = obs.len() / self.obs_dim;
        self.q_values(theta, obs, act, batch)?;
        d_act.clear();
        d_act.resize(batch * self.act_dim, 0.0);
        let width = self.obs_dim + self.act_dim;
        self.d_input.resize(batch * width, 0.0);
        for k in 0..2 {
            let range = k * self.per_net..(k + 1) * self.per_net;
            // Only the smaller Q of each row receives the gradient (ties go to Q₁, like torch.min).
            self.d_out.clear();
            for b in 0..batch {
                let chosen = if k == 0 { self.q[0][b] <= self.q[1][b] } else { self.q[1][b] < self.q[0][b] };
                self.d_out.push(if chosen { -1.0 / batch as f32 } else { 0.0 });
            }
            // Each critic keeps its own activations from `q_values` above, so no second forward.
            self.nets[k].backward_input(&theta[range], &self.d_out, &mut self.d_input)?;
            for (d, row) in d_act.chunks_exact_mut(self.act_dim).zip(self.d_input.chunks_exact(width)) {
                for (d, &g) in d.iter_mut().zip(&row[self.obs_dim..]) {
                    *d += g;
                }
            }
        }
        Ok(())
    }
}
