//! A BC run's kept parameters as a policy file: the imitator of a variant at an evaluation step, with
//! its input standardization and provenance, for PyTorch users and for `expert eval`-style rollouts.

use std::collections::BTreeMap;
use std::path::Path;

use butterfly_envs::{Env, TaskEnv};
use butterfly_train::{Kept, kept_parameters};

use crate::run_dir::TRAIN_DATA;
use crate::{BcConfig, Dataset, ImitateError, Imitator, ImitatorPolicy};

/// The policy of `variant` at `step` (default: the last kept) of the BC run in `dir`; `notes` join its
/// provenance in the metadata (how it was chosen, say).
pub fn export_policy(
    dir: &Path,
    variant: &str,
    step: Option<u64>,
    assets: Option<&Path>,
    notes: BTreeMap<String, String>,
) -> Result<ImitatorPolicy, ImitateError> {
    let config = BcConfig::of_run(dir)?;
    let Kept { step, path, theta } = kept_parameters(dir, variant, step)?;
    let env = TaskEnv::make(&config.env, assets)?;
    let imitator = Imitator::new(&config, env.spec(), &Dataset::load(&dir.join(TRAIN_DATA))?)?;
    if theta.len() != imitator.num_params() {
        return Err(ImitateError::RunDir { path, what: "parameters do not fit the configured network".into() });
    }
    let mut extra = notes;
    extra.extend([
        ("training_steps".to_string(), step.to_string()),
        ("variant".to_string(), variant.to_string()),
        ("seed".to_string(), config.seed.to_string()),
        ("expert".to_string(), config.expert.clone()),
    ]);
    imitator.policy(&theta, extra)
}
