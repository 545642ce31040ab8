//! The linear sweep's files: `linear_sweep.csv` and the plots `linear_vs_horizon` and `linear_vs_delta`.

use std::path::{Path, PathBuf};

use butterfly_store::write_atomic;
use butterfly_theory::MonteCarlo;
use butterfly_theory::linear::{LinearConfig, SweepRow};

use super::TheorySweep;
use crate::{Axis, CsvTable, LineChart, ReportError, Series, Style};

/// Writes the CSV and the plots into `dir` (created if missing).
pub fn write_linear_sweep(
    rows: Vec<SweepRow>,
    mc: &MonteCarlo,
    dir: &Path,
) -> Result<TheorySweep<SweepRow>, ReportError> {
    if rows.is_empty() {
        return Err(ReportError::Empty { title: "linear sweep".into(), hint: " (no rows)" });
    }
    std::fs::create_dir_all(dir).map_err(|e| ReportError::Write { path: dir.to_path_buf(), message: e.to_string() })?;
    let csv = dir.join("linear_sweep.csv");
    write_atomic(&csv, table(&rows, mc)?.to_csv().as_bytes())?;
    let plots = plots(&rows, mc.confidence, dir)?;
    Ok(TheorySweep { csv, plots, rows })
}

fn table(rows: &[SweepRow], mc: &MonteCarlo) -> Result<CsvTable, ReportError> {
    let mut table = CsvTable::new([
        "delta",
        "horizon",
        "dim",
        "trials",
        "seed",
        "confidence",
        "bc_loss",
        "bc_loss_ci_low",
        "bc_loss_ci_high",
        "bc_loss_exact",
        "reward_gap",
        "reward_gap_ci_low",
        "reward_gap_ci_high",
        "reward_gap_exact",
    ]);
    for row in rows {
        let c = &row.config;
        let mut fields = vec![c.delta.to_string(), c.horizon.to_string(), c.dim.to_string()];
        fields.extend([mc.trials.to_string(), mc.seed.to_string(), mc.confidence.to_string()]);
        for (e, x) in [(row.estimates.bc_loss, row.exact.bc_loss), (row.estimates.reward_gap, row.exact.reward_gap)] {
            fields.extend([e.mean, e.ci_low, e.ci_high, x].map(|v| v.to_string()));
        }
        table.push(fields)?;
    }
    Ok(table)
}

/// The gap (solid, with Monte Carlo dots) and the BC loss (dashed) against H, one colour per δ, and against δ,
/// one colour per H; log–log.
fn plots(rows: &[SweepRow], confidence: f64, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let key = format!(
        "solid: rollout gap J_H(π*) − J_H(π*+Δ); dashed: BC loss; dots: Monte Carlo, {} % CI",
        confidence * 100.0
    );
    // Every row shares the dimension.
    let dim = rows[0].config.dim;
    let mut paths = Vec::new();
    type Group = fn(&LinearConfig) -> f64;
    let views: [(&str, &str, Group, Group, String); 2] = [
        ("linear_vs_horizon", "horizon H", |c| c.horizon as f64, |c| c.delta, "δ".to_string()),
        (
            "linear_vs_delta",
            "Lipschitz constant δ of the error Δ(x) = δx",
            |c| c.delta,
            |c| c.horizon as f64,
            "H".to_string(),
        ),
    ];
    for (stem, x_label, x_of, group_of, group_name) in views {
        let mut chart = LineChart::new(
            format!("Linear system, d={dim}: BC loss O(Hδ²), rollout gap exp(Ω(Hδ))"),
            Axis::log(x_label),
            Axis::log("loss / reward gap"),
        );
        chart.note = key.clone();
        let mut groups: Vec<f64> = rows.iter().map(|r| group_of(&r.config)).collect();
        groups.sort_by(f64::total_cmp);
        groups.dedup();
        for (color, &group) in groups.iter().enumerate() {
            let mut members: Vec<&SweepRow> = rows.iter().filter(|r| group_of(&r.config) == group).collect();
            members.sort_by(|a, b| x_of(&a.config).total_cmp(&x_of(&b.config)));
            let xs: Vec<f64> = members.iter().map(|r| x_of(&r.config)).collect();
            let along = |ys: Vec<f64>| xs.iter().copied().zip(ys).collect::<Vec<_>>();
            chart.push(Series::new(
                format!("{group_name}={group}"),
                along(members.iter().map(|r| r.exact.reward_gap).collect()),
                Style::Line,
                color,
            ));
            chart.push(
                Series::new(
                    "",
                    along(members.iter().map(|r| r.estimates.reward_gap.mean).collect()),
                    Style::Markers,
                    color,
                )
                .with_intervals(
                    members.iter().map(|r| (r.estimates.reward_gap.ci_low, r.estimates.reward_gap.ci_high)).collect(),
                ),
            );
            chart.push(Series::new("", along(members.iter().map(|r| r.exact.bc_loss).collect()), Style::Dashed, color));
        }
        paths.extend(chart.save(dir, stem)?);
    }
    Ok(paths)
}
