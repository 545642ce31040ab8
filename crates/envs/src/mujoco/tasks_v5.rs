//! The five Gymnasium v5 tasks (gymnasium 1.4.0, `*_v5.py`), with their default arguments, each written as
//! its differences from v4 (the Version History in those files lists them). Unchanged from v4: reset noise,
//! frame skip, forward velocity, health checks and so terminations, the control cost.

use super::task::{ContactCost, HealthyReward, Observation, Task};
use super::tasks_v4::{ANT, HALF_CHEETAH, HOPPER, HUMANOID, WALKER2D};

pub(super) const WALKER2D_V5: Task = Task {
    id: "Walker2d-v5",
    // Both feet have friction 1.9 (walker2d.xml gives the right foot 0.9).
    xml: "walker2d_v5.xml",
    healthy_reward: HealthyReward::WhileHealthy(1.0),
    ..WALKER2D
};

pub(super) const HOPPER_V5: Task = Task { id: "Hopper-v5", healthy_reward: HealthyReward::WhileHealthy(1.0), ..HOPPER };

/// Only `info["reward_run"]` was renamed, which Butterfly does not report.
pub(super) const HALF_CHEETAH_V5: Task = Task { id: "HalfCheetah-v5", ..HALF_CHEETAH };

pub(super) const ANT_V5: Task = Task {
    id: "Ant-v5",
    // 13 qpos + 14 qvel + 13 bodies × 6 clipped contact forces (`include_cfrc_ext_in_observation=True`).
    obs_dim: 105,
    observation: Observation { contact_forces: true, skip_world: true, ..ANT.observation },
    healthy_reward: HealthyReward::WhileHealthy(1.0),
    contact_force_clip: Some(1.0),
    contact_cost: Some(ContactCost { weight: 5e-4, max: f64::INFINITY }),
    ..ANT
};

pub(super) const HUMANOID_V5: Task = Task {
    id: "Humanoid-v5",
    // 376 less the world body's cinert (10), cvel (6), cfrc_ext (6) and the free joint's qfrc_actuator (6).
    obs_dim: 348,
    observation: Observation { skip_world: true, ..HUMANOID.observation },
    healthy_reward: HealthyReward::WhileHealthy(5.0),
    // v3's contact cost, over the raw cfrc_ext of every body.
    contact_cost: Some(ContactCost { weight: 5e-7, max: 10.0 }),
    ..HUMANOID
};
