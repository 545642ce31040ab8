//! `butterfly analyze`: the GVA report of evaluations made anywhere, written by the code that reports
//! Butterfly's own runs — one seed's report.md and panels, or with several seeds each seed's report and the
//! sweep's panels and table with intervals over seeds.

use std::path::{Path, PathBuf};

use crate::ReportError;
use crate::reports::bc_report::write_bc_report;
use crate::reports::sweep_report::{SweepGroup, write_sweep_report};
use crate::runs::{EvaluationSource, RunSummary, evaluation_runs};

/// What `analyze` wrote: every seed's summary and the files over seeds (none with one seed).
pub struct Analysis {
    pub summaries: Vec<RunSummary>,
    pub over_seeds: Vec<PathBuf>,
}

/// Reads the evaluations of `source` and writes their report into `out`, with the oscillation window from
/// `window_start` (default: the second half of the evaluated steps).
pub fn write_analysis(
    source: &EvaluationSource,
    out: &Path,
    window_start: Option<u64>,
) -> Result<Analysis, ReportError> {
    if let Some(r) = source.expert_return.filter(|r| !r.is_finite()) {
        return Err(ReportError::Invalid(format!("the expert return must be a finite number, got {r}")));
    }
    if source.horizon == Some(0) {
        return Err(ReportError::Invalid("the horizon must be at least 1 step".into()));
    }
    // A run's own report is `butterfly report`'s to write.
    if let Some(run) = butterfly_store::enclosing_run(out) {
        let what = format!("is inside the run {}: choose a directory of its own", run.display());
        return Err(ReportError::Run { path: out.to_path_buf(), what });
    }
    let mut runs = evaluation_runs(source, out)?;
    if runs.len() == 1 {
        let run = runs.remove(0);
        let mut summary = RunSummary::of(&run, window_start);
        write_bc_report(&run, &mut summary)?;
        return Ok(Analysis { summaries: vec![summary], over_seeds: Vec::new() });
    }
    let name = runs[0].setting.env.clone();
    let sweep = write_sweep_report(&[SweepGroup { variant: name, runs }], out, window_start)?;
    Ok(Analysis { summaries: sweep.runs, over_seeds: sweep.files })
}
