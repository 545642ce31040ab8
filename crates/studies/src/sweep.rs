//! A sweep's runs trained here (one after another, or side by side), and the report gathered over the
//! runs that exist: finished ones, unfinished ones as far as they got, and the ones not started or not yet
//! evaluated left out and named.

use std::path::Path;

use butterfly_imitate::{BcTrainer, Sweep, SweepRun, run_dir, slurm};
use butterfly_report::{BcRun, SweepGroup, SweepSummary, write_sweep_report};
use butterfly_store::LogRow;

use crate::StudyError;
use crate::side_by_side::side_by_side;
use crate::training::train_bc;
use crate::watch::Watch;

/// Trains `runs` of a sweep under `out`, `jobs` side by side: each is created, resumed or skipped when
/// finished.
pub fn train_sweep(
    runs: &[&SweepRun],
    out: &Path,
    jobs: usize,
    assets: Option<&Path>,
    watch: &dyn Watch,
) -> Result<(), StudyError> {
    if jobs < 1 {
        return Err(StudyError::Options("--jobs must be at least 1".into()));
    }
    side_by_side(runs, jobs, |k, run| {
        let label = format!("sweep {}/{} {}", k + 1, runs.len(), run.id());
        train_run(run, out, &label, assets, watch)
    })
}

/// Creates, resumes or skips (when finished) one run of the sweep.
fn train_run(
    run: &SweepRun,
    out: &Path,
    label: &str,
    assets: Option<&Path>,
    watch: &dyn Watch,
) -> Result<(), StudyError> {
    let dir = run.dir(out);
    if !dir.join(run_dir::CONFIG).exists() {
        watch.note(&format!("{label}: collecting expert data for {} ...", run.config.env));
    }
    // A run of this config is continued (from its checkpoint, or from nothing); another is refused.
    let mut trainer = BcTrainer::create(run.config.clone(), &dir, assets).map_err(|e| {
        // Only a run of another config points at the sweep file; a lock or a damaged run says what it is.
        let hint = if e.to_string().contains("another config") { " (did the sweep file change?)" } else { "" };
        StudyError::Options(format!("sweep run {}{hint}: {e}", run.id()))
    })?;
    if trainer.step() >= trainer.total_steps() {
        watch.note(&format!("{label}: finished earlier"));
        return Ok(());
    }
    Ok(train_bc(&mut trainer, label, None, watch)?)
}

/// Whether a run's eval.csv holds a row below its header (two lines read, not the whole log).
fn has_evaluation(dir: &Path) -> bool {
    use std::io::BufRead;
    std::fs::File::open(dir.join(run_dir::RolloutRow::FILE))
        .is_ok_and(|f| std::io::BufReader::new(f).lines().nth(1).is_some_and(|l| l.is_ok()))
}

/// Writes the sweep's report over the runs under `out` that have an evaluation (`window_start`: the first
/// step of the oscillation window, None for the default), noting the runs left out and those unfinished.
pub fn report_sweep(
    sweep: &Sweep,
    out: &Path,
    window_start: Option<u64>,
    watch: &dyn Watch,
) -> Result<SweepSummary, StudyError> {
    let mut groups = Vec::new();
    let mut missing = Vec::new();
    let mut unfinished = Vec::new();
    let queued = slurm::queued_tasks(&slurm::submitted_arrays(out));
    for (index, run) in sweep.runs.iter().enumerate() {
        if has_evaluation(&run.dir(out)) && !run.finished(out) {
            unfinished.push(format!("{} ({})", run.id(), slurm::task_state(run, index, out, &queued)));
        }
    }
    for variant in &sweep.variants {
        let mut runs = Vec::new();
        for run in sweep.runs.iter().filter(|r| &r.variant == variant) {
            let dir = run.dir(out);
            if !dir.join(run_dir::CONFIG).exists() {
                missing.push(run.id());
                continue;
            }
            match BcRun::load(&dir) {
                Ok(loaded) => runs.push(loaded),
                // A run still on its way to its first evaluation has nothing to report yet.
                Err(_) if !run.finished(out) && !has_evaluation(&dir) => missing.push(run.id()),
                Err(e) => return Err(e.into()),
            }
        }
        if !runs.is_empty() {
            groups.push(SweepGroup { variant: variant.clone(), runs });
        }
    }
    if groups.is_empty() {
        return Err(StudyError::Options(format!("no run of this sweep exists under {} yet", out.display())));
    }
    if !missing.is_empty() {
        watch.note(&format!("not started or not evaluated yet, left out of the report: {}", missing.join(", ")));
    }
    if !unfinished.is_empty() {
        watch.note(&format!("unfinished, reported as far as they got: {}", unfinished.join("; ")));
    }
    Ok(write_sweep_report(&groups, out, window_start)?)
}
