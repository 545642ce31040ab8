//! `butterfly stabilize`: averages chosen after training (post-hoc EMAs, LAWA, tail averages) become
//! variants of a trained run, judged by the run's own evaluation; a rerun skips what is done (docs/runs.md).

use std::path::PathBuf;

use butterfly_imitate::BcJudge;
use butterfly_lm::LmJudge;
use butterfly_store::RunDir;
use butterfly_train::{Average, Judge, Plan, plan, stabilize};

use crate::{StudyError, Watch};

pub struct StabilizeSpec {
    pub run: PathBuf,
    pub averages: Vec<Average>,
    /// Kept steps to evaluate at (None: every kept step).
    pub steps: Option<Vec<u64>>,
    /// Gymnasium's `envs/mujoco/assets` directory (None: the default search).
    pub assets: Option<PathBuf>,
}

/// What a call did: the variants, the (step, variant) pairs evaluated now and those found done.
#[derive(Debug, Clone)]
pub struct StabilizeOutcome {
    pub variants: Vec<String>,
    pub evaluated: usize,
    pub skipped: usize,
}

/// Adds the averages of `spec` to its run (BC or LM), holding the run's lock throughout: everything is
/// checked before the run's evaluation is loaded, and a bar counts the steps.
pub fn stabilize_run(spec: &StabilizeSpec, watch: &dyn Watch) -> Result<StabilizeOutcome, StudyError> {
    let run = RunDir::attach(&spec.run)?;
    let plan = plan(&run, &spec.averages, spec.steps.as_deref())?;
    let outcome = StabilizeOutcome {
        variants: spec.averages.iter().map(Average::name).collect(),
        evaluated: plan.todo.iter().map(|(_, todo)| todo.len()).sum(),
        skipped: plan.done,
    };
    if plan.todo.is_empty() {
        return Ok(outcome);
    }
    if butterfly_report::is_lm_run(&spec.run) {
        carry_out(&run, &mut LmJudge::open(&spec.run)?, &plan, watch)?;
    } else {
        carry_out(&run, &mut BcJudge::open(&spec.run, spec.assets.as_deref())?, &plan, watch)?;
    }
    Ok(outcome)
}

fn carry_out<J: Judge>(run: &RunDir, judge: &mut J, plan: &Plan, watch: &dyn Watch) -> Result<(), StudyError>
where
    StudyError: From<J::Error>,
{
    let mut bar = watch.bar(&format!("stabilize {}", run.path().display()), 0, plan.todo.len() as u64);
    let mut done = 0;
    stabilize(run, judge, plan, |step| {
        done += 1;
        bar.update(done, &format!("step {step}"));
    })?;
    bar.finish();
    Ok(())
}
