//! `butterfly report` over run directories, from their CSVs alone: each BC run's figures, oscillation
//! metrics and `report.md` (or each LM run's Figure 4), a comparison when asked, and the text that lists
//! them.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use butterfly_lm::analysis::bifurcation::{BifurcationSpec, bifurcations};

use crate::{
    BcRun, LmSummary, ReportError, RunSummary, write_bc_report, write_comparison, write_lm_comparison, write_lm_report,
};

/// What `report` wrote: the runs' summaries and the comparison's files.
pub enum RunReports {
    Bc { summaries: Vec<RunSummary>, comparison: Vec<PathBuf> },
    Lm { summaries: Vec<LmSummary>, comparison: Option<PathBuf> },
}

/// Rewrites the reports of `runs` (all BC or all LM: LM when any is), with the oscillation window from
/// `window_start` (BC), the greedy generations of consecutive iterates when `generations` (LM), and a
/// comparison in `compare` when given.
pub fn write_run_reports(
    runs: &[PathBuf],
    window_start: Option<u64>,
    generations: bool,
    compare: Option<&Path>,
) -> Result<RunReports, ReportError> {
    butterfly_store::ensure_distinct(runs)?;
    if runs.iter().any(|d| crate::is_lm_run(d)) {
        let mut summaries = Vec::new();
        for dir in runs {
            let spec = BifurcationSpec::default();
            let found = if generations { Some(bifurcations(dir, &spec)?) } else { None };
            summaries.push(write_lm_report(dir, found.as_ref().map(|f| (f, spec.tokens)))?);
        }
        let comparison = match compare {
            Some(out) => {
                let pairs: Vec<_> = runs.iter().cloned().zip(summaries.iter().cloned()).collect();
                Some(write_lm_comparison(&pairs, out)?.report)
            }
            None => None,
        };
        return Ok(RunReports::Lm { summaries, comparison });
    }
    let (mut loaded, mut summaries) = (Vec::new(), Vec::new());
    for dir in runs {
        let run = BcRun::load(dir)?;
        let mut summary = RunSummary::of(&run, window_start);
        write_bc_report(&run, &mut summary)?;
        summaries.push(summary);
        loaded.push(run);
    }
    let comparison = match compare {
        Some(dir) => write_comparison(&loaded, &summaries, dir)?,
        None => Vec::new(),
    };
    Ok(RunReports::Bc { summaries, comparison })
}

/// The lines `report` prints for what it wrote.
pub fn run_reports_text(reports: &RunReports) -> String {
    let mut s = String::new();
    match reports {
        RunReports::Lm { summaries, .. } => {
            for r in summaries {
                let _ = writeln!(s, "{}: {}", r.dir.display(), r.figure.display());
                for v in &r.variants {
                    let _ = writeln!(
                        s,
                        "  {:<12} final val loss {:.4}, best {:.4} at step {}",
                        v.name, v.final_loss, v.best_loss, v.best_step
                    );
                }
            }
        }
        RunReports::Bc { summaries, .. } => {
            for r in summaries {
                let _ = writeln!(
                    s,
                    "{} ({}, expert J_H {:.2}; window: steps ≥ {}, every {} updates)",
                    r.dir.display(),
                    r.env,
                    r.expert_return,
                    r.window_start,
                    r.eval_every
                );
                let _ = writeln!(
                    s,
                    "  {:<28} {:>10} {:>8} {:>9} {:>8} {:>7} {:>7}",
                    "variant", "final J_H", "osc", "collapse", "spread", "level", "falls"
                );
                for v in &r.variants {
                    let m = v.metrics();
                    let [osc, collapse, spread, level, falls] = [m.osc, m.collapse, m.spread, m.level, m.falls]
                        .map(|x| x.map_or("-".to_string(), |x| format!("{x:.3}")));
                    let _ = writeln!(
                        s,
                        "  {:<28} {:>10.2} {osc:>8} {collapse:>9} {spread:>8} {level:>7} {falls:>7}",
                        v.name, v.final_return
                    );
                }
                let _ = writeln!(s, "  report: {}", r.report.display());
            }
        }
    }
    s
}
