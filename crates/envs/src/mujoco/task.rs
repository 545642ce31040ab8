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

/// Which simulator quantities make up the observation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Observation {
    /// qpos[skip..] then qvel, clipped to ±clip when given.
    Joints { skip_qpos: usize, clip_qvel: Option<f64> },
    /// qpos[2..], qvel, cinert, cvel, qfrc_actuator, cfrc_ext (Humanoid).
    FullHumanoid,
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
    /// Paid on every step (Gymnasium's `terminate_when_unhealthy=True` makes it unconditional).
    pub healthy_reward: f64,
    pub ctrl_cost_weight: f64,
    /// `None`: the task never terminates.
    pub is_healthy: Option<HealthCheck>,
}

impl Task {
    /// `mj_rnePostConstraint` only fills cacc/cfrc_int/cfrc_ext, which feed no later step; only an
    /// observation that reads cfrc_ext needs it, and skipping it elsewhere saves physics time.
    pub fn needs_contact_forces(&self) -> bool {
        matches!(self.observation, Observation::FullHumanoid)
    }
}
