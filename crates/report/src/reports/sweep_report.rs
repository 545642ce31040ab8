//! A sweep's report (paper Figures 2 and 3): one panel per variant with every seed's raw and first
//! stabilizer curves, and the oscillation metrics of every curve as mean ± std over seeds.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use butterfly_store::write_atomic;
use serde::Serialize;

use crate::ReportError;
use crate::plot::{Axis, Comparison, ComparisonPanel, Corner, LineChart, Panels, Series, Style};
use crate::reports::bc_report::write_bc_report;
use crate::runs::{BcRun, RunSummary, SweepCurve, VariantSummary, per_seed, sweep_curves};
use crate::stats::interval::{Interval, Sign};
use crate::stats::over_seeds::OverSeeds;

/// Palette: raw in blue with teal per-initial-condition dots, the first stabilizer in green, as in the paper.
const RAW: usize = 0;
const STABILIZED: usize = 2;
const DOTS: usize = 9;
const EXPERT: usize = 7;

/// The runs (one per seed) of one variant.
pub struct SweepGroup {
    pub variant: String,
    pub runs: Vec<BcRun>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SweepSummary {
    pub curves: Vec<SweepCurve>,
    /// Every run's own summary (its `report.md` is rewritten too).
    pub runs: Vec<RunSummary>,
    pub files: Vec<PathBuf>,
}

/// Writes `panels.{png,svg}`, `sweep.md` and `sweep.csv` into `dir`, and every run's own report.
pub fn write_sweep_report(
    groups: &[SweepGroup],
    dir: &Path,
    window_start: Option<u64>,
) -> Result<SweepSummary, ReportError> {
    std::fs::create_dir_all(dir).map_err(|e| ReportError::Write { path: dir.to_path_buf(), message: e.to_string() })?;
    // Every run's summary, its own report rewritten beside it.
    let summaries: Vec<Vec<RunSummary>> = groups
        .iter()
        .map(|g| {
            g.runs
                .iter()
                .map(|run| {
                    let mut summary = RunSummary::of(run, window_start);
                    write_bc_report(run, &mut summary)?;
                    Ok(summary)
                })
                .collect::<Result<_, ReportError>>()
        })
        .collect::<Result<_, _>>()?;
    let per_group: Vec<&[RunSummary]> = summaries.iter().map(Vec::as_slice).collect();
    let named: Vec<(&str, &[RunSummary])> =
        groups.iter().map(|g| g.variant.as_str()).zip(per_group.iter().copied()).collect();
    let curves = sweep_curves(&named);
    let mut files: Vec<PathBuf> = panels(groups).save(dir, "panels")?.into();
    let compared = comparison(groups.iter().map(|g| g.variant.clone()).collect(), &per_group);
    if let Some(c) = &compared {
        files.extend(c.save(dir, "comparison")?);
    }
    let runs = per_group.concat();
    let csv_path = dir.join("sweep.csv");
    write_atomic(&csv_path, csv(groups, &per_group).as_bytes())?;
    let md_path = dir.join("sweep.md");
    write_atomic(&md_path, markdown(&curves, &runs, compared.is_some()).as_bytes())?;
    files.extend([md_path, csv_path]);
    Ok(SweepSummary { curves, runs, files })
}

/// `sweep.csv`: every run's variants, one row each.
fn csv(groups: &[SweepGroup], summaries: &[&[RunSummary]]) -> String {
    let mut csv = String::from("variant,seed,curve,final_return,osc,collapse,spread,level,falls,final_val_loss\n");
    let show = |x: Option<f64>| x.map_or(String::new(), |x| format!("{x:?}"));
    for (g, runs) in groups.iter().zip(summaries) {
        for (run, s) in g.runs.iter().zip(runs.iter()) {
            for v in &s.variants {
                let m = v.metrics();
                let _ = writeln!(
                    csv,
                    "{},{},{},{:?},{},{},{},{},{},{}",
                    g.variant,
                    run.setting.seed,
                    v.name,
                    v.final_return,
                    show(m.osc),
                    show(m.collapse),
                    show(m.spread),
                    show(m.level),
                    show(m.falls),
                    show(v.final_val_loss)
                );
            }
        }
    }
    csv
}

/// J_H panels (one per variant), then held-out BC loss panels in the same order.
fn panels(groups: &[SweepGroup]) -> Panels {
    let mut returns = Vec::new();
    let mut losses = Vec::new();
    for g in groups {
        let mut j = LineChart::new(g.variant.as_str(), Axis::linear("gradient updates"), Axis::linear("J_H"));
        j.legend = Corner::LowerRight;
        let mut loss = LineChart::new(
            format!("{}: held-out BC loss", g.variant),
            Axis::linear("gradient updates"),
            Axis::log("validation MSE"),
        );
        loss.legend = Corner::UpperRight;
        for (seed, run) in g.runs.iter().enumerate() {
            let named = |name: &str| if seed == 0 { name.to_string() } else { String::new() };
            for (k, (name, c)) in run.variants.iter().take(2).enumerate() {
                let color = if k == 0 { RAW } else { STABILIZED };
                if k == 0 && seed == 0 {
                    let dots = c
                        .steps
                        .iter()
                        .zip(&c.per_ic)
                        .flat_map(|(s, r)| r.iter().map(move |j| (*s as f64, *j)))
                        .collect();
                    j.push(Series::new("", dots, Style::Dots, DOTS));
                }
                let mean = c.steps.iter().map(|s| *s as f64).zip(c.mean_return.iter().copied()).collect();
                j.push(Series::new(named(name), mean, Style::Line, color));
                let val = c.val_steps.iter().map(|s| *s as f64).zip(c.val_loss.iter().copied()).collect();
                loss.push(Series::new(named(name), val, Style::Line, color));
            }
        }
        if let Some(run) = g.runs.first() {
            let last = run.variants.iter().flat_map(|(_, c)| c.steps.last()).max().copied().unwrap_or(0);
            j.push(Series::new(
                "expert",
                vec![(0.0, run.expert_return), (last as f64, run.expert_return)],
                Style::Dashed,
                EXPERT,
            ));
        }
        j.note = format!(
            "{} seed(s); dots: seed {}'s initial conditions",
            g.runs.len(),
            g.runs.first().map_or(0, |r| r.setting.seed)
        );
        returns.push(j);
        losses.push(loss);
    }
    let columns = groups.len().clamp(1, 4);
    // Evaluations made elsewhere may come without validation losses: then the J_H panels alone.
    let has_loss = groups.iter().flat_map(|g| &g.runs).flat_map(|r| &r.variants).any(|(_, c)| !c.val_loss.is_empty());
    let title = if has_loss { "J_H (top) and held-out BC loss (bottom) per variant" } else { "J_H per variant" };
    if has_loss {
        returns.extend(losses);
    }
    Panels { title: title.into(), columns, charts: returns }
}

/// Per intervention, the raw iterate and the first stabilizer on osc, spread, falls and the final held-out
/// loss: each seed's value and the mean's interval over seeds (paper Figures 8–11). A metric no run has
/// (runs too short for two evaluations in the window, no held-out data) is left out; None if all are.
fn comparison(rows: Vec<String>, summaries: &[&[RunSummary]]) -> Option<Comparison> {
    let curves: Vec<String> = summaries
        .iter()
        .flat_map(|runs| runs.iter())
        .next()
        .map_or(Vec::new(), |s| s.variants.iter().take(2).map(|v| v.name.clone()).collect());
    let metric = |name: &str, log: bool, of: &dyn Fn(&VariantSummary) -> Option<f64>| ComparisonPanel {
        metric: name.into(),
        log,
        values: summaries.iter().map(|runs| curves.iter().map(|c| per_seed(runs, c, of)).collect()).collect(),
    };
    let panels: Vec<ComparisonPanel> = [
        metric("osc", false, &|v| v.metrics().osc),
        metric("spread", false, &|v| v.metrics().spread),
        metric("falls", false, &|v| v.metrics().falls),
        metric("final held-out BC loss", true, &|v| v.final_val_loss.filter(|l| *l > 0.0)),
    ]
    .into_iter()
    .filter(|p| p.values.iter().flatten().flatten().any(|v| v.is_finite()))
    .collect();
    (!panels.is_empty()).then(|| Comparison {
        title: "Interventions: raw iterate against its stabilizer".into(),
        note:
            "large marks: mean over seeds with its 95 % Student-t interval (cut at the panel's edge); rings: each seed"
                .into(),
        rows,
        curves: curves.iter().enumerate().map(|(k, c)| (c.clone(), if k == 0 { RAW } else { STABILIZED })).collect(),
        panels,
    })
}

fn markdown(curves: &[SweepCurve], runs: &[RunSummary], compared: bool) -> String {
    let mut md = String::from("# Sweep\n\n![panels](panels.png)\n\n");
    if compared {
        md.push_str("![comparison](comparison.png)\n\n");
    }
    if let Some(first) = runs.first() {
        let _ = writeln!(
            md,
            "Oscillation metrics (docs/design.md §6) over each run's evaluations at step ≥ {} (every {} updates), as mean ± \
             std over seeds; per run in `sweep.csv` and each run's `report.md`.\n",
            first.window_start, first.eval_every
        );
    }
    md.push_str(
        "| variant | curve | seeds | final J_H | osc | collapse | spread | level | falls | final held-out loss (10⁻³) |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for c in curves {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            c.variant,
            c.curve,
            c.seeds,
            OverSeeds::show(c.final_return, 1),
            OverSeeds::show(c.osc, 3),
            OverSeeds::show(c.collapse, 2),
            OverSeeds::show(c.spread, 3),
            OverSeeds::show(c.level, 3),
            OverSeeds::show(c.falls, 3),
            OverSeeds::shown(
                c.final_val_loss.map(|o| OverSeeds { mean: o.mean * 1e3, std: o.std.map(|s| s * 1e3) }),
                2,
                " ± ",
                "–"
            )
        );
    }
    let stabilized: Vec<&SweepCurve> = curves.iter().filter(|c| c.osc_minus_raw.is_some()).collect();
    if !stabilized.is_empty() {
        md.push_str(
            "\nEach stabilizer against the raw iterate of the same runs, paired by seed: mean difference with its 95 % \
             Student-t interval over seeds (one seed: no interval, no claim).\n\n\
             | variant | curve | seeds | osc − raw | falls − raw |\n|---|---|---|---|---|\n",
        );
        for c in &stabilized {
            let show = |i: Option<Interval>| i.map_or("–".to_string(), |i| i.show(3));
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                c.variant,
                c.curve,
                c.osc_minus_raw.map_or(0, |i| i.n),
                show(c.osc_minus_raw),
                show(c.falls_minus_raw)
            );
        }
        md.push('\n');
        for c in &stabilized {
            let d = c.osc_minus_raw.expect("filtered");
            let _ = writeln!(md, "- {} / {}: {} (osc − raw {}).", c.variant, c.curve, osc_verdict(&d), d.show(3));
        }
    }
    let against: Vec<&SweepCurve> = curves.iter().filter(|c| c.osc_minus_first.is_some()).collect();
    if let Some(first) = curves.first().filter(|_| !against.is_empty()) {
        let reference = format!("{}'s raw iterate", first.variant);
        let _ = write!(
            md,
            "\nWhat each intervention does to the raw iterate: its raw curve against {reference} (other runs, so \
             unpaired: difference of the means over seeds with its Welch 95 % interval).\n\n\
             | variant | seeds | osc − {0} | falls − {0} |\n|---|---|---|---|\n",
            first.variant
        );
        let show = |i: Option<Interval>| i.map_or("–".to_string(), |i| i.show(3));
        for c in &against {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                c.variant,
                c.seeds,
                show(c.osc_minus_first),
                show(c.falls_minus_first)
            );
        }
        md.push('\n');
        for c in &against {
            let d = c.osc_minus_first.expect("filtered");
            let _ = writeln!(
                md,
                "- {} (raw iterate): {} (osc − {} {}).",
                c.variant,
                verdict(&d, &reference),
                first.variant,
                d.show(3)
            );
        }
    }
    md
}

/// What an interval of a stabilizer's osc − raw over seeds says.
pub fn osc_verdict(d: &Interval) -> String {
    verdict(d, "raw")
}

/// What an interval of osc − `reference`'s osc says.
fn verdict(d: &Interval, reference: &str) -> String {
    match d.sign() {
        Sign::OneDraw => "one seed: no claim".into(),
        Sign::Below => format!("oscillates less than {reference}"),
        Sign::Above => format!("oscillates more than {reference}"),
        Sign::Unclear => format!("no difference from {reference} that these seeds can tell"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::oscillation::Oscillation;

    fn summary(seed: u64, osc: Option<f64>, loss: Option<f64>) -> RunSummary {
        let variant = |name: &str| VariantSummary {
            name: name.into(),
            final_step: 10,
            final_return: 1.0,
            final_val_loss: loss,
            oscillation: osc.map(|osc| Oscillation { evaluations: 2, osc, collapse: 0.0, spread: osc, level: 1.0 }),
            iterate_oscillation: None,
            rollout_falls: osc.map(|_| 0.0),
            intervals: None,
        };
        RunSummary {
            dir: PathBuf::from(format!("seed{seed}")),
            title: "Behavior cloning on LinearSystem".into(),
            reference: "Expert".into(),
            env: "LinearSystem".into(),
            steps: 10,
            eval_every: 5,
            initial_conditions: 2,
            horizon: Some(5),
            window_start: 5,
            expert_return: 1.0,
            variants: vec![variant("raw"), variant("ema")],
            plots: Vec::new(),
            report: PathBuf::new(),
        }
    }

    #[test]
    fn the_comparison_holds_each_seed_and_leaves_out_metrics_no_run_has() {
        let rows = vec!["a".to_string(), "b".to_string()];
        let (a, b) = (
            [summary(0, Some(0.1), Some(2e-3)), summary(1, Some(0.3), Some(4e-3))],
            [summary(0, Some(0.2), Some(1e-3))],
        );
        let c = comparison(rows.clone(), &[&a, &b]).unwrap();
        assert_eq!(c.curves.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["raw", "ema"]);
        assert_eq!(c.panels.len(), 4);
        assert_eq!(c.panels[0].values, vec![vec![vec![0.1, 0.3]; 2], vec![vec![0.2]; 2]]);
        assert_eq!(c.panels[3].values[0][1], vec![2e-3, 4e-3]);
        // Runs too short for the oscillation window: only the held-out loss is left to compare.
        let (a, b) = ([summary(0, None, Some(2e-3))], [summary(0, None, Some(1e-3))]);
        let c = comparison(rows.clone(), &[&a, &b]).unwrap();
        assert_eq!(c.panels.iter().map(|p| p.metric.as_str()).collect::<Vec<_>>(), ["final held-out BC loss"]);
        let (a, b) = ([summary(0, None, None)], [summary(0, None, None)]);
        assert!(comparison(rows, &[&a, &b]).is_none());
    }
}
