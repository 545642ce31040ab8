use rand::SeedableRng;

use crate::EnvError;

/// The random generator used for reset noise: seeded explicitly so that initial conditions reproduce.
pub type EnvRng = rand_chacha::ChaCha8Rng;

/// A reset-noise generator from a seed.
pub fn env_rng(seed: u64) -> EnvRng {
    EnvRng::seed_from_u64(seed)
}

/// Static facts about an environment.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvSpec {
    /// Gymnasium id, e.g. `Walker2d-v4` or `Walker2d-v5`.
    pub id: &'static str,
    pub obs_dim: usize,
    pub act_dim: usize,
    pub action_low: Vec<f64>,
    pub action_high: Vec<f64>,
    /// Length of the full simulator state accepted by [`Env::reset_to`] (for MuJoCo: qpos then qvel).
    pub state_dim: usize,
    /// Episodes are truncated after this many steps.
    pub max_episode_steps: usize,
}

/// The reward of one step, split into the terms Gymnasium adds up.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RewardTerms {
    /// Weighted forward velocity.
    pub forward: f64,
    /// Healthy (alive) bonus: v4 pays it on every step including the terminal one, v5 only on healthy steps.
    pub healthy: f64,
    /// Control cost, subtracted.
    pub ctrl_cost: f64,
    /// Contact cost, subtracted (Ant-v5 and Humanoid-v5; zero elsewhere).
    pub contact_cost: f64,
}

/// What one step returns; the new observation is read with [`Env::observation`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    pub reward: f64,
    pub terms: RewardTerms,
    pub terminated: bool,
    /// True once the step count reaches [`EnvSpec::max_episode_steps`].
    pub truncated: bool,
}

/// A control task with continuous states and actions.
///
/// Stepping after termination is allowed (it keeps simulating), as in Gymnasium's unwrapped envs.
pub trait Env: Send {
    fn spec(&self) -> &EnvSpec;
    /// Draws an initial condition from the task's reset distribution.
    fn reset(&mut self, rng: &mut EnvRng);
    /// Resets to an explicit state (for MuJoCo: qpos followed by qvel).
    fn reset_to(&mut self, state: &[f64]) -> Result<(), EnvError>;
    /// The current full state, in the layout [`Env::reset_to`] accepts.
    fn state(&self) -> Vec<f64>;
    fn step(&mut self, action: &[f64]) -> Result<Transition, EnvError>;
    fn observation(&self) -> &[f64];
}

/// Makes an independent env of the same task (same model, fresh state), e.g. one per worker thread.
pub trait Replicate {
    fn replicate(&self) -> Self;
}
