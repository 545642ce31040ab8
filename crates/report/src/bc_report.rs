//! `report.md`, the figures and the oscillation metrics of a BC run, from its CSVs alone.

use std::fmt::Write as _;
use std::path::PathBuf;

use butterfly_store::write_atomic;
use serde::Serialize;

use crate::bootstrap::{percentile_interval, resamples};
use crate::interval::{Interval, Sign};
use crate::{Axis, BcRun, Corner, LineChart, Oscillation, ReportError, Series, Style, VariantCurves};

/// Palette indices: raw in blue, the first stabilizer in green (as in the paper's figures), then others.
const COLORS: [usize; 6] = [0, 2, 1, 4, 5, 6];
const EXPERT_COLOR: usize = 7;

#[derive(Debug, Clone, Serialize)]
pub struct VariantSummary {
    pub name: String,
    pub final_step: u64,
    pub final_return: f64,
    pub final_val_loss: Option<f64>,
    /// Over the oscillation window (None with fewer than two evaluations in it).
    pub oscillation: Option<Oscillation>,
    /// Between consecutive iterates of the every-iterate windows (None without them).
    pub iterate_oscillation: Option<Oscillation>,
    /// Over the oscillation window: the fraction of single rollouts (evaluation × initial condition)
    /// that lost more than half the expert's return from the same initial condition — the falls the
    /// per-condition dots show.
    pub rollout_falls: Option<f64>,
    /// 95 % bootstrap intervals over the initial conditions (None with fewer than two evaluations in the
    /// window).
    pub intervals: Option<RunIntervals>,
}

/// One variant's metrics with their bootstrap intervals over the run's initial conditions, and its paired
/// differences from the raw iterate (None for the raw iterate itself).
#[derive(Debug, Clone, Serialize)]
pub struct RunIntervals {
    pub final_return: Interval,
    pub osc: Interval,
    pub falls: Interval,
    pub osc_minus_raw: Option<Interval>,
    pub falls_minus_raw: Option<Interval>,
}

/// (osc, falls, final mean J_H) of one variant on one set of initial conditions.
type Metrics = (f64, f64, f64);

/// A variant's (osc, falls) over the window and final mean J_H, on the initial conditions `idx`.
fn metrics_on(c: &VariantCurves, window_start: u64, expert_per_ic: &[f64], idx: &[usize]) -> Metrics {
    let n = idx.len() as f64;
    let mean = |r: &[f64]| idx.iter().map(|&i| r[i]).sum::<f64>() / n;
    let expert = mean(expert_per_ic);
    let window: Vec<&Vec<f64>> =
        c.steps.iter().zip(&c.per_ic).filter(|(s, _)| **s >= window_start).map(|(_, r)| r).collect();
    let curve: Vec<f64> = window.iter().map(|r| mean(r)).collect();
    let osc = Oscillation::of(&curve, expert).map_or(f64::NAN, |o| o.osc);
    let falls = window
        .iter()
        .flat_map(|r| idx.iter().map(|&i| r[i] < expert_per_ic[i] - 0.5 * expert_per_ic[i].abs()))
        .filter(|&f| f)
        .count();
    let final_return = c.per_ic.last().map_or(f64::NAN, |r| mean(r));
    (osc, falls as f64 / (window.len() as f64 * n), final_return)
}

/// Every variant's intervals from the same resamples of the initial conditions.
fn run_intervals(run: &BcRun, window_start: u64) -> Vec<Option<RunIntervals>> {
    let k = run.expert_per_ic.len();
    let all: Vec<usize> = (0..k).collect();
    let samples = resamples(k);
    let per_variant: Vec<(Metrics, Vec<Metrics>)> = run
        .variants
        .iter()
        .map(|(_, c)| {
            let point = metrics_on(c, window_start, &run.expert_per_ic, &all);
            (point, samples.iter().map(|idx| metrics_on(c, window_start, &run.expert_per_ic, idx)).collect())
        })
        .collect();
    let raw = &per_variant[0];
    per_variant
        .iter()
        .enumerate()
        .map(|(v, (point, reps))| {
            let interval =
                |p: f64, f: fn(&(f64, f64, f64)) -> f64| percentile_interval(p, reps.iter().map(f).collect(), k);
            let minus_raw = |f: fn(&Metrics) -> f64| {
                (v > 0)
                    .then(|| {
                        percentile_interval(
                            f(point) - f(&raw.0),
                            reps.iter().zip(&raw.1).map(|(a, b)| f(a) - f(b)).collect(),
                            k,
                        )
                    })
                    .flatten()
            };
            Some(RunIntervals {
                final_return: interval(point.2, |m| m.2)?,
                osc: interval(point.0, |m| m.0)?,
                falls: interval(point.1, |m| m.1)?,
                osc_minus_raw: minus_raw(|m| m.0),
                falls_minus_raw: minus_raw(|m| m.1),
            })
        })
        .collect()
}

impl VariantSummary {
    /// `osc`, `collapse`, `spread`, `level` (over the oscillation window) and `falls`, in the order the
    /// reports list them.
    pub fn metrics(&self) -> [Option<f64>; 5] {
        let o = self.oscillation;
        [o.map(|o| o.osc), o.map(|o| o.collapse), o.map(|o| o.spread), o.map(|o| o.level), self.rollout_falls]
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub dir: PathBuf,
    pub env: String,
    pub steps: u64,
    /// Evaluations every this many updates (the cadence of the oscillation metrics).
    pub eval_every: u64,
    pub initial_conditions: usize,
    pub horizon: usize,
    /// The oscillation window: evaluations at steps ≥ this.
    pub window_start: u64,
    pub expert_return: f64,
    pub variants: Vec<VariantSummary>,
    pub plots: Vec<PathBuf>,
    pub report: PathBuf,
}

/// Writes `plots/returns.{png,svg}`, `plots/validation.{png,svg}` and `report.md` into the run directory.
pub fn write_bc_report(run: &BcRun, window_start: Option<u64>) -> Result<RunSummary, ReportError> {
    let window_start = window_start.unwrap_or_else(|| run.default_window_start());
    let cfg = &run.config;
    let intervals = run_intervals(run, window_start);
    let variants: Vec<VariantSummary> = run
        .variants
        .iter()
        .zip(intervals)
        .map(|((name, c), intervals)| {
            let in_window: Vec<f64> =
                c.steps.iter().zip(&c.mean_return).filter(|(s, _)| **s >= window_start).map(|(_, j)| *j).collect();
            // Each rollout against the expert's return from the same initial condition.
            let rollouts: Vec<(f64, f64)> = c
                .steps
                .iter()
                .zip(&c.per_ic)
                .filter(|(s, _)| **s >= window_start)
                .flat_map(|(_, r)| r.iter().copied().zip(run.expert_per_ic.iter().copied()))
                .collect();
            let falls = rollouts.iter().filter(|&&(j, e)| j < e - 0.5 * e.abs()).count();
            VariantSummary {
                name: name.clone(),
                final_step: c.steps.last().copied().unwrap_or(0),
                final_return: c.mean_return.last().copied().unwrap_or(f64::NAN),
                final_val_loss: c.val_loss.last().copied(),
                oscillation: Oscillation::of(&in_window, run.expert_return),
                iterate_oscillation: Oscillation::of(&c.iterate_return, run.expert_return),
                rollout_falls: (!rollouts.is_empty()).then(|| falls as f64 / rollouts.len() as f64),
                intervals,
            }
        })
        .collect();

    let plots_dir = run.dir.join("plots");
    std::fs::create_dir_all(&plots_dir)
        .map_err(|e| ReportError::Write { path: plots_dir.clone(), message: e.to_string() })?;
    let mut returns = LineChart::new(
        format!("{}: rollout reward J_H (H = {}) over training", cfg.env, cfg.eval.horizon),
        Axis::linear("gradient updates"),
        Axis::linear("J_H"),
    );
    returns.note = format!(
        "lines: mean over {} fixed initial conditions, dots: each one; evaluated every {} updates",
        cfg.eval.initial_conditions, cfg.eval.every
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
    plots.extend(validation.save(&plots_dir, "validation")?);
    if run.variants.iter().any(|(_, c)| !c.iterate_steps.is_empty()) {
        let mut window = LineChart::new(
            format!("{}: J_H of every iterate in the evaluation windows", cfg.env),
            Axis::linear("gradient updates"),
            Axis::linear("J_H"),
        );
        window.note =
            format!("mean over {} fixed initial conditions at each consecutive iterate", cfg.eval.initial_conditions);
        window.legend = Corner::LowerRight;
        for (k, (name, c)) in run.variants.iter().enumerate() {
            let points = c.iterate_steps.iter().map(|s| *s as f64).zip(c.iterate_return.iter().copied()).collect();
            window.push(Series::new(name, points, Style::Line, COLORS[k % COLORS.len()]));
        }
        plots.extend(window.save(&plots_dir, "window")?);
    }

    let report = run.dir.join("report.md");
    let summary = RunSummary {
        dir: run.dir.clone(),
        env: cfg.env.clone(),
        steps: cfg.steps,
        eval_every: cfg.eval.every,
        initial_conditions: cfg.eval.initial_conditions,
        horizon: cfg.eval.horizon,
        window_start,
        expert_return: run.expert_return,
        variants,
        plots,
        report: report.clone(),
    };
    write_atomic(&report, markdown(&summary).as_bytes())?;
    Ok(summary)
}

fn fmt_opt(x: Option<f64>, digits: usize) -> String {
    x.map_or("–".into(), |v| format!("{v:.digits$}"))
}

fn markdown(s: &RunSummary) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Behavior cloning on {}\n", s.env);
    let _ = writeln!(
        md,
        "{} updates; J_H with H = {} on {} fixed initial conditions every {} updates. Expert: J_H = {:.2}.\n",
        s.steps, s.horizon, s.initial_conditions, s.eval_every, s.expert_return
    );
    let _ = writeln!(md, "![returns](plots/returns.png)\n\n![validation loss](plots/validation.png)\n");
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
        let [osc, collapse, spread, level, falls] = v.metrics();
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
        s.initial_conditions,
        crate::bootstrap::RESAMPLES
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
