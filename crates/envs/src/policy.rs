//! The other seam of the control loop: whatever maps observations to actions.

/// A deterministic controller. `&mut self` because networks keep work buffers and imitators remember
/// their previous action; give every thread its own copy.
pub trait Policy: Send {
    fn obs_dim(&self) -> usize;
    fn act_dim(&self) -> usize;
    /// Called at the start of every episode (an imitator forgets its previous action here).
    fn reset(&mut self) {}
    /// Writes the action for `obs` into `action`.
    fn act(&mut self, obs: &[f64], action: &mut [f64]);
    /// The batched interface, for policies that act for many episodes in one forward pass.
    fn batched(&mut self) -> Option<&mut dyn BatchPolicy> {
        None
    }
}

/// Acting for several episodes in lockstep (evaluation over many initial conditions): one forward
/// pass per step for all of them instead of one per episode.
pub trait BatchPolicy {
    /// Starts `n` episodes: per-episode memory (an imitator's previous action) at its start value.
    fn reset_episodes(&mut self, n: usize);
    /// Row r of `obs` is the observation of episode `episodes[r]` (of those started), and its action
    /// goes to row r of `actions`: per row exactly what [`Policy::act`] gives in that episode.
    fn act_episodes(&mut self, obs: &[f64], episodes: &[usize], actions: &mut [f64]);
}

/// `u = K x`: the expert of the linear systems, `gain` row-major `[act_dim, obs_dim]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearPolicy {
    pub gain: Vec<f64>,
    pub obs_dim: usize,
    pub act_dim: usize,
}

impl Policy for LinearPolicy {
    fn obs_dim(&self) -> usize {
        self.obs_dim
    }

    fn act_dim(&self) -> usize {
        self.act_dim
    }

    fn act(&mut self, obs: &[f64], action: &mut [f64]) {
        for (a, row) in action.iter_mut().zip(self.gain.chunks_exact(self.obs_dim)) {
            *a = row.iter().zip(obs).fold(0.0, |acc, (k, x)| acc + k * x);
        }
    }
}
