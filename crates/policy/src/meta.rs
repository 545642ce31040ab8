use std::collections::BTreeMap;

use butterfly_nn::{Activation, MlpSpec};
use butterfly_store::{StoreError, TensorFile};

use crate::file_parts::{action_bounds, extra_metadata};

/// How the network's output y becomes an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// `low + (tanh(y) + 1)/2 · (high − low)`: always inside the control range (SAC experts).
    Tanh,
    /// `y` as it is (imitators regressing expert actions).
    Linear,
}

impl OutputKind {
    pub fn name(self) -> &'static str {
        match self {
            OutputKind::Tanh => "tanh",
            OutputKind::Linear => "linear",
        }
    }
}

/// Everything the metadata of a policy file says about the network.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyMeta {
    /// Gymnasium id of the env the policy acts in.
    pub env: String,
    pub activation: Activation,
    pub hidden: Vec<usize>,
    pub layer_norm: bool,
    /// The network's input size: the observation, plus the previous action for an imitator (the file's
    /// metadata key is `obs_dim`, as documented for PyTorch users).
    pub input_dim: usize,
    /// The input is the observation followed by the previous action (zero at an episode's start):
    /// metadata `input` = `obs+prev_action` (else `obs`).
    pub prev_action: bool,
    pub act_dim: usize,
    pub output: OutputKind,
    pub action_low: Vec<f64>,
    pub action_high: Vec<f64>,
    /// Provenance and measurements (training steps, seed, measured return, ...).
    pub extra: BTreeMap<String, String>,
}

const KEYS: [&str; 10] =
    ["env", "activation", "hidden", "layer_norm", "obs_dim", "act_dim", "output", "action_low", "action_high", "input"];

impl PolicyMeta {
    pub fn mlp_spec(&self) -> MlpSpec {
        MlpSpec {
            input: self.input_dim,
            hidden: self.hidden.clone(),
            output: self.act_dim,
            activation: self.activation,
            layer_norm: self.layer_norm,
            dropout: 0.0,
        }
    }

    pub(crate) fn write(&self, file: &mut TensorFile) {
        file.set_meta("env", &self.env);
        file.set_meta("activation", self.activation.name());
        file.set_meta("hidden", json(&self.hidden));
        file.set_meta("layer_norm", self.layer_norm);
        file.set_meta("obs_dim", self.input_dim);
        file.set_meta("input", if self.prev_action { "obs+prev_action" } else { "obs" });
        file.set_meta("act_dim", self.act_dim);
        file.set_meta("output", self.output.name());
        file.set_meta("action_low", json(&self.action_low));
        file.set_meta("action_high", json(&self.action_high));
        for (k, v) in &self.extra {
            file.set_meta(k, v);
        }
    }

    pub(crate) fn read(file: &TensorFile) -> Result<Self, StoreError> {
        let activation = match file.meta("activation")? {
            "relu" => Activation::Relu,
            "tanh" => Activation::Tanh,
            "gelu" => Activation::Gelu,
            "elu" => Activation::Elu,
            _ => return Err(file.bad_meta("activation", "expected relu, tanh, gelu or elu".into())),
        };
        let output = match file.meta("output")? {
            "tanh" => OutputKind::Tanh,
            "linear" => OutputKind::Linear,
            _ => return Err(file.bad_meta("output", "expected tanh or linear".into())),
        };
        let hidden: Vec<usize> =
            serde_json::from_str(file.meta("hidden")?).map_err(|e| file.bad_meta("hidden", e.to_string()))?;
        // Files written by other tools may omit layer_norm: no norm tensors means none.
        let layer_norm = match file.metadata.get("layer_norm") {
            Some(_) => file.meta_parse("layer_norm")?,
            None => false,
        };
        let prev_action = match file.metadata.get("input").map(String::as_str) {
            None | Some("obs") => false,
            Some("obs+prev_action") => true,
            Some(_) => return Err(file.bad_meta("input", "expected obs or obs+prev_action".into())),
        };
        let (action_low, action_high) = action_bounds(file)?;
        Ok(Self {
            env: file.meta("env")?.to_string(),
            activation,
            hidden,
            layer_norm,
            input_dim: file.meta_parse("obs_dim")?,
            prev_action,
            act_dim: file.meta_parse("act_dim")?,
            output,
            action_low,
            action_high,
            extra: extra_metadata(file, &KEYS),
        })
    }
}

fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("lists of numbers serialize")
}
