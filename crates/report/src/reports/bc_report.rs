//! `report.md` and the figures of a BC run, from its summary (computed from its CSVs alone).

use std::fmt::Write as _;

use butterfly_store::write_atomic;

use crate::ReportError;
use crate::plot::{Axis, Corner, LineChart, Series, Style};
use crate::runs::{BcRun, RunSummary, WindowMetrics, j_h};
use crate::stats::bootstrap::RESAMPLES;
use crate::stats::interval::{Interval, Sign};

/// Palette indices: raw in blue, the first stabilizer in green (as in the paper's figures), then others.
const COLORS: [usize; 6] = [0, 2, 1, 4, 5, 6];
const EXPERT_COLOR: usize = 7;

/// Writes `plots/returns.{png,svg}`, `plots/validation.{png,svg}` (and `plots/window.{png,svg}` with
/// every-iterate windows) and `report.md` of `summary` — [`RunSummary::of`] `run` — into the run
/// directory, and records the figures in `summary.plots`.
pub fn write_bc_report(run: &BcRun, summary: &mut RunSummary) -> Result<(), ReportError> {
    let cfg = &run.setting;
    let plots_dir = run.dir.join("plots");
    std::fs::create_dir_all(&plots_dir)
        .map_err(|e| ReportError::Write { path: plots_dir.clone(), message: e.to_string() })?;
    let mut returns = LineChart::new(
        format!("{}: rollout reward {} over training", cfg.env, j_h(cfg.horizon)),
        Axis::linear("gradient updates"),
        Axis::linear("J_H"),
    );
    returns.note = format!(
        "lines: mean over {} fixed initial conditions, dots: each one; evaluated every {} updates",
        cfg.initial_conditions, cfg.eval_every
    );
    returns.legend = Corner::LowerRight;
    let last_step = run.variants.iter().flat_map(|(_, c)| c.steps.last()).max().copied().unwrap_or(0);
    returns.push(Series::new(
        "expert",
        vec![(0.0, run.expert_return), (last_step as f64, run.expert_return)],
        Style::Dashed,
        EXPERT_COLOR,
    ));
    let mut validation = LineChart::new(
        format!("{}: held-out BC loss", cfg.env),
        Axis::linear("gradient updates"),
        Axis::log("validation MSE"),
    );
    validation.legend = Corner::UpperRight;
    for (k, (name, c)) in run.variants.iter().enumerate() {
        let color = COLORS[k % COLORS.len()];
        if k < 2 {
            let dots =
                c.steps.iter().zip(&c.per_ic).flat_map(|(s, r)| r.iter().map(move |j| (*s as f64, *j))).collect();
            returns.push(Series::new("", dots, Style::Markers, color));
        }
        returns.push(Series::new(
            name,
            c.steps.iter().map(|s| *s as f64).zip(c.mean_return.iter().copied()).collect(),
            Style::Line,
            color,
        ));
        validation.push(Series::new(
            name,
            c.val_steps.iter().map(|s| *s as f64).zip(c.val_loss.iter().copied()).collect(),
            Style::Line,
            color,
        ));
    }
    let mut plots = Vec::new();
    plots.extend(returns.save(&plots_dir, "returns")?);
    if run.variants.iter().any(|(_, c)| !c.val_loss.is_empty()) {
        plots.extend(validation.save(&plots_dir, "validation")?);
    }
    if run.variants.iter().any(|(_, c)| !c.iterate_steps.is_empty()) {
        let mut window = LineChart::new(
            format!("{}: J_H of every iterate in the evaluation windows", cfg.env),
            Axis::linear("gradient updates"),
            Axis::linear("J_H"),
        );
        window.note =
            format!("mean over {} fixed initial conditions at each consecutive iterate", cfg.initial_conditions);
        window.legend = Corner::LowerRight;
        for (k, (name, c)) in run.variants.iter().enumerate() {
            let points = c.iterate_steps.iter().map(|s| *s as f64).zip(c.iterate_return.iter().copied()).collect();
            window.push(Series::new(name, points, Style::Line, COLORS[k % COLORS.len()]));
        }
        plots.extend(window.save(&plots_dir, "window")?);
    }

    summary.plots = plots;
    write_atomic(&summary.report, markdown(summary).as_bytes())?;
    Ok(())
}

fn fmt_opt(x: Option<f64>, digits: usize) -> String {
    x.map_or("–".into(), |v| format!("{v:.digits$}"))
}

fn markdown(s: &RunSummary) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", s.title);
    let _ = writeln!(
        md,
        "{} updates; {} on {} fixed initial conditions every {} updates. {}: J_H = {:.2}.\n",
        s.steps,
        j_h(s.horizon),
        s.initial_conditions,
        s.eval_every,
        s.reference,
        s.expert_return
    );
    let _ = writeln!(md, "![returns](plots/returns.png)\n");
    if s.variants.iter().any(|v| v.final_val_loss.is_some()) {
        let _ = writeln!(md, "![validation loss](plots/validation.png)\n");
    }
    let _ = writeln!(
        md,
        "Oscillation over the evaluations at step ≥ {} (every {} updates), relative to the expert's return: \
         `osc` = mean |J_(k+1) − J_k| / |J_expert|, `collapse` = fraction of evaluations that lost more than half the \
         expert's return, `spread` = std(J_k) / |J_expert|, `level` = mean J_k / J_expert; `falls` = fraction of single \
         rollouts (evaluation × initial condition) that lost more than half the expert's return from the same initial \
         condition.\n",
        s.window_start, s.eval_every
    );
    let _ = writeln!(
        md,
        "| variant | final J_H | final val. loss | osc | collapse | spread | level | falls | evaluations |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|");
    for v in &s.variants {
        let WindowMetrics { osc, collapse, spread, level, falls } = v.metrics();
        let _ = writeln!(
            md,
            "| {} | {:.2} | {} | {} | {} | {} | {} | {} | {} |",
            v.name,
            v.final_return,
            v.final_val_loss.map_or("–".into(), |l| format!("{l:.3e}")),
            fmt_opt(osc, 3),
            fmt_opt(collapse, 2),
            fmt_opt(spread, 3),
            fmt_opt(level, 3),
            fmt_opt(falls, 3),
            v.oscillation.map_or(0, |o| o.evaluations)
        );
    }
    md.push_str(&uncertainty(s));
    if s.variants.iter().any(|v| v.iterate_oscillation.is_some()) {
        let _ = writeln!(md, "\n## Every iterate\n\n![window](plots/window.png)\n");
        let _ = writeln!(
            md,
            "The same metrics between consecutive iterates of the evaluation windows (cadence: 1 update).\n"
        );
        let _ = writeln!(md, "| variant | osc | collapse | spread | level | iterates |");
        let _ = writeln!(md, "|---|---|---|---|---|---|");
        for v in &s.variants {
            if let Some(o) = v.iterate_oscillation {
                let _ = writeln!(
                    md,
                    "| {} | {:.3} | {:.2} | {:.3} | {:.3} | {} |",
                    v.name, o.osc, o.collapse, o.spread, o.level, o.evaluations
                );
            }
        }
    }
    md
}

/// The metrics with their intervals, and one sentence per stabilizer that claims only what its paired
/// interval backs.
fn uncertainty(s: &RunSummary) -> String {
    let mut md = format!(
        "\n## Uncertainty\n\n95 % percentile bootstrap over the {} initial conditions ({} resamples, the same for every \
         variant, so differences from raw are paired). It covers which initial conditions were drawn, not another \
         seed's SGD noise: for that, run seeds (`butterfly sweep`).\n\n\
         | variant | final J_H | osc | falls | osc − raw | falls − raw |\n|---|---|---|---|---|---|\n",
        s.initial_conditions, RESAMPLES
    );
    let show = |i: &Option<Interval>, d: usize| i.map_or("–".to_string(), |i| i.show(d));
    for v in &s.variants {
        if let Some(i) = &v.intervals {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} |",
                v.name,
                i.final_return.show(1),
                i.osc.show(3),
                i.falls.show(3),
                show(&i.osc_minus_raw, 3),
                show(&i.falls_minus_raw, 3)
            );
        }
    }
    md.push('\n');
    for v in &s.variants {
        let Some(d) = v.intervals.as_ref().and_then(|i| i.osc_minus_raw) else { continue };
        let verdict = match d.sign() {
            Sign::OneDraw => "one initial condition: no interval, so no claim",
            Sign::Below => "oscillates less than the raw iterate on these initial conditions",
            Sign::Above => "oscillates more than the raw iterate on these initial conditions",
            Sign::Unclear => "cannot be told apart from the raw iterate's oscillation on these initial conditions",
        };
        let _ = writeln!(md, "- {}: {verdict} (osc − raw {}; one run).", v.name, d.show(3));
    }
    md
}
