use rand::SeedableRng;

use crate::EnvError;

/// The random generator used for reset noise: seeded explicitly so that initial conditions reproduce.
pub type EnvRng = rand_chacha::ChaCha8Rng;

/// A reset-noise generator from a seed.
pub fn env_rng(seed: u64) -> EnvRng {
    EnvRng::seed_from_u64(seed)
}

/// A generator's exact state as 7 words (seed ×4, stream, word position low and high), for checkpoints.
pub fn rng_state(rng: &EnvRng) -> Vec<u64> {
    let seed = rng.get_seed();
    let mut words: Vec<u64> =
        seed.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
    let pos = rng.get_word_pos();
    words.extend([rng.get_stream(), pos as u64, (pos >> 64) as u64]);
    words
}

/// The generator [`rng_state`] described (None unless given 7 words).
pub fn rng_from_state(words: &[u64]) -> Option<EnvRng> {
    if words.len() != 7 {
        return None;
    }
    let mut seed = [0u8; 32];
    for (chunk, w) in seed.chunks_exact_mut(8).zip(&words[..4]) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    let mut rng = EnvRng::from_seed(seed);
    rng.set_stream(words[4]);
    rng.set_word_pos(words[5] as u128 | (words[6] as u128) << 64);
    Some(rng)
}

/// Static facts about an environment.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvSpec {
    /// Gymnasium id, e.g. `Walker2d-v4`.
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
    /// Healthy (alive) bonus, paid on every step including the terminal one.
    pub healthy: f64,
    /// Control cost, subtracted.
    pub ctrl_cost: f64,
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn rng_state_restores_the_stream_exactly() {
        let mut rng = env_rng(42);
        for _ in 0..1001 {
            rng.random::<u32>();
        }
        let mut restored = rng_from_state(&rng_state(&rng)).unwrap();
        let a: Vec<u64> = (0..10).map(|_| rng.random()).collect();
        let b: Vec<u64> = (0..10).map(|_| restored.random()).collect();
        assert_eq!(a, b);
        assert!(rng_from_state(&[1, 2]).is_none());
    }
}
