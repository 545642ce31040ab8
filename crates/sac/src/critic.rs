//! Twin Q networks over one flat vector θ = [θ₁ ‖ θ₂], so that one optimizer pass and one Polyak pass
//! cover both.

use butterfly_nn::{Activation, Mlp, MlpSpec, NnError, Threads};

/// One of the two Q networks with its own buffers, so that both can run side by side.
#[derive(Debug, Clone)]
struct Critic {
    net: Mlp<f32>,
    /// Q values of the last forward pass.
    q: Vec<f32>,
    d_out: Vec<f32>,
    d_input: Vec<f32>,
    loss: f64,
}

#[derive(Debug, Clone)]
pub struct TwinCritic {
    critics: [Critic; 2],
    /// Parameters of one critic.
    pub(crate) per_net: usize,
    obs_dim: usize,
    act_dim: usize,
    input: Vec<f32>,
    threads: Threads,
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
        let critic = Critic { net, q: Vec::new(), d_out: Vec::new(), d_input: Vec::new(), loss: 0.0 };
        let threads = Threads::one();
        Ok(Self { critics: [critic.clone(), critic], per_net, obs_dim, act_dim, input: Vec::new(), threads })
    }

    /// The same critics run side by side on `threads` (each network single-threaded inside).
    pub fn with_threads(self, threads: Threads) -> Self {
        Self { threads, ..self }
    }

    pub fn num_params(&self) -> usize {
        2 * self.per_net
    }

    pub fn init_params(&self, rng: &mut crate::SacRng) -> Vec<f32> {
        let mut theta = self.critics[0].net.layout().init_params(rng);
        theta.extend(self.critics[1].net.layout().init_params::<f32, _>(rng));
        theta
    }

    /// Q_k of every row of the last `q_values` or `action_gradient` call.
    pub fn q(&self, k: usize) -> &[f32] {
        &self.critics[k].q
    }

    fn fill_input(&mut self, obs: &[f32], act: &[f32]) {
        self.input.clear();
        for (o, a) in obs.chunks_exact(self.obs_dim).zip(act.chunks_exact(self.act_dim)) {
            self.input.extend_from_slice(o);
            self.input.extend_from_slice(a);
        }
    }

    /// Runs `job(k, critic k, its parameters, the shared input)` for both critics: side by side on two
    /// threads (each network single-threaded), one after the other on one.
    fn both<S: Send>(
        &mut self,
        theta: &[f32],
        [own0, own1]: [S; 2],
        job: impl Fn(&mut Critic, &[f32], &[f32], S) -> Result<(), NnError> + Sync,
    ) -> Result<(), NnError> {
        let (first, second) = self.critics.split_at_mut(1);
        let (theta0, theta1) = theta.split_at(self.per_net);
        let input = &self.input;
        let (mut first_result, mut second_result) = (Ok(()), Ok(()));
        self.threads.join_serial(
            || first_result = job(&mut first[0], theta0, input, own0),
            || second_result = job(&mut second[0], theta1, input, own1),
        );
        first_result.and(second_result)
    }

    /// Q₁(s, a) and Q₂(s, a) for every row, read with [`Self::q`].
    pub fn q_values(&mut self, theta: &[f32], obs: &[f32], act: &[f32], batch: usize) -> Result<(), NnError> {
        self.fill_input(obs, act);
        self.both(theta, [(), ()], |c, theta, input, ()| {
            let q = c.net.forward(theta, input, batch)?;
            c.q.clear();
            c.q.extend_from_slice(q);
            Ok(())
        })
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
        let (grad0, grad1) = grad.split_at_mut(self.per_net);
        self.both(theta, [grad0, grad1], |c, theta, input, grad| {
            let q = c.net.forward(theta, input, batch)?;
            c.d_out.clear();
            c.loss = 0.0;
            for (&q, &y) in q.iter().zip(y) {
                let diff = q - y;
                c.loss += 0.5 * (diff as f64) * (diff as f64) / batch as f64;
                c.d_out.push(diff / batch as f32);
            }
            c.net.backward(theta, &c.d_out, grad, false, None)
        })?;
        Ok(self.critics[0].loss + self.critics[1].loss)
    }

    /// dL/da for L = −mean(min(Q₁, Q₂)(s, a)), into `d_act`; [`Self::q`] holds the Q values after it.
    pub fn action_gradient(
        &mut self,
        theta: &[f32],
        obs: &[f32],
        act: &[f32],
        d_act: &mut Vec<f32>,
    ) -> Result<(), NnError> {
        let batch = obs.len() / self.obs_dim;
        self.q_values(theta, obs, act, batch)?;
        // Only the smaller Q of each row receives the gradient (ties go to Q₁, like torch.min).
        let [c0, c1] = &mut self.critics;
        c0.d_out.clear();
        c1.d_out.clear();
        for (&q0, &q1) in c0.q.iter().zip(&c1.q) {
            let first = q0 <= q1;
            c0.d_out.push(if first { -1.0 / batch as f32 } else { 0.0 });
            c1.d_out.push(if first { 0.0 } else { -1.0 / batch as f32 });
        }
        let width = self.obs_dim + self.act_dim;
        // Each critic keeps its own activations from `q_values` above, so no second forward.
        self.both(theta, [(), ()], |c, theta, _, ()| {
            c.d_input.resize(batch * width, 0.0);
            c.net.backward_input(theta, &c.d_out, &mut c.d_input)
        })?;
        d_act.clear();
        d_act.resize(batch * self.act_dim, 0.0);
        for c in &self.critics {
            for (d, row) in d_act.chunks_exact_mut(self.act_dim).zip(c.d_input.chunks_exact(width)) {
                for (d, &g) in d.iter_mut().zip(&row[self.obs_dim..]) {
                    *d += g;
                }
            }
        }
        Ok(())
    }
}
