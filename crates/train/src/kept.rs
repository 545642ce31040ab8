//! The parameters a run kept at its evaluations (`checkpoints/params_*.safetensors`, every variant as one
//! tensor), read the one way every command reads them: export, sampling, scoring, bifurcations, landscapes;
//! and written one way, by the training loop at its evaluations and by `stabilize` adding its variants.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use butterfly_store::{RunDir, StoreError, Tensor, TensorFile};

/// The parameters of every variant (tensors named `raw` and after each stabilizer, and the variants
/// `stabilize` added) at evaluation `step`.
pub fn params_file(step: u64) -> String {
    format!("checkpoints/params_{step:08}.safetensors")
}

/// The steps whose parameters the run in `run` kept, in order.
pub fn kept_steps(run: &Path) -> Vec<u64> {
    let folder = run.join(params_file(0)).parent().map(Path::to_path_buf).unwrap_or_default();
    let mut steps: Vec<u64> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_prefix("params_")?.strip_suffix(".safetensors")?.parse().ok())
        .collect();
    steps.sort_unstable();
    steps
}

/// The variants kept at `step`: raw first, then the stabilizers by name.
pub fn kept_variants(run: &Path, step: u64) -> Result<Vec<String>, StoreError> {
    let file = TensorFile::load(&run.join(params_file(step)))?;
    let mut variants: Vec<String> = file.tensors.keys().cloned().collect();
    variants.sort_by_key(|v| (v != "raw", v.clone()));
    Ok(variants)
}

/// The refusal of a step the run in `run` did not keep, naming the ones it did (`steps`).
pub(crate) fn not_kept(run: &Path, step: u64, steps: &[u64]) -> StoreError {
    let kept = match steps {
        [] => "none".into(),
        [only] => format!("step {only}"),
        [a, b, ..] => {
            // An evaluation cadence (the last step may be off it): say it.
            let regular = steps[..steps.len() - 1].windows(2).all(|w| w[1] - w[0] == b - a);
            let last = steps[steps.len() - 1];
            if regular { format!("every {} from {a} to {last}", b - a) } else { format!("{steps:?}") }
        }
    };
    StoreError::RunDir { path: run.to_path_buf(), what: format!("kept no parameters at step {step} (kept: {kept})") }
}

/// Kept parameters: the step (the one asked for, or the last kept), their file and θ.
#[derive(Debug, Clone)]
pub struct Kept {
    pub step: u64,
    pub path: PathBuf,
    pub theta: Vec<f32>,
}

/// The parameters of `variant` that the run in `run` kept at `step` (None: the last kept step); errors
/// name what the run did keep.
pub fn kept_parameters(run: &Path, variant: &str, step: Option<u64>) -> Result<Kept, StoreError> {
    let bad = |what: String| StoreError::RunDir { path: run.to_path_buf(), what };
    let steps = kept_steps(run);
    let step = match step {
        Some(s) if steps.contains(&s) => s,
        Some(s) => return Err(not_kept(run, s, &steps)),
        None => *steps.last().ok_or_else(|| bad("kept no parameters yet: train it first".into()))?,
    };
    let path = run.join(params_file(step));
    let file = TensorFile::load(&path)?;
    let theta = file.f32(variant).map_err(|_| {
        let have = file.tensors.keys().cloned().collect::<Vec<_>>().join(", ");
        StoreError::RunDir { path: path.clone(), what: format!("has no variant '{variant}' (have: {have})") }
    })?;
    Ok(Kept { step, theta: theta.to_vec(), path })
}

/// Kept tensors read once each: what combines many kept steps (post-hoc EMAs, checkpoint averages at every
/// kept step) would otherwise read step k's file k times. A file, once read, leaves every variant asked for
/// so far in memory (the handful a reconstruction combines, not every stabilizer of the run).
pub struct KeptTensors<'a> {
    run: &'a Path,
    wanted: BTreeSet<String>,
    loaded: BTreeMap<(u64, String), Vec<f32>>,
}

impl<'a> KeptTensors<'a> {
    pub fn new(run: &'a Path) -> Self {
        Self { run, wanted: BTreeSet::new(), loaded: BTreeMap::new() }
    }

    pub fn run(&self) -> &'a Path {
        self.run
    }

    /// The parameters of `variant` kept at `step` (which must be a kept step).
    pub fn get(&mut self, step: u64, variant: &str) -> Result<&[f32], StoreError> {
        let key = (step, variant.to_string());
        if !self.loaded.contains_key(&key) {
            self.wanted.insert(variant.to_string());
            let file = TensorFile::load(&self.run.join(params_file(step))).ok().filter(|f| f.f32(variant).is_ok());
            match file {
                Some(file) => {
                    for name in &self.wanted {
                        if let Ok(theta) = file.f32(name) {
                            self.loaded.entry((step, name.clone())).or_insert_with(|| theta.to_vec());
                        }
                    }
                }
                // Not there: the one reader's error says what the run did keep.
                None => {
                    let theta = kept_parameters(self.run, variant, Some(step))?.theta;
                    self.loaded.insert(key.clone(), theta);
                }
            }
        }
        Ok(&self.loaded[&key])
    }
}

/// Writes the parameters `file` holds as the ones kept at `step` (sealed, atomically).
pub(crate) fn write_kept(run: &RunDir, step: u64, mut file: TensorFile) -> Result<(), StoreError> {
    file.set_meta("step", step);
    file.seal();
    file.save(&run.join(params_file(step)))
}

/// Adds `variants` to the parameters kept at `step` (replacing a variant of the same name).
pub(crate) fn add_kept(run: &RunDir, step: u64, variants: &[(String, Vec<f32>)]) -> Result<(), StoreError> {
    let mut file = TensorFile::load(&run.join(params_file(step)))?;
    for (name, theta) in variants {
        file.insert(name.as_str(), vec![theta.len()], Tensor::F32(theta.clone()));
    }
    write_kept(run, step, file)
}
