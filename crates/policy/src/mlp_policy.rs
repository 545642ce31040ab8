use std::path::Path;

use butterfly_envs::{BatchPolicy, EnvSpec, Policy};
use butterfly_nn::{Layout, PackedMlp};
use butterfly_store::{Tensor, TensorFile};

use crate::file_parts::{at_path, read_norm, read_theta};
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
    /// The previous action (imitators read it; zero at an episode's start), `[episodes, act_dim]`:
    /// one row for [`Policy::act`], one per episode for [`BatchPolicy::act_episodes`].
    prev: Vec<f64>,
    /// Network input rows.
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
            && (mean.len() != meta.input_dim || std.len() != meta.input_dim)
        {
            return Err(invalid(format!("observation normalization must have {} entries", meta.input_dim)));
        }
        if meta.prev_action && meta.input_dim <= meta.act_dim {
            return Err(invalid(format!(
                "input size {} cannot hold the previous action ({})",
                meta.input_dim, meta.act_dim
            )));
        }
        let input = vec![0.0; meta.input_dim];
        let prev = vec![0.0; meta.act_dim];
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

    /// Loads a policy file for the env of `spec`, checking that it maps that env's observations to its actions.
    pub fn load_for(path: &Path, spec: &EnvSpec) -> Result<Self, PolicyError> {
        let policy = Self::load(path, Some(spec.id))?;
        if policy.obs_dim() != spec.obs_dim || policy.act_dim() != spec.act_dim {
            let what = format!(
                "the policy maps {} observations to {} actions, {} has {} and {}",
                policy.obs_dim(),
                policy.act_dim(),
                spec.id,
                spec.obs_dim,
                spec.act_dim
            );
            return Err(PolicyError::Invalid { path: path.into(), what });
        }
        Ok(policy)
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
        let named = layout.named_tensors(&zeros)?;
        let theta = read_theta(&file, path, named.iter().map(|t| (t.name.as_str(), t.shape.as_slice())))?;
        Self::new(meta, theta, read_norm(&file)).map_err(at_path(path))
    }
}

impl MlpPolicy {
    /// The previous action's width in the input (0 for policies that do not read it).
    fn prev_dim(&self) -> usize {
        if self.meta.prev_action { self.meta.act_dim } else { 0 }
    }

    /// Network input row = standardized (observation ‖ previous action).
    fn fill_input(&self, obs: &[f64], prev: &[f64], row: &mut [f32]) {
        let raw = obs.iter().chain(&prev[..self.prev_dim()]);
        match &self.obs_norm {
            Some((mean, std)) => {
                for (((x, o), m), s) in row.iter_mut().zip(raw).zip(mean).zip(std) {
                    *x = (*o as f32 - m) / s;
                }
            }
            None => {
                for (x, o) in row.iter_mut().zip(raw) {
                    *x = *o as f32;
                }
            }
        }
    }

    /// Rows of network outputs → actions (squashed into the action range, or as they are).
    fn write_actions(meta: &PolicyMeta, y: &[f32], actions: &mut [f64]) {
        let (low, high) = (&meta.action_low, &meta.action_high);
        for (row_a, row_y) in actions.chunks_exact_mut(meta.act_dim).zip(y.chunks_exact(meta.act_dim)) {
            for (i, (a, &y)) in row_a.iter_mut().zip(row_y).enumerate() {
                *a = match meta.output {
                    OutputKind::Tanh => low[i] + ((y as f64).tanh() + 1.0) / 2.0 * (high[i] - low[i]),
                    OutputKind::Linear => y as f64,
                };
            }
        }
    }
}

impl Policy for MlpPolicy {
    /// The env's observation size (the network's input less the previous action, if it reads one).
    fn obs_dim(&self) -> usize {
        self.meta.input_dim - self.prev_dim()
    }

    fn act_dim(&self) -> usize {
        self.meta.act_dim
    }

    fn reset(&mut self) {
        self.reset_episodes(1);
    }

    fn act(&mut self, obs: &[f64], action: &mut [f64]) {
        let mut row = std::mem::take(&mut self.input);
        row.resize(self.meta.input_dim, 0.0);
        self.fill_input(obs, &self.prev[..self.meta.act_dim], &mut row);
        let y = self.net.forward_serial(&row, 1).expect("shapes checked at construction");
        Self::write_actions(&self.meta, y, action);
        self.prev[..self.meta.act_dim].copy_from_slice(action);
        self.input = row;
    }

    fn batched(&mut self) -> Option<&mut dyn BatchPolicy> {
        Some(self)
    }
}

impl BatchPolicy for MlpPolicy {
    fn reset_episodes(&mut self, n: usize) {
        self.prev.clear();
        self.prev.resize(n.max(1) * self.meta.act_dim, 0.0);
    }

    fn act_episodes(&mut self, obs: &[f64], episodes: &[usize], actions: &mut [f64]) {
        let (n_in, n_act) = (self.meta.input_dim, self.meta.act_dim);
        let obs_dim = n_in - self.prev_dim();
        let mut rows = std::mem::take(&mut self.input);
        rows.resize(episodes.len() * n_in, 0.0);
        for ((row, o), &e) in rows.chunks_exact_mut(n_in).zip(obs.chunks_exact(obs_dim)).zip(episodes) {
            self.fill_input(o, &self.prev[e * n_act..(e + 1) * n_act], row);
        }
        let y = self.net.forward_serial(&rows, episodes.len()).expect("shapes checked at construction");
        Self::write_actions(&self.meta, y, actions);
        for (a, &e) in actions.chunks_exact(n_act).zip(episodes) {
            self.prev[e * n_act..(e + 1) * n_act].copy_from_slice(a);
        }
        self.input = rows;
    }
}
