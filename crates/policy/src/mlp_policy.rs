use std::path::Path;

use butterfly_envs::Policy;
use butterfly_nn::{Layout, PackedMlp};
use butterfly_store::{Tensor, TensorFile};

use crate::{OutputKind, PolicyError, PolicyMeta};

/// A deterministic MLP policy: `action = output(net((obs − mean) / std))`.
#[derive(Debug, Clone)]
pub struct MlpPolicy {
    meta: PolicyMeta,
    theta: Vec<f32>,
    layout: Layout,
    /// Inference runs on the engine's packed small-batch kernel: no BLAS call, so rollouts on many
    /// threads at once never share a BLAS thread pool.
    net: PackedMlp,
    obs_norm: Option<(Vec<f32>, Vec<f32>)>,
    /// The previous action (imitators read it; zero at an episode's start).
    prev: Vec<f64>,
    input: Vec<f32>,
}

impl MlpPolicy {
    pub fn new(meta: PolicyMeta, theta: Vec<f32>, obs_norm: Option<(Vec<f32>, Vec<f32>)>) -> Result<Self, PolicyError> {
        let layout = Layout::new(meta.mlp_spec())?;
        let invalid = |what: String| PolicyError::Invalid { path: "<new policy>".into(), what };
        if theta.len() != layout.num_params() {
            return Err(invalid(format!("{} parameters, the network has {}", theta.len(), layout.num_params())));
        }
        if meta.action_low.len() != meta.act_dim || meta.action_high.len() != meta.act_dim {
            return Err(invalid(format!("action bounds must have {} entries", meta.act_dim)));
        }
        if let Some((mean, std)) = &obs_norm
            && (mean.len() != meta.obs_dim || std.len() != meta.obs_dim)
        {
            return Err(invalid(format!("observation normalization must have {} entries", meta.obs_dim)));
        }
        if meta.prev_action && meta.obs_dim <= meta.act_dim {
            return Err(invalid(format!(
                "input size {} cannot hold the previous action ({})",
                meta.obs_dim, meta.act_dim
            )));
        }
        let input = vec![0.0; meta.obs_dim];
        let prev = vec![0.0; if meta.prev_action { meta.act_dim } else { 0 }];
        let net = PackedMlp::new(&layout, &theta)?;
        Ok(Self { meta, theta, layout, net, obs_norm, prev, input })
    }

    pub fn meta(&self) -> &PolicyMeta {
        &self.meta
    }

    pub fn meta_mut(&mut self) -> &mut PolicyMeta {
        &mut self.meta
    }

    pub fn theta(&self) -> &[f32] {
        &self.theta
    }

    pub fn save(&self, path: &Path) -> Result<(), PolicyError> {
        let mut file = TensorFile::default();
        for t in self.layout.named_tensors(&self.theta)? {
            file.insert(t.name, t.shape, Tensor::F32(t.data.to_vec()));
        }
        if let Some((mean, std)) = &self.obs_norm {
            file.insert("obs_mean", vec![mean.len()], Tensor::F32(mean.clone()));
            file.insert("obs_std", vec![std.len()], Tensor::F32(std.clone()));
        }
        self.meta.write(&mut file);
        Ok(file.save(path)?)
    }

    /// Loads a policy file, checking it against the env it will act in when `env` is given.
    pub fn load(path: &Path, env: Option<&str>) -> Result<Self, PolicyError> {
        let file = TensorFile::load(path)?;
        let meta = PolicyMeta::read(&file)?;
        if let Some(expected) = env
            && meta.env != expected
        {
            return Err(PolicyError::WrongEnv { path: path.into(), found: meta.env, expected: expected.into() });
        }
        // θ is the concatenation of the named tensors in layout order (PyTorch's parameters_to_vector).
        let layout = Layout::new(meta.mlp_spec())?;
        let zeros = vec![0.0f32; layout.num_params()];
        let mut theta = Vec::with_capacity(zeros.len());
        for t in layout.named_tensors(&zeros)? {
            if file.shape(&t.name)? != t.shape.as_slice() {
                let what = format!(
                    "tensor {} has shape {:?}, the metadata implies {:?}",
                    t.name,
                    file.shape(&t.name)?,
                    t.shape
                );
                return Err(PolicyError::Invalid { path: path.into(), what });
            }
            theta.extend_from_slice(file.f32(&t.name)?);
        }
        let obs_norm = match (file.f32("obs_mean"), file.f32("obs_std")) {
            (Ok(m), Ok(s)) => Some((m.to_vec(), s.to_vec())),
            _ => None,
        };
        Self::new(meta, theta, obs_norm).map_err(|e| match e {
            PolicyError::Invalid { what, .. } => PolicyError::Invalid { path: path.into(), what },
            other => other,
        })
    }
}

impl Policy for MlpPolicy {
    /// The env's observation size (the network's input less the previous action, if it reads one).
    fn obs_dim(&self) -> usize {
        self.meta.obs_dim - self.prev.len()
    }

    fn act_dim(&self) -> usize {
        self.meta.act_dim
    }

    fn reset(&mut self) {
        self.prev.fill(0.0);
    }

    fn act(&mut self, obs: &[f64], action: &mut [f64]) {
        let raw = obs.iter().chain(&self.prev);
        match &self.obs_norm {
            Some((mean, std)) => {
                for (((x, o), m), s) in self.input.iter_mut().zip(raw).zip(mean).zip(std) {
                    *x = (*o as f32 - m) / s;
                }
            }
            None => {
                for (x, o) in self.input.iter_mut().zip(raw) {
                    *x = *o as f32;
                }
            }
        }
        let y = self.net.forward(&self.input, 1).expect("shapes checked at construction");
        let (low, high) = (&self.meta.action_low, &self.meta.action_high);
        for (i, (a, &y)) in action.iter_mut().zip(y).enumerate() {
            *a = match self.meta.output {
                OutputKind::Tanh => low[i] + ((y as f64).tanh() + 1.0) / 2.0 * (high[i] - low[i]),
                OutputKind::Linear => y as f64,
            };
        }
        if !self.prev.is_empty() {
            self.prev.copy_from_slice(action);
        }
    }
}
