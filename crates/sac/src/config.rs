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
