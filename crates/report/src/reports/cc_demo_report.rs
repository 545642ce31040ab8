//! The report of a seed study (`butterfly demo`, `butterfly reproduce figure1`): the EMA against the raw iterate over the seeds it trained side by
//! side (paired by seed), each seed's numbers with its interval over initial conditions, and where the
//! every-iterate window and the landscapes of the first seed are.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use butterfly_store::write_atomic;

use crate::ReportError;
use crate::reports::sweep_report::{SweepSummary, osc_verdict};
use crate::runs::j_h;

/// Writes `report.md`, headed `title`, into `dir` from the seed study; `first` is the report of the seed
/// with the window and landscapes (a path relative to `dir`). Returns the headline sentence.
pub fn write_cc_demo_report(
    dir: &Path,
    title: &str,
    study: &SweepSummary,
    first: &Path,
) -> Result<(PathBuf, String), ReportError> {
    let ema = study.curves.iter().find(|c| c.curve != "raw");
    let headline = match ema.and_then(|c| c.osc_minus_raw.map(|d| (c, d))) {
        Some((c, d)) => format!(
            "{} against raw over {} seeds: {} (osc − raw {}, falls − raw {}; 95 % Student-t intervals over seeds, \
             paired by seed).",
            c.curve,
            d.n,
            osc_verdict(&d),
            d.show(3),
            c.falls_minus_raw.map_or("–".into(), |f| f.show(3))
        ),
        None => "No stabilized curve to compare with the raw iterate.".into(),
    };
    let first_run = study.runs.first();
    let mut md = format!("# {title}\n\n");
    if let Some(r) = first_run {
        let _ = writeln!(
            md,
            "{} seeds of BC on {} with the raw iterate and its EMA, {} updates per seed; {} on {} fixed initial \
             conditions every {} updates; oscillation metrics over the evaluations from step {} on (docs/design.md §6).\n",
            study.runs.len(),
            r.env,
            r.steps,
            j_h(r.horizon),
            r.initial_conditions,
            r.eval_every,
            r.window_start
        );
    }
    let _ = writeln!(md, "**{headline}**\n");
    md.push_str(
        "| seed | raw osc | EMA osc | EMA − raw [95 % over initial conditions] | raw falls | EMA falls | final J_H raw | final J_H EMA |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let f = |x: Option<f64>| x.map_or("–".to_string(), |x| format!("{x:.3}"));
    for run in &study.runs {
        let (Some(raw), Some(ema)) = (run.variants.first(), run.variants.get(1)) else { continue };
        let seed =
            run.dir.file_name().map_or(String::new(), |n| n.to_string_lossy().trim_start_matches("seed").to_string());
        let diff = ema.intervals.as_ref().and_then(|i| i.osc_minus_raw).map_or("–".to_string(), |d| d.show(3));
        let _ = writeln!(
            md,
            "| {seed} | {} | {} | {diff} | {} | {} | {:.1} | {:.1} |",
            f(raw.oscillation.map(|o| o.osc)),
            f(ema.oscillation.map(|o| o.osc)),
            f(raw.rollout_falls),
            f(ema.rollout_falls),
            raw.final_return,
            ema.final_return
        );
    }
    let _ = writeln!(
        md,
        "\nA seed's own interval sees only which initial conditions were drawn; the headline's interval is over \
         seeds, whose SGD noise differs. GVA is chaos: another CPU, BLAS or thread count gives other trajectories, \
         so compare distributions, not single numbers.\n\n\
         - every seed's curves: [sweep.md](sweep.md), ![panels](panels.png)\n\
         - the first seed's every-iterate window and reward landscapes: [{0}]({0})",
        first.display()
    );
    let path = dir.join("report.md");
    write_atomic(&path, md.as_bytes())?;
    Ok((path, headline))
}
