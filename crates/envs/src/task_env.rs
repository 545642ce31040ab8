//! Any of Butterfly's environments by name, so that configs can name the task.

use std::path::Path;

use crate::mujoco::find_assets_dir;
use crate::{Env, EnvError, EnvRng, EnvSpec, LinearSystem, MujocoEnv, Replicate, Transition};

/// The linear system's id in configs: `LinearSystem` (one double integrator, horizon 100).
pub const LINEAR_SYSTEM_ID: &str = "LinearSystem";

pub enum TaskEnv {
    Mujoco(Box<MujocoEnv>),
    Linear(LinearSystem),
}

impl TaskEnv {
    /// A Gymnasium id, v4 or v5 (model files found as [`find_assets_dir`] says) or [`LINEAR_SYSTEM_ID`].
    pub fn make(id: &str, assets: Option<&Path>) -> Result<Self, EnvError> {
        if id == LINEAR_SYSTEM_ID {
            return Ok(TaskEnv::Linear(LinearSystem::double_integrator(1, 100)));
        }
        Ok(TaskEnv::Mujoco(Box::new(MujocoEnv::new(id, &find_assets_dir(assets)?)?)))
    }

    fn inner(&self) -> &dyn Env {
        match self {
            TaskEnv::Mujoco(e) => e.as_ref(),
            TaskEnv::Linear(e) => e,
        }
    }

    fn inner_mut(&mut self) -> &mut dyn Env {
        match self {
            TaskEnv::Mujoco(e) => e.as_mut(),
            TaskEnv::Linear(e) => e,
        }
    }
}

impl Replicate for TaskEnv {
    fn replicate(&self) -> Self {
        match self {
            TaskEnv::Mujoco(e) => TaskEnv::Mujoco(Box::new(e.replicate())),
            TaskEnv::Linear(e) => TaskEnv::Linear(e.replicate()),
        }
    }
}

impl Env for TaskEnv {
    fn spec(&self) -> &EnvSpec {
        self.inner().spec()
    }

    fn reset(&mut self, rng: &mut EnvRng) {
        self.inner_mut().reset(rng)
    }

    fn reset_to(&mut self, state: &[f64]) -> Result<(), EnvError> {
        self.inner_mut().reset_to(state)
    }

    fn state(&self) -> Vec<f64> {
        self.inner().state()
    }

    fn step(&mut self, action: &[f64]) -> Result<Transition, EnvError> {
        self.inner_mut().step(action)
    }

    fn observation(&self) -> &[f64] {
        self.inner().observation()
    }
}
