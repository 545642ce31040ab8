//! The deterministic expert: the actor's mean head only, squashed by tanh and scaled to the action range.

use std::collections::BTreeMap;

use butterfly_envs::EnvSpec;
use butterfly_nn::Activation;
use butterfly_policy::{MlpPolicy, OutputKind, PolicyMeta};

use crate::{Sac, SacError};

impl Sac {
    /// The policy a ∈ [low, high] = low + (tanh(μ(s)) + 1)/2 · (high − low), in the format of docs/design.md §4.
    pub fn deterministic_policy(&self, spec: &EnvSpec, extra: BTreeMap<String, String>) -> Result<MlpPolicy, SacError> {
        let layout = self.actor.net.layout();
        let last = *layout.linears().last().expect("the actor has an output layer");
        // The output layer is [mean; log_std] stacked by rows: keep the first act_dim rows.
        let mut theta = self.theta_actor[..last.weight].to_vec();
        theta.extend_from_slice(&self.theta_actor[last.weight..last.weight + self.act_dim * last.in_dim]);
        theta.extend_from_slice(&self.theta_actor[last.bias..last.bias + self.act_dim]);
        let meta = PolicyMeta {
            env: spec.id.to_string(),
            activation: Activation::Relu,
            hidden: self.config.hidden.clone(),
            layer_norm: false,
            input_dim: self.obs_dim,
            prev_action: false,
            act_dim: self.act_dim,
            output: OutputKind::Tanh,
            action_low: spec.action_low.clone(),
            action_high: spec.action_high.clone(),
            extra,
        };
        Ok(MlpPolicy::new(meta, theta, None)?)
    }
}
