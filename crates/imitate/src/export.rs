//! A BC run's kept parameters as a policy file: the imitator of a variant at an evaluation step, with
//! its input standardization and provenance, for PyTorch users and for `expert eval`-style rollouts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use butterfly_envs::{Env, TaskEnv};
use butterfly_store::TensorFile;

use crate::run_dir::{self, TRAIN_DATA};
use crate::{BcConfig, Dataset, ImitateError, Imitator, ImitatorPolicy};

/// The parameters of `variant` that the run in `dir` kept at evaluation `step`, and their file.
pub fn kept_parameters(
    dir: &Path,
    config: &BcConfig,
    step: u64,
    variant: &str,
) -> Result<(Vec<f32>, PathBuf), ImitateError> {
    let path = dir.join(run_dir::params_file(step));
    if !path.is_file() {
        return Err(ImitateError::RunDir {
            path: dir.into(),
            what: format!(
                "no parameters kept for step {step} (kept at evaluation steps: multiples of {})",
                config.eval.every
            ),
        });
    }
    let params = TensorFile::load(&path)?;
    let theta = params.f32(variant).map_err(|_| ImitateError::RunDir {
        path: path.clone(),
        what: format!(
            "no variant '{variant}' (have: {})",
            params.tensors.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
    })?;
    Ok((theta.to_vec(), path))
}

/// The last evaluation step whose parameters the run in `dir` kept.
pub fn last_kept_step(dir: &Path) -> Result<u64, ImitateError> {
    let folder = dir.join(run_dir::params_file(0)).parent().map(Path::to_path_buf).unwrap_or_default();
    let entries = std::fs::read_dir(&folder).map_err(|source| ImitateError::Io { path: folder.clone(), source })?;
    entries
        .filter_map(|e| {
            e.ok()?.file_name().to_str()?.strip_prefix("params_")?.strip_suffix(".safetensors")?.parse().ok()
        })
        .max()
        .ok_or_else(|| ImitateError::RunDir { path: dir.into(), what: "has kept no parameters yet".into() })
}

/// The policy of `variant` at `step` (default: the last kept) of the BC run in `dir`.
pub fn export_policy(
    dir: &Path,
    variant: &str,
    step: Option<u64>,
    assets: Option<&Path>,
) -> Result<ImitatorPolicy, ImitateError> {
    let config = BcConfig::of_run(dir)?;
    let step = match step {
        Some(step) => step,
        None => last_kept_step(dir)?,
    };
    let (theta, path) = kept_parameters(dir, &config, step, variant)?;
    let env = TaskEnv::make(&config.env, assets)?;
    let imitator = Imitator::new(&config, env.spec(), &Dataset::load(&dir.join(TRAIN_DATA))?)?;
    if theta.len() != imitator.num_params() {
        return Err(ImitateError::RunDir { path, what: "parameters do not fit the configured network".into() });
    }
    let extra = BTreeMap::from([
        ("training_steps".to_string(), step.to_string()),
        ("variant".to_string(), variant.to_string()),
        ("seed".to_string(), config.seed.to_string()),
        ("expert".to_string(), config.expert.clone()),
    ]);
    imitator.policy(&theta, extra)
}
