//! `butterfly select --evaluate 'CMD {checkpoint} {seed}' --checkpoints FILE...`: a selection among
//! anyone's checkpoints, rolled out by their own evaluator. Each call runs CMD through `sh -c` with the
//! file and the round's seed put in and must print one return (the last line of its output); the arms of
//! a round share the seed, so that an evaluator which seeds its environment with it compares them on
//! common initial conditions.

use std::path::PathBuf;
use std::process::Command;

use butterfly_select::{Arm, Request, Selection, run_selection};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{StudyError, Watch};

/// A selection among checkpoint files. The request's range is required (nothing says what an unknown
/// evaluator returns), its budget defaults to ten times a 20-episode evaluation of every checkpoint (the
/// `exhaustive_rollouts` reported), and its filter does not apply.
#[derive(Debug, Clone)]
pub struct CommandSelection {
    pub request: Request,
    /// The evaluator, with `{checkpoint}` and `{seed}` to be replaced.
    pub command: String,
    pub checkpoints: Vec<PathBuf>,
}

/// The arms are the checkpoints, named by their path (as the variant) and their position (as the step).
pub fn select_by_command(asked: &CommandSelection, watch: &dyn Watch) -> Result<Selection, StudyError> {
    let how = &asked.request;
    let options = |what: &str| Err(StudyError::Options(what.to_string()));
    if !asked.command.contains("{checkpoint}") {
        return options("--evaluate must contain {checkpoint} (and should contain {seed})");
    }
    if asked.checkpoints.is_empty() {
        return options("--evaluate needs --checkpoints FILE...");
    }
    let Some(range) = how.range else {
        return options("--evaluate needs --range LOW,HIGH: the bounds need to know what returns can be");
    };
    let arms: Vec<Arm> = asked
        .checkpoints
        .iter()
        .enumerate()
        .map(|(k, path)| Arm { step: k as u64, variant: path.display().to_string() })
        .collect();
    let exhaustive = 20 * arms.len() as u64;
    let spec = how.fresh_race(range, exhaustive);
    let mut seeds = ChaCha8Rng::seed_from_u64(how.seed);
    let mut bar = watch.bar("select", 0, spec.budget.unwrap_or(exhaustive));
    let mut done = 0;
    let selection = run_selection(&arms, &spec, exhaustive, |_, live: &[&Arm]| {
        let seed: u32 = seeds.random();
        let returns = live.iter().map(|arm| evaluate(&asked.command, &arm.variant, seed)).collect();
        done += live.len() as u64;
        bar.update(done, &format!("{} checkpoints left", live.len()));
        returns
    })?;
    bar.finish();
    Ok(selection)
}

/// Runs the evaluator once and reads its return.
fn evaluate(command: &str, checkpoint: &str, seed: u32) -> Result<f64, StudyError> {
    let line = command.replace("{checkpoint}", checkpoint).replace("{seed}", &seed.to_string());
    let failed = |what: String| StudyError::Options(format!("evaluator `{line}` {what}"));
    let out = Command::new("sh").args(["-c", &line]).output().map_err(|e| failed(format!("could not start: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(failed(format!("failed ({}): {}", out.status, err.trim().lines().last().unwrap_or(""))));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.trim().lines().last().unwrap_or("").trim();
    last.parse::<f64>()
        .ok()
        .filter(|r| r.is_finite())
        .ok_or_else(|| failed(format!("printed '{last}' where one return was expected")))
}
