//! The cliff sweep's files: `cliff_sweep.csv` and the plots `cliff_reward_gap` and `cliff_bc_loss`.

use std::path::{Path, PathBuf};

use butterfly_store::write_atomic;
use butterfly_theory::MonteCarlo;
use butterfly_theory::cliff::{Schedule, SweepRow};

use super::TheorySweep;
use crate::{Axis, CsvTable, LineChart, ReportError, Series, Style};

/// Writes the CSV and the plots into `dir` (created if missing). `gammas` are the sweep's EMA weights in the
/// order it ran them; `rows` must hold the 1/t schedule's rows too.
pub fn write_cliff_sweep(
    rows: Vec<SweepRow>,
    gammas: &[f64],
    mc: &MonteCarlo,
    dir: &Path,
) -> Result<TheorySweep<SweepRow>, ReportError> {
    if rows.is_empty() || gammas.is_empty() {
        return Err(ReportError::Empty { title: "cliff sweep".into(), hint: " (no rows)" });
    }
    std::fs::create_dir_all(dir).map_err(|e| ReportError::Write { path: dir.to_path_buf(), message: e.to_string() })?;
    let csv = dir.join("cliff_sweep.csv");
    write_atomic(&csv, table(&rows, mc)?.to_csv().as_bytes())?;
    let plots = plots(&rows, gammas, mc.confidence, dir)?;
    Ok(TheorySweep { csv, plots, rows })
}

/// One row per configuration; for each quantity its estimate, interval and exact value. The 1/t schedule
/// has no η (an empty field, NaN in pandas).
fn table(rows: &[SweepRow], mc: &MonteCarlo) -> Result<CsvTable, ReportError> {
    let mut header: Vec<String> =
        ["schedule", "eta", "gamma", "eps", "cost", "dim", "steps", "offset", "trials", "seed", "confidence"]
            .map(String::from)
            .into();
    for (name, _) in rows[0].exact.named() {
        header.extend([name.to_string(), format!("{name}_ci_low"), format!("{name}_ci_high"), format!("{name}_exact")]);
    }
    let mut table = CsvTable::new(header);
    for row in rows {
        let c = &row.config;
        let (schedule, eta) = match c.schedule {
            Schedule::Constant { eta } => ("constant", eta.to_string()),
            Schedule::InverseT => ("inverse_t", String::new()),
        };
        let mut fields = vec![schedule.to_string(), eta];
        fields.extend([c.gamma, c.eps, c.cost].map(|v| v.to_string()));
        fields.extend([c.dim, c.steps].map(|v| v.to_string()));
        fields.extend([c.offset.to_string(), mc.trials.to_string(), mc.seed.to_string(), mc.confidence.to_string()]);
        for ((_, e), (_, x)) in row.estimates.named().into_iter().zip(row.exact.named()) {
            fields.extend([e.mean, e.ci_low, e.ci_high, *x].map(|v| v.to_string()));
        }
        table.push(fields)?;
    }
    Ok(table)
}

/// The reward gap and the BC loss against η (log–log): SGD and each EMA as exact lines with Monte Carlo dots,
/// the 1/t schedule's SGD iterate as a flat dashed line (it has no η), and C/2 for the gap.
fn plots(rows: &[SweepRow], gammas: &[f64], confidence: f64, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let mut constant: Vec<(f64, &SweepRow)> = rows
        .iter()
        .filter_map(|r| match r.config.schedule {
            Schedule::Constant { eta } => Some((eta, r)),
            Schedule::InverseT => None,
        })
        .collect();
    // Lines join the points in η order whatever order the sweep ran them in (the sort is stable: γ order is
    // kept).
    constant.sort_by(|a, b| a.0.total_cmp(&b.0));
    let eta_range =
        [constant.iter().map(|c| c.0).fold(f64::INFINITY, f64::min), constant.iter().map(|c| c.0).fold(0.0, f64::max)];
    let inverse_t = rows
        .iter()
        .find(|r| r.config.schedule == Schedule::InverseT)
        .ok_or(ReportError::Empty { title: "cliff sweep".into(), hint: " (no row with the 1/t schedule)" })?;
    // Every row shares the problem; only the schedule and γ vary.
    let base = &rows[0].config;
    let setting = format!("d={}, T={}, ε={}, C={}", base.dim, base.steps, base.eps, base.cost);
    let key = format!("lines: exact; dots: Monte Carlo, {} % CI", confidence * 100.0);
    // Quantities by their index in `CliffValues::named`: (SGD, EMA) for each chart.
    let charts = [
        ("cliff_reward_gap", "expected reward gap at step T", "E[J(θ*) − J] at step T", [2, 3], Some(base.cost / 2.0)),
        ("cliff_bc_loss", "expected BC loss at step T", "E[ℓ_BC] at step T", [0, 1], None),
    ];
    let mut paths = Vec::new();
    for (stem, title, y_label, [sgd, ema], reference) in charts {
        let mut chart =
            LineChart::new(format!("Cliff loss: {title}"), Axis::log("SGD step size η"), Axis::log(y_label));
        chart.note = format!("{setting}; {key}");
        // The SGD iterate does not depend on γ: take it from the first γ's rows.
        let sgd_rows: Vec<&(f64, &SweepRow)> = constant.iter().filter(|c| c.1.config.gamma == gammas[0]).collect();
        let curve = |rows: &[&(f64, &SweepRow)], k: usize, name: String, color: usize| {
            let estimate = |r: &SweepRow| *r.estimates.named()[k].1;
            let exact = Series::new(
                name,
                rows.iter().map(|(eta, r)| (*eta, *r.exact.named()[k].1)).collect(),
                Style::Line,
                color,
            );
            let dots =
                Series::new("", rows.iter().map(|(eta, r)| (*eta, estimate(r).mean)).collect(), Style::Markers, color)
                    .with_intervals(rows.iter().map(|(_, r)| (estimate(r).ci_low, estimate(r).ci_high)).collect());
            [exact, dots]
        };
        for series in curve(&sgd_rows, sgd, "SGD".to_string(), 0) {
            chart.push(series);
        }
        for (j, &gamma) in gammas.iter().enumerate() {
            let ema_rows: Vec<&(f64, &SweepRow)> = constant.iter().filter(|c| c.1.config.gamma == gamma).collect();
            for series in curve(&ema_rows, ema, format!("EMA γ={gamma}"), 1 + j) {
                chart.push(series);
            }
        }
        let flat = |v: f64| eta_range.iter().map(|&eta| (eta, v)).collect::<Vec<_>>();
        chart.push(Series::new("SGD, η_t = 1/t", flat(*inverse_t.exact.named()[sgd].1), Style::Dashed, 8));
        if let Some(level) = reference {
            chart.push(Series::new("C/2", flat(level), Style::Dashed, 7));
        }
        paths.extend(chart.save(dir, stem)?);
    }
    Ok(paths)
}
