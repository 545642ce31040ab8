//! What a BC run's CSVs say, computed apart from any file written: per variant the final numbers, the
//! oscillation metrics over the window (docs/design.md §6) and their bootstrap intervals over the run's
//! initial conditions.

use std::path::PathBuf;

use serde::Serialize;

use crate::runs::bc_run::{BcRun, VariantCurves};
use crate::stats::bootstrap::{percentile_interval, resamples};
use crate::stats::interval::Interval;
use crate::stats::moments::mean;
use crate::stats::oscillation::{Oscillation, falls};

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

/// A variant's metrics over the oscillation window, by name (None where the window holds too little).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowMetrics {
    pub osc: Option<f64>,
    pub collapse: Option<f64>,
    pub spread: Option<f64>,
    pub level: Option<f64>,
    pub falls: Option<f64>,
}

impl VariantSummary {
    pub fn metrics(&self) -> WindowMetrics {
        let o = self.oscillation;
        WindowMetrics {
            osc: o.map(|o| o.osc),
            collapse: o.map(|o| o.collapse),
            spread: o.map(|o| o.spread),
            level: o.map(|o| o.level),
            falls: self.rollout_falls,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub dir: PathBuf,
    /// The report's heading.
    pub title: String,
    /// What the metrics are relative to: "Expert", or what stands in for one.
    pub reference: String,
    pub env: String,
    pub steps: u64,
    /// Evaluations every this many updates (the cadence of the oscillation metrics).
    pub eval_every: u64,
    pub initial_conditions: usize,
    /// None: not known (evaluations made elsewhere).
    pub horizon: Option<usize>,
    /// The oscillation window: evaluations at steps ≥ this.
    pub window_start: u64,
    pub expert_return: f64,
    pub variants: Vec<VariantSummary>,
    /// The figures of the run's report, once `write_bc_report` has written them.
    pub plots: Vec<PathBuf>,
    pub report: PathBuf,
}

impl RunSummary {
    /// The summary of `run` over the window from `window_start` (default: the run's own).
    pub fn of(run: &BcRun, window_start: Option<u64>) -> Self {
        let window_start = window_start.unwrap_or_else(|| run.default_window_start());
        let cfg = &run.setting;
        let intervals = run_intervals(run, window_start);
        let variants = run
            .variants
            .iter()
            .zip(intervals)
            .map(|((name, c), intervals)| {
                let in_window: Vec<f64> =
                    c.steps.iter().zip(&c.mean_return).filter(|(s, _)| **s >= window_start).map(|(_, j)| *j).collect();
                // Each rollout against the expert's return from the same initial condition.
                let rollouts = c
                    .steps
                    .iter()
                    .zip(&c.per_ic)
                    .filter(|(s, _)| **s >= window_start)
                    .flat_map(|(_, r)| r.iter().copied().zip(run.expert_per_ic.iter().copied()));
                VariantSummary {
                    name: name.clone(),
                    final_step: c.steps.last().copied().unwrap_or(0),
                    final_return: c.mean_return.last().copied().unwrap_or(f64::NAN),
                    final_val_loss: c.val_loss.last().copied(),
                    oscillation: Oscillation::of(&in_window, run.expert_return),
                    iterate_oscillation: Oscillation::of(&c.iterate_return, run.expert_return),
                    rollout_falls: falls(rollouts),
                    intervals,
                }
            })
            .collect();
        Self {
            dir: run.dir.clone(),
            title: cfg.title.clone(),
            reference: run.reference.clone(),
            env: cfg.env.clone(),
            steps: cfg.steps,
            eval_every: cfg.eval_every,
            initial_conditions: cfg.initial_conditions,
            horizon: cfg.horizon,
            window_start,
            expert_return: run.expert_return,
            variants,
            plots: Vec::new(),
            report: run.dir.join("report.md"),
        }
    }

    /// The variant named `name`, if the run has it.
    pub fn variant(&self, name: &str) -> Option<&VariantSummary> {
        self.variants.iter().find(|v| v.name == name)
    }
}

/// One variant's metrics on one set of initial conditions.
struct Drawn {
    osc: f64,
    falls: f64,
    final_return: f64,
}

/// A variant's metrics over the window on the initial conditions `idx` (NaN where there is too little).
fn metrics_on(c: &VariantCurves, window_start: u64, expert_per_ic: &[f64], idx: &[usize]) -> Drawn {
    let mean_on = |r: &[f64]| mean(idx.iter().map(|&i| r[i]));
    let expert = mean_on(expert_per_ic);
    let window: Vec<&Vec<f64>> =
        c.steps.iter().zip(&c.per_ic).filter(|(s, _)| **s >= window_start).map(|(_, r)| r).collect();
    let curve: Vec<f64> = window.iter().map(|r| mean_on(r)).collect();
    Drawn {
        osc: Oscillation::of(&curve, expert).map_or(f64::NAN, |o| o.osc),
        falls: falls(window.iter().flat_map(|r| idx.iter().map(|&i| (r[i], expert_per_ic[i])))).unwrap_or(f64::NAN),
        final_return: c.per_ic.last().map_or(f64::NAN, |r| mean_on(r)),
    }
}

/// Every variant's intervals from the same resamples of the initial conditions.
fn run_intervals(run: &BcRun, window_start: u64) -> Vec<Option<RunIntervals>> {
    let k = run.expert_per_ic.len();
    let all: Vec<usize> = (0..k).collect();
    let samples = resamples(k);
    let per_variant: Vec<(Drawn, Vec<Drawn>)> = run
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
            let interval = |f: fn(&Drawn) -> f64| percentile_interval(f(point), reps.iter().map(f).collect(), k);
            let minus_raw = |f: fn(&Drawn) -> f64| {
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
                final_return: interval(|m| m.final_return)?,
                osc: interval(|m| m.osc)?,
                falls: interval(|m| m.falls)?,
                osc_minus_raw: minus_raw(|m| m.osc),
                falls_minus_raw: minus_raw(|m| m.falls),
            })
        })
        .collect()
}
