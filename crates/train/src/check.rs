//! The checks every training config shares, made before anything is built: windows inside the run, a
//! valid schedule and optimizer, stabilizers that build and have distinct names.

use butterfly_nn::{Optimizer, OptimizerConfig, Schedule};

use crate::{Stabilizer, StabilizerSpec, TrainError, Window};

pub fn check_training(
    steps: u64,
    windows: &[Window],
    schedule: &Schedule,
    optimizer: OptimizerConfig,
    stabilizers: &[StabilizerSpec],
) -> Result<(), TrainError> {
    if windows.iter().any(|w| w.length == 0 || w.start + w.length > steps) {
        return Err(TrainError::Config("every eval window needs length ≥ 1 and must end by `steps`".into()));
    }
    schedule.validate()?;
    Optimizer::<f32>::new(optimizer, 1)?;
    let mut names: Vec<String> = vec!["raw".into()];
    for s in stabilizers {
        let name = s.build(&[])?.name().to_string();
        if names.contains(&name) {
            return Err(TrainError::Config(format!("two stabilizers are named '{name}'")));
        }
        names.push(name);
    }
    if let Some(unknown) = windows.iter().flat_map(|w| &w.variants).find(|v| !names.contains(v)) {
        let have = names.join(", ");
        return Err(TrainError::Config(format!(
            "eval window variant '{unknown}' is not a variant of the run (have {have})"
        )));
    }
    Ok(())
}
