//! The table a finished GVA study prints (`butterfly demo`, `butterfly reproduce figure1`): per seed and
//! curve the final J_H, the oscillation metrics and the curve minus raw with its interval, then the
//! landscapes' roughness, the headline and where the report is.

use std::fmt::Write;
use std::path::Path;

use butterfly_imitate::Landscape;

use crate::SweepSummary;

/// The study's closing text: `seeds` in the order of `summary.runs`.
pub fn study_text(
    label: &str,
    out: &Path,
    seeds: &[u64],
    summary: &SweepSummary,
    landscapes: &[(u64, Vec<(String, Landscape)>)],
    headline: &str,
    report: &Path,
) -> String {
    let mut s = format!("{label} finished: {}\n", out.display());
    let _ = writeln!(
        s,
        "  {:<6} {:<6} {:>10} {:>8} {:>7} {:>10}  osc − raw [95 % over initial conditions]",
        "seed", "curve", "final J_H", "osc", "falls", "iter. osc"
    );
    let f = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.3}"));
    for (run, seed) in summary.runs.iter().zip(seeds) {
        for v in &run.variants {
            let diff = v.intervals.as_ref().and_then(|i| i.osc_minus_raw).map_or("-".to_string(), |d| d.show(3));
            let _ = writeln!(
                s,
                "  {:<6} {:<6} {:>10.1} {:>8} {:>7} {:>10}  {diff}",
                seed,
                v.name,
                v.final_return,
                f(v.oscillation.map(|o| o.osc)),
                f(v.rollout_falls),
                f(v.iterate_oscillation.map(|o| o.osc))
            );
        }
    }
    for (step, at_step) in landscapes {
        for (name, land) in at_step {
            let _ = writeln!(s, "  landscape around step {step}, {name}: J_H roughness {:.3}", land.return_roughness);
        }
    }
    let _ = writeln!(s, "  {headline}");
    let _ = write!(s, "  report: {}", report.display());
    s
}
