//! A deterministic Transformer imitator acting over the history of its episode: each step's
//! standardized (observation ‖ previous action) is one row, and the action is read from the last row
//! of the window of the last `window` steps (the steps so far, early in an episode: no padding rows).

use std::collections::BTreeMap;
use std::path::Path;

use butterfly_envs::{BatchPolicy, Policy};
use butterfly_gpt::{ImitatorShape, ImitatorTable, PackedImitator};
use butterfly_store::{Tensor, TensorFile};

use crate::PolicyError;
use crate::file_parts::{action_bounds, at_path, extra_metadata, read_norm, read_theta};

/// What a Transformer policy file says besides its tensors.
#[derive(Debug, Clone, PartialEq)]
pub struct TransformerMeta {
    pub env: String,
    /// `input` = obs_dim + act_dim (the row: observation, then previous action), `output` = act_dim.
    pub shape: ImitatorShape,
    pub action_low: Vec<f64>,
    pub action_high: Vec<f64>,
    /// Provenance (training step, variant, seed, ...).
    pub extra: BTreeMap<String, String>,
}

const KEYS: [&str; 12] = [
    "env",
    "network",
    "obs_dim",
    "input",
    "act_dim",
    "output",
    "action_low",
    "action_high",
    "window",
    "n_layer",
    "n_head",
    "n_embd",
];

impl TransformerMeta {
    fn write(&self, file: &mut TensorFile) {
        let s = &self.shape;
        file.set_meta("env", &self.env);
        file.set_meta("network", "transformer");
        file.set_meta("obs_dim", s.input);
        file.set_meta("input", "obs+prev_action");
        file.set_meta("act_dim", s.output);
        file.set_meta("output", "tanh");
        file.set_meta("action_low", serde_json::to_string(&self.action_low).expect("numbers serialize"));
        file.set_meta("action_high", serde_json::to_string(&self.action_high).expect("numbers serialize"));
        for (key, value) in [("window", s.window), ("n_layer", s.n_layer), ("n_head", s.n_head), ("n_embd", s.n_embd)] {
            file.set_meta(key, value);
        }
        for (k, v) in &self.extra {
            file.set_meta(k, v);
        }
    }

    fn read(file: &TensorFile) -> Result<Self, butterfly_store::StoreError> {
        if file.meta("network")? != "transformer" {
            return Err(file.bad_meta("network", "expected transformer".into()));
        }
        let shape = ImitatorShape {
            input: file.meta_parse("obs_dim")?,
            output: file.meta_parse("act_dim")?,
            window: file.meta_parse("window")?,
            n_layer: file.meta_parse("n_layer")?,
            n_head: file.meta_parse("n_head")?,
            n_embd: file.meta_parse("n_embd")?,
        };
        let (action_low, action_high) = action_bounds(file)?;
        Ok(Self {
            env: file.meta("env")?.to_string(),
            shape,
            action_low,
            action_high,
            extra: extra_metadata(file, &KEYS),
        })
    }
}

/// Per episode: its last ≤ window rows, oldest first, and its previous action.
#[derive(Debug, Clone, Default)]
struct History {
    rows: Vec<f32>,
    prev: Vec<f64>,
}

#[derive(Debug, Clone)]
pub struct TransformerPolicy {
    meta: TransformerMeta,
    theta: Vec<f32>,
    net: PackedImitator,
    norm: Option<(Vec<f32>, Vec<f32>)>,
    episodes: Vec<History>,
    /// The windows of one call `[B, T, D]`.
    windows: Vec<f32>,
}

impl TransformerPolicy {
    pub fn new(
        meta: TransformerMeta,
        theta: Vec<f32>,
        norm: Option<(Vec<f32>, Vec<f32>)>,
    ) -> Result<Self, PolicyError> {
        let invalid = |what: String| PolicyError::Invalid { path: "<new policy>".into(), what };
        let s = meta.shape;
        if s.input <= s.output {
            return Err(invalid(format!("input size {} cannot hold the previous action ({})", s.input, s.output)));
        }
        if let Some((mean, std)) = &norm
            && (mean.len() != s.input || std.len() != s.input)
        {
            return Err(invalid(format!("input normalization must have {} entries", s.input)));
        }
        let bounds = |b: &[f64]| b.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        let net = PackedImitator::new(s, &theta, bounds(&meta.action_low), bounds(&meta.action_high))
            .map_err(|e| invalid(e.to_string()))?;
        let mut policy = Self { meta, theta, net, norm, episodes: Vec::new(), windows: Vec::new() };
        policy.reset_episodes(1);
        Ok(policy)
    }

    pub fn meta(&self) -> &TransformerMeta {
        &self.meta
    }

    pub fn theta(&self) -> &[f32] {
        &self.theta
    }

    /// safetensors with θ's named tensors (nanoGPT's names for the blocks, `embed.*`, `head.*`),
    /// `obs_mean`/`obs_std` over the whole row, and the metadata of [`TransformerMeta`].
    pub fn save(&self, path: &Path) -> Result<(), PolicyError> {
        let mut file = TensorFile::default();
        for t in ImitatorTable::new(&self.meta.shape).tensors {
            let data = self.theta[t.offset..t.offset + t.len()].to_vec();
            file.insert(&t.name, t.shape.clone(), Tensor::F32(data));
        }
        if let Some((mean, std)) = &self.norm {
            file.insert("obs_mean", vec![mean.len()], Tensor::F32(mean.clone()));
            file.insert("obs_std", vec![std.len()], Tensor::F32(std.clone()));
        }
        self.meta.write(&mut file);
        Ok(file.save(path)?)
    }

    /// Loads a Transformer policy file.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let file = TensorFile::load(path)?;
        let meta = TransformerMeta::read(&file)?;
        let tensors = ImitatorTable::new(&meta.shape).tensors;
        let theta = read_theta(&file, path, tensors.iter().map(|t| (t.name.as_str(), t.shape.as_slice())))?;
        Self::new(meta, theta, read_norm(&file)).map_err(at_path(path))
    }

    /// Appends episode `e`'s row for `obs` to its history (dropping the oldest beyond the window).
    fn push_row(&mut self, e: usize, obs: &[f64]) {
        let s = self.meta.shape;
        let h = &mut self.episodes[e];
        if h.rows.len() == s.window * s.input {
            h.rows.drain(..s.input);
        }
        let start = h.rows.len();
        h.rows.extend(obs.iter().chain(&h.prev).map(|&x| x as f32));
        if let Some((mean, std)) = &self.norm {
            for ((x, m), sd) in h.rows[start..].iter_mut().zip(mean).zip(std) {
                *x = (*x - m) / sd;
            }
        }
    }
}

impl Policy for TransformerPolicy {
    fn obs_dim(&self) -> usize {
        self.meta.shape.input - self.meta.shape.output
    }

    fn act_dim(&self) -> usize {
        self.meta.shape.output
    }

    fn reset(&mut self) {
        self.reset_episodes(1);
    }

    fn act(&mut self, obs: &[f64], action: &mut [f64]) {
        self.act_episodes(obs, &[0], action);
    }

    fn batched(&mut self) -> Option<&mut dyn BatchPolicy> {
        Some(self)
    }
}

impl BatchPolicy for TransformerPolicy {
    fn reset_episodes(&mut self, n: usize) {
        let a = self.meta.shape.output;
        self.episodes.clear();
        self.episodes.resize(n.max(1), History { rows: Vec::new(), prev: vec![0.0; a] });
    }

    /// Episodes whose histories have the same length share one forward (in lockstep rollouts: all).
    fn act_episodes(&mut self, obs: &[f64], episodes: &[usize], actions: &mut [f64]) {
        let (d, a) = (self.meta.shape.input, self.meta.shape.output);
        let obs_dim = d - a;
        for (o, &e) in obs.chunks_exact(obs_dim).zip(episodes) {
            self.push_row(e, o);
        }
        let mut lengths: Vec<usize> = episodes.iter().map(|&e| self.episodes[e].rows.len() / d).collect();
        lengths.sort_unstable();
        lengths.dedup();
        for seq in lengths {
            let rows: Vec<usize> =
                (0..episodes.len()).filter(|&r| self.episodes[episodes[r]].rows.len() == seq * d).collect();
            self.windows.clear();
            for &r in &rows {
                self.windows.extend_from_slice(&self.episodes[episodes[r]].rows);
            }
            let y = self.net.actions(&self.windows, rows.len(), seq).expect("windows sized by the policy");
            for (&r, out) in rows.iter().zip(y.chunks_exact(a)) {
                let act = &mut actions[r * a..(r + 1) * a];
                act.iter_mut().zip(out).for_each(|(x, &v)| *x = v as f64);
                self.episodes[episodes[r]].prev.copy_from_slice(act);
            }
        }
    }
}
