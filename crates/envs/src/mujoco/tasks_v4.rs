//! The five Gymnasium v4 tasks (gymnasium 1.4.0, `*_v4.py`), with their default arguments.

use super::task::{HealthyReward, Observation, Progress, ResetNoise, Task};

pub(super) const WALKER2D: Task = Task {
    id: "Walker2d-v4",
    xml: "walker2d.xml",
    frame_skip: 4,
    obs_dim: 17,
    reset_noise: ResetNoise::Uniform { scale: 5e-3 },
    progress: Progress::RootX,
    observation: Observation::joints(1, Some(10.0)),
    forward_weight: 1.0,
    healthy_reward: HealthyReward::Always(1.0),
    ctrl_cost_weight: 1e-3,
    contact_force_clip: None,
    contact_cost: None,
    is_healthy: Some(walker2d_healthy),
};

fn walker2d_healthy(qpos: &[f64], _qvel: &[f64]) -> bool {
    let (z, angle) = (qpos[1], qpos[2]);
    0.8 < z && z < 2.0 && -1.0 < angle && angle < 1.0
}

pub(super) const HOPPER: Task = Task {
    id: "Hopper-v4",
    xml: "hopper.xml",
    frame_skip: 4,
    obs_dim: 11,
    is_healthy: Some(hopper_healthy),
    ..WALKER2D
};

fn hopper_healthy(qpos: &[f64], qvel: &[f64]) -> bool {
    let in_range = |x: &f64| -100.0 < *x && *x < 100.0;
    let state_ok = qpos[2..].iter().all(in_range) && qvel.iter().all(in_range);
    let (z, angle) = (qpos[1], qpos[2]);
    state_ok && 0.7 < z && z < f64::INFINITY && -0.2 < angle && angle < 0.2
}

pub(super) const HALF_CHEETAH: Task = Task {
    id: "HalfCheetah-v4",
    xml: "half_cheetah.xml",
    frame_skip: 5,
    obs_dim: 17,
    reset_noise: ResetNoise::UniformPosNormalVel { scale: 0.1 },
    progress: Progress::RootX,
    observation: Observation::joints(1, None),
    forward_weight: 1.0,
    healthy_reward: HealthyReward::Always(0.0),
    ctrl_cost_weight: 0.1,
    contact_force_clip: None,
    contact_cost: None,
    is_healthy: None,
};

pub(super) const ANT: Task = Task {
    id: "Ant-v4",
    xml: "ant.xml",
    obs_dim: 27,
    progress: Progress::BodyX("torso"),
    observation: Observation::joints(2, None),
    healthy_reward: HealthyReward::Always(1.0),
    ctrl_cost_weight: 0.5,
    is_healthy: Some(ant_healthy),
    ..HALF_CHEETAH
};

fn ant_healthy(qpos: &[f64], qvel: &[f64]) -> bool {
    let finite = qpos.iter().chain(qvel).all(|x| x.is_finite());
    finite && 0.2 <= qpos[2] && qpos[2] <= 1.0
}

pub(super) const HUMANOID: Task = Task {
    id: "Humanoid-v4",
    xml: "humanoid.xml",
    frame_skip: 5,
    obs_dim: 376,
    reset_noise: ResetNoise::Uniform { scale: 1e-2 },
    progress: Progress::MassCentreX,
    observation: Observation { com_terms: true, contact_forces: true, ..Observation::joints(2, None) },
    forward_weight: 1.25,
    healthy_reward: HealthyReward::Always(5.0),
    ctrl_cost_weight: 0.1,
    contact_force_clip: None,
    // Humanoid-v4 has no contact cost (v5 restores v3's).
    contact_cost: None,
    is_healthy: Some(humanoid_healthy),
};

fn humanoid_healthy(qpos: &[f64], _qvel: &[f64]) -> bool {
    1.0 < qpos[2] && qpos[2] < 2.0
}
