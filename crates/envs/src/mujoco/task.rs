//! What distinguishes one locomotion task from another, as plain data.

/// How Gymnasium perturbs the initial state at reset (`init + noise`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum ResetNoise {
    /// qpos and qvel both U(−scale, scale).
    Uniform { scale: f64 },
    /// qpos U(−scale, scale), qvel scale·N(0, 1).
    UniformPosNormalVel { scale: f64 },
}

/// The x coordinate whose finite difference is the forward velocity.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Progress {
    /// qpos[0] (planar walkers).
    RootX,
    /// The world position of a body frame (`data.xpos`), e.g. Ant's torso.
    BodyX(&'static str),
    /// The mass centre `Σ m_b xipos_b / Σ m_b` (Humanoid).
    MassCentreX,
}

/// Which simulator quantities make up the observation, in this order: qpos[skip_qpos..], qvel, then
/// (with `com_terms`) cinert, cvel, qfrc_actuator, then (with `contact_forces`) the contact forces.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Observation {
    pub skip_qpos: usize,
    /// qvel clipped to ±clip (the planar walkers).
    pub clip_qvel: Option<f64>,
    /// cinert, cvel and qfrc_actuator (Humanoid).
    pub com_terms: bool,
    /// The task's contact forces (see [`Task::contact_force_clip`]).
    pub contact_forces: bool,
    /// v5 drops the world body's rows of the body arrays and the free joint's qfrc_actuator entries,
    /// which are always zero.
    pub skip_world: bool,
}

impl Observation {
    /// qpos[skip_qpos..] then qvel, and nothing else.
    pub const fn joints(skip_qpos: usize, clip_qvel: Option<f64>) -> Self {
        Self { skip_qpos, clip_qvel, com_terms: false, contact_forces: false, skip_world: false }
    }
}

/// When the healthy reward is paid.
#[derive(Debug, Clone, Copy)]
pub(crate) enum HealthyReward {
    /// On every step: v4's `is_healthy or terminate_when_unhealthy` is always true at the defaults.
    Always(f64),
    /// Only on steps that end healthy (`is_healthy * healthy_reward`, v5).
    WhileHealthy(f64),
}

/// `weight · Σ contact_force²`, capped at `max`, subtracted from the reward together with the control cost.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ContactCost {
    pub weight: f64,
    /// Humanoid-v5 clips the cost to (−∞, 10]; infinite where Gymnasium does not clip.
    pub max: f64,
}

/// Whether the simulator state is inside the task's healthy region.
pub(crate) type HealthCheck = fn(qpos: &[f64], qvel: &[f64]) -> bool;

pub(crate) struct Task {
    pub id: &'static str,
    pub xml: &'static str,
    pub frame_skip: usize,
    pub obs_dim: usize,
    pub reset_noise: ResetNoise,
    pub progress: Progress,
    pub observation: Observation,
    pub forward_weight: f64,
    pub healthy_reward: HealthyReward,
    pub ctrl_cost_weight: f64,
    /// The contact forces are `cfrc_ext` of every body, world included, clipped elementwise to ±clip when
    /// given (Ant-v5's `contact_force_range`).
    pub contact_force_clip: Option<f64>,
    pub contact_cost: Option<ContactCost>,
    /// `None`: the task never terminates.
    pub is_healthy: Option<HealthCheck>,
}

impl Task {
    /// `mj_rnePostConstraint` only fills cacc/cfrc_int/cfrc_ext, which feed no later step; only a task
    /// that reads cfrc_ext needs it, and skipping it elsewhere saves physics time.
    pub fn needs_contact_forces(&self) -> bool {
        self.observation.contact_forces || self.contact_cost.is_some()
    }

    /// The healthy term of a step that ends in the given health.
    pub fn healthy_reward(&self, healthy: bool) -> f64 {
        match self.healthy_reward {
            HealthyReward::Always(reward) => reward,
            HealthyReward::WhileHealthy(reward) if healthy => reward,
            HealthyReward::WhileHealthy(_) => 0.0,
        }
    }
}
