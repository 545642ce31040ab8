use serde::{Deserialize, Serialize};

/// SAC hyperparameters: stable-baselines3's defaults, with rl-baselines3-zoo's `learning_starts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SacConfig {
    pub learning_rate: f64,
    pub batch_size: usize,
    pub buffer_size: usize,
    /// Polyak coefficient of the target critics.
    pub tau: f64,
    pub gamma: f64,
    /// Uniformly random actions (and no updates) for this many env steps.
    pub learning_starts: usize,
    /// Hidden widths of the actor and of each critic.
    pub hidden: Vec<usize>,
    /// Initial entropy coefficient α (tuned automatically towards entropy −act_dim).
    pub initial_alpha: f64,
}

impl Default for SacConfig {
    fn default() -> Self {
        Self {
            learning_rate: 3e-4,
            batch_size: 256,
            buffer_size: 1_000_000,
            tau: 0.005,
            gamma: 0.99,
            learning_starts: 10_000,
            hidden: vec![256, 256],
            initial_alpha: 1.0,
        }
    }
}

/// A SAC run as its directory stores it (`config.toml`): the env, the budget, the cadences and the
/// hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    pub env: String,
    /// Total env steps, one update per step after `learning_starts`.
    pub steps: u64,
    pub seed: u64,
    /// Deterministic evaluation every this many env steps (0: never).
    pub eval_every: u64,
    pub eval_episodes: usize,
    /// A checkpoint is due every this many steps and taken at the next episode start.
    pub checkpoint_every: u64,
    /// Threads of the updates (two: the twin critics side by side) and of the evaluation. Runs from
    /// before this key trained on the count given on the command line, 2 unless told: that default.
    #[serde(default = "two_threads")]
    pub threads: usize,
    pub sac: SacConfig,
}

fn two_threads() -> usize {
    2
}

impl RunConfig {
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("configs serialize")
    }

    /// The config of the SAC run in `dir`.
    pub fn of_run(dir: &std::path::Path) -> Result<Self, crate::SacError> {
        let path = dir.join(butterfly_store::run_dir::CONFIG);
        let text = std::fs::read_to_string(&path).map_err(|_| {
            crate::SacError::Config(format!(
                "{} is not a SAC run directory (no readable {})",
                dir.display(),
                butterfly_store::run_dir::CONFIG
            ))
        })?;
        toml::from_str(&text).map_err(|e| {
            crate::SacError::Config(format!("{}: {}", path.display(), butterfly_train::toml_error(&e, &text)))
        })
    }

    /// Everything that can be checked before the run directory is made, memory included.
    pub fn validate(&self, obs_dim: usize, act_dim: usize) -> Result<(), crate::SacError> {
        let bad = |m: &str| Err(crate::SacError::Config(m.into()));
        if self.steps == 0 {
            return bad("steps must be ≥ 1");
        }
        if self.eval_every > 0 && self.eval_episodes == 0 {
            return bad("eval_episodes must be ≥ 1 when evaluating");
        }
        let s = &self.sac;
        if s.batch_size == 0 || s.buffer_size == 0 || s.hidden.is_empty() || s.hidden.contains(&0) {
            return bad("sac: batch_size, buffer_size and every hidden width must be ≥ 1");
        }
        if !(s.learning_rate > 0.0
            && s.tau > 0.0
            && s.tau <= 1.0
            && (0.0..=1.0).contains(&s.gamma)
            && s.initial_alpha > 0.0)
        {
            return bad("sac: learning_rate and initial_alpha must be > 0, tau in (0, 1], gamma in [0, 1]");
        }
        let widths: Vec<u128> = std::iter::once(obs_dim as u128 + act_dim as u128)
            .chain(s.hidden.iter().map(|&h| h as u128))
            .chain(std::iter::once(2 * act_dim as u128))
            .collect();
        let params: u128 = widths.windows(2).map(|w| w[0].saturating_mul(w[1]).saturating_add(w[1])).sum();
        let units: u128 = widths.iter().sum();
        let transition = 2 * obs_dim as u128 + act_dim as u128 + 2;
        let buffer = (s.buffer_size as u128).min(self.steps as u128);
        butterfly_store::memory::ensure_fits(&[
            (&format!("the replay buffer (buffer_size = {})", s.buffer_size), buffer.saturating_mul(transition), 4),
            (&format!("the networks (hidden = {:?})", s.hidden), params.saturating_mul(5 * 4), 4),
            (
                &format!("a minibatch (batch_size = {})", s.batch_size),
                units.saturating_mul(s.batch_size as u128).saturating_mul(12),
                4,
            ),
        ])?;
        Ok(())
    }
}
