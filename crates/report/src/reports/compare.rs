//! Several BC runs side by side (paper Figures 2 and 3): their raw and stabilized J_H curves in one figure
//! and their oscillation metrics in one table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use butterfly_store::write_atomic;

use crate::ReportError;
use crate::plot::{Axis, Corner, LineChart, Series, Style};
use crate::runs::{BcRun, RunSummary};

/// Writes `<dir>/compare_returns.{png,svg}` and `<dir>/compare.md`; returns their paths.
pub fn write_comparison(runs: &[BcRun], summaries: &[RunSummary], dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|e| ReportError::Write { path: dir.to_path_buf(), message: e.to_string() })?;
    let mut chart =
        LineChart::new("J_H over training, run by run", Axis::linear("gradient updates"), Axis::linear("J_H"));
    chart.note = "solid: raw iterate, dashed: first stabilizer (mean over each run's initial conditions)".into();
    chart.legend = Corner::LowerRight;
    for (k, run) in runs.iter().enumerate() {
        let label =
            run.dir.file_name().map_or_else(|| run.dir.display().to_string(), |n| n.to_string_lossy().into_owned());
        for (v, (name, c)) in run.variants.iter().take(2).enumerate() {
            let points = c.steps.iter().map(|s| *s as f64).zip(c.mean_return.iter().copied()).collect();
            let style = if v == 0 { Style::Line } else { Style::Dashed };
            chart.push(Series::new(format!("{label} {name}"), points, style, k));
        }
    }
    let mut paths: Vec<PathBuf> = chart.save(dir, "compare_returns")?.into();
    let mut md = String::from("# Runs compared\n\n![returns](compare_returns.png)\n\n");
    md.push_str(
        "Each run's osc with its 95 % bootstrap interval over its initial conditions, and each stabilizer minus the \
         same run's raw iterate (paired); runs are single draws of the SGD noise, so compare runs through seeds \
         (`butterfly sweep`), not through one run each.\n\n\
         | run | env | variant | final J_H | osc | osc − raw | collapse | spread | level | window | every |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for s in summaries {
        for v in &s.variants {
            let m = v.metrics();
            let [collapse, spread, level] =
                [m.collapse, m.spread, m.level].map(|x| x.map_or("–".to_string(), |x| format!("{x:.3}")));
            let i = v.intervals.as_ref();
            let osc = i.map(|i| i.osc.show(3)).or(v.oscillation.map(|o| format!("{:.3}", o.osc))).unwrap_or("–".into());
            let minus_raw = i.and_then(|i| i.osc_minus_raw).map_or("–".to_string(), |d| d.show(3));
            let _ = writeln!(
                md,
                "| {} | {} | {} | {:.2} | {osc} | {minus_raw} | {collapse} | {spread} | {level} | ≥ {} | {} |",
                s.dir.display(),
                s.env,
                v.name,
                v.final_return,
                s.window_start,
                s.eval_every
            );
        }
    }
    let md_path = dir.join("compare.md");
    write_atomic(&md_path, md.as_bytes())?;
    paths.push(md_path);
    Ok(paths)
}
