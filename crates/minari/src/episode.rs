/// One episode of a Minari dataset, flattened row-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Episode {
    /// `[steps + 1, obs_dim]`: the observation before each action, then the one after the last.
    pub observations: Vec<f32>,
    /// `[steps, act_dim]`.
    pub actions: Vec<f32>,
    pub rewards: Vec<f64>,
    pub terminations: Vec<bool>,
    pub truncations: Vec<bool>,
}

impl Episode {
    pub fn steps(&self) -> usize {
        self.rewards.len()
    }
}
