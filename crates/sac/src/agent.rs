//! One SAC gradient step (stable-baselines3's order): entropy coefficient, critics, actor, targets.

use butterfly_envs::{Purpose, seed_stream};
use butterfly_nn::{NnError, Optimizer, OptimizerConfig, Threads};

use crate::replay::{Batch, ReplayBuffer};
use crate::{Actor, SacConfig, SacRng, TwinCritic};

/// The learner's complete state.
#[derive(Debug, Clone)]
pub struct Sac {
    pub config: SacConfig,
    pub obs_dim: usize,
    pub act_dim: usize,
    pub(crate) actor: Actor,
    pub(crate) critic: TwinCritic,
    pub theta_actor: Vec<f32>,
    pub theta_critic: Vec<f32>,
    pub theta_target: Vec<f32>,
    /// log α, tuned so that the policy's entropy approaches −act_dim.
    pub log_alpha: Vec<f32>,
    pub(crate) opt_actor: Optimizer<f32>,
    pub(crate) opt_critic: Optimizer<f32>,
    pub(crate) opt_alpha: Optimizer<f32>,
    batch: Batch,
    grad_actor: Vec<f32>,
    grad_critic: Vec<f32>,
    next_actions: Vec<f32>,
    next_log_prob: Vec<f32>,
    y: Vec<f32>,
    d_act: Vec<f32>,
}

/// What one update measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpdateStats {
    pub critic_loss: f64,
    pub actor_loss: f64,
    pub alpha: f64,
}

impl Sac {
    /// An agent whose networks and optimizers compute on `threads`.
    pub fn new(
        config: SacConfig,
        obs_dim: usize,
        act_dim: usize,
        seed: u64,
        threads: &Threads,
    ) -> Result<Self, NnError> {
        let actor = Actor::new(obs_dim, act_dim, &config.hidden)?.with_threads(threads.clone());
        let critic = TwinCritic::new(obs_dim, act_dim, &config.hidden)?.with_threads(threads.clone());
        let mut rng = seed_stream(seed, Purpose::NetworkInit);
        let theta_actor = actor.net.layout().init_params(&mut rng);
        let theta_critic = critic.init_params(&mut rng);
        let adam = OptimizerConfig::adam();
        Ok(Self {
            opt_actor: Optimizer::new(adam, theta_actor.len())?.with_threads(threads.clone()),
            opt_critic: Optimizer::new(adam, theta_critic.len())?.with_threads(threads.clone()),
            opt_alpha: Optimizer::new(adam, 1)?,
            log_alpha: vec![(config.initial_alpha as f32).ln()],
            grad_actor: vec![0.0; theta_actor.len()],
            grad_critic: vec![0.0; theta_critic.len()],
            theta_target: theta_critic.clone(),
            theta_actor,
            theta_critic,
            config,
            obs_dim,
            act_dim,
            actor,
            critic,
            batch: Batch::default(),
            next_actions: Vec::new(),
            next_log_prob: Vec::new(),
            y: Vec::new(),
            d_act: Vec::new(),
        })
    }

    pub fn alpha(&self) -> f32 {
        self.log_alpha[0].exp()
    }

    /// An exploration action in [−1, 1] for one observation.
    pub fn explore(&mut self, obs: &[f32], rng: &mut SacRng, out: &mut [f32]) -> Result<(), NnError> {
        self.actor.sample(&self.theta_actor, obs, 1, rng)?;
        out.copy_from_slice(&self.actor.actions);
        Ok(())
    }

    /// The deterministic action tanh(μ) in [−1, 1].
    pub fn act_deterministic(&mut self, obs: &[f32], out: &mut [f32]) -> Result<(), NnError> {
        self.actor.mean_action(&self.theta_actor, obs, out)
    }

    /// One gradient step on a minibatch drawn from `buffer`.
    pub fn update(&mut self, buffer: &ReplayBuffer, rng: &mut SacRng) -> Result<UpdateStats, NnError> {
        let cfg = &self.config;
        let (lr, gamma, tau) = (cfg.learning_rate, cfg.gamma as f32, cfg.tau as f32);
        buffer.sample(cfg.batch_size, rng, &mut self.batch);
        let b = &self.batch;
        let target_entropy = -(self.act_dim as f32);

        // This step's α is the one before its own update (as in SB3), for targets and actor alike.
        let alpha = self.alpha();

        // Critics regress on r + γ (1 − done) (min Q_target(s', a') − α log π(a'|s')).
        self.actor.sample(&self.theta_actor, &b.next_obs, b.size, rng)?;
        std::mem::swap(&mut self.next_actions, &mut self.actor.actions);
        std::mem::swap(&mut self.next_log_prob, &mut self.actor.log_prob);
        self.critic.q_values(&self.theta_target, &b.next_obs, &self.next_actions, b.size)?;
        self.y.clear();
        for i in 0..b.size {
            let min_q = self.critic.q(0)[i].min(self.critic.q(1)[i]);
            self.y.push(b.rew[i] + gamma * (1.0 - b.done[i]) * (min_q - alpha * self.next_log_prob[i]));
        }
        let critic_loss = self.critic.regress(&self.theta_critic, &b.obs, &b.act, &self.y, &mut self.grad_critic)?;
        self.opt_critic.step(&mut self.theta_critic, &self.grad_critic, lr)?;

        // Sampled last, so that the actor's activations are those of `obs` for its backward pass.
        self.actor.sample(&self.theta_actor, &b.obs, b.size, rng)?;
        // Entropy coefficient: minimize −log α · mean(log π + target entropy).
        let mean_gap = self.actor.log_prob.iter().map(|lp| (lp + target_entropy) as f64).sum::<f64>() / b.size as f64;
        self.opt_alpha.step(&mut self.log_alpha, &[-(mean_gap as f32)], lr)?;

        // Actor: minimize mean(α log π(a|s) − min Q(s, a)), a re-parameterized, through the updated critics.
        self.critic.action_gradient(&self.theta_critic, &b.obs, &self.actor.actions, &mut self.d_act)?;
        let actor_loss = (0..b.size)
            .map(|i| (alpha * self.actor.log_prob[i] - self.critic.q(0)[i].min(self.critic.q(1)[i])) as f64)
            .sum::<f64>()
            / b.size as f64;
        self.actor.backward(&self.theta_actor, &self.d_act, alpha, &mut self.grad_actor)?;
        self.opt_actor.step(&mut self.theta_actor, &self.grad_actor, lr)?;

        for (t, &p) in self.theta_target.iter_mut().zip(&self.theta_critic) {
            *t = *t * (1.0 - tau) + tau * p;
        }
        Ok(UpdateStats { critic_loss, actor_loss, alpha: alpha as f64 })
    }
}
