//! The expert being imitated: a policy file (SAC experts) or the linear system's linear controller.

use std::path::Path;

use butterfly_envs::{BatchPolicy, Env, LINEAR_SYSTEM_ID, LinearPolicy, LinearSystem, Policy};
use butterfly_policy::MlpPolicy;

use crate::ImitateError;

#[derive(Debug, Clone)]
pub enum Expert {
    Mlp(Box<MlpPolicy>),
    Linear(LinearPolicy),
}

impl Expert {
    /// `linear` for the linear system's controller, else a policy file checked against `env`.
    pub fn load(spec: &str, env: &dyn Env) -> Result<Self, ImitateError> {
        let env_spec = env.spec();
        if spec == "linear" {
            if env_spec.id != LINEAR_SYSTEM_ID {
                return Err(ImitateError::Config(format!("expert = \"linear\" needs env = \"{LINEAR_SYSTEM_ID}\"")));
            }
            return Ok(Expert::Linear(LinearSystem::double_integrator_expert(env_spec.act_dim)));
        }
        let policy = MlpPolicy::load(Path::new(spec), Some(env_spec.id))?;
        if policy.obs_dim() != env_spec.obs_dim || policy.act_dim() != env_spec.act_dim {
            return Err(ImitateError::Config(format!(
                "{spec} maps {} observations to {} actions; {} has {} and {}",
                policy.obs_dim(),
                policy.act_dim(),
                env_spec.id,
                env_spec.obs_dim,
                env_spec.act_dim
            )));
        }
        Ok(Expert::Mlp(Box::new(policy)))
    }
}

impl Policy for Expert {
    fn obs_dim(&self) -> usize {
        match self {
            Expert::Mlp(p) => p.obs_dim(),
            Expert::Linear(p) => p.obs_dim(),
        }
    }

    fn act_dim(&self) -> usize {
        match self {
            Expert::Mlp(p) => p.act_dim(),
            Expert::Linear(p) => p.act_dim(),
        }
    }

    fn reset(&mut self) {
        match self {
            Expert::Mlp(p) => p.reset(),
            Expert::Linear(p) => p.reset(),
        }
    }

    fn act(&mut self, obs: &[f64], action: &mut [f64]) {
        match self {
            Expert::Mlp(p) => p.act(obs, action),
            Expert::Linear(p) => p.act(obs, action),
        }
    }

    fn batched(&mut self) -> Option<&mut dyn BatchPolicy> {
        match self {
            Expert::Mlp(p) => p.batched(),
            Expert::Linear(p) => p.batched(),
        }
    }
}
