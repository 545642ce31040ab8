//! A GVA study on this machine: BC runs of several seeds side by side, the sweep report over them, the
//! reward landscapes of the first run at chosen steps, and a report that leads with the EMA against the
//! raw iterate paired by seed. `butterfly demo` and `butterfly reproduce figure1` are two such studies.

use std::path::{Path, PathBuf};

use butterfly_imitate::{BcConfig, BcTrainer, Landscape, LandscapeSpec, compute_landscape, run_dir};
use butterfly_report::{
    BcRun, SweepGroup, SweepSummary, append_landscape_section, write_cc_demo_report, write_sweep_report,
};

use crate::StudyError;
use crate::side_by_side::side_by_side;
use crate::training::train_bc;
use crate::watch::Watch;

pub struct Study<'a> {
    /// What the study is called in progress lines and messages (`demo`, `figure1`).
    pub label: &'a str,
    /// The report's heading.
    pub title: &'a str,
    /// Each run's config and directory; the first is the one whose landscapes are drawn.
    pub runs: Vec<(BcConfig, PathBuf)>,
    pub out: PathBuf,
    /// Runs trained side by side.
    pub jobs: usize,
    /// Steps of the first run's landscapes (None: its last evaluation inside the oscillation window).
    pub landscape_steps: Option<Vec<u64>>,
    /// Landscape points per axis.
    pub grid: usize,
    /// Rollouts per landscape point (None: half the evaluation's initial conditions).
    pub landscape_rollouts: Option<usize>,
    /// First step of the oscillation window (None: the report's default).
    pub window_start: Option<u64>,
    pub assets: Option<&'a Path>,
}

/// What a finished study found and where it wrote it.
pub struct StudyOutcome {
    /// Every run's and curve's metrics (runs in the study's order).
    pub summary: SweepSummary,
    /// The seed of each run, in the same order.
    pub seeds: Vec<u64>,
    /// The first run's landscapes: per step, per variant.
    pub landscapes: Vec<(u64, Vec<(String, Landscape)>)>,
    /// The study's report and its one-line headline.
    pub report: PathBuf,
    pub headline: String,
}

/// Trains (or resumes, or skips when finished) every run, then writes the study's report.
pub fn run_study(study: &Study, watch: &dyn Watch) -> Result<StudyOutcome, StudyError> {
    let (runs, out, assets) = (&study.runs, &study.out, study.assets);
    side_by_side(runs, study.jobs, |k, (config, dir)| {
        let label = format!("{} seed {} ({}/{})", study.label, config.seed, k + 1, runs.len());
        if !dir.join(run_dir::CONFIG).exists() {
            watch.note(&format!(
                "{label}: collecting {} expert trajectories on {} ...",
                config.data.trajectories, config.env
            ));
        }
        let mut trainer = BcTrainer::create(config.clone(), dir, assets).map_err(|e| StudyError::Path {
            path: out.clone(),
            what: format!("holds a {} of other settings: pass another --out for new ones ({e})", study.label),
        })?;
        if trainer.step() < trainer.total_steps() {
            train_bc(&mut trainer, &label, None, watch)?;
        }
        Ok(())
    })?;

    let loaded: Vec<BcRun> = runs.iter().map(|(_, dir)| BcRun::load(dir)).collect::<Result<_, _>>()?;
    let groups = [SweepGroup { variant: study.label.into(), runs: loaded }];
    let summary = write_sweep_report(&groups, out, study.window_start)?;
    let first = &summary.runs[0];
    let run = &groups[0].runs[0];
    let steps = match &study.landscape_steps {
        Some(steps) => steps.clone(),
        None => {
            let evaluated = run.variants[0].1.steps.iter().rev().find(|s| **s >= first.window_start).copied();
            vec![evaluated.ok_or_else(|| StudyError::Options("no evaluation in the oscillation window".into()))?]
        }
    };
    let rollouts = study.landscape_rollouts.unwrap_or(runs[0].0.eval.initial_conditions.div_ceil(2));
    let mut landscapes = Vec::new();
    for &step in &steps {
        let (label, grid) = (study.label, study.grid);
        watch.note(&format!("{label}: reward landscapes around step {step} ({grid}×{grid} grid per variant) ..."));
        let mut at_step = Vec::new();
        for (name, _) in &run.variants {
            let spec = LandscapeSpec {
                step,
                variant: name.clone(),
                grid: study.grid,
                span: 10.0,
                initial_conditions: Some(rollouts),
                seed: 0,
                threads: study.jobs.max(runs[0].0.eval.threads),
            };
            at_step.push((name.clone(), compute_landscape(&runs[0].1, &spec, assets)?));
        }
        append_landscape_section(&first.report, step, &at_step, run.expert_return)?;
        landscapes.push((step, at_step));
    }
    let first_report = first.report.strip_prefix(out).unwrap_or(&first.report).to_path_buf();
    let (report, headline) = write_cc_demo_report(out, study.title, &summary, &first_report)?;
    let seeds = runs.iter().map(|(c, _)| c.seed).collect();
    Ok(StudyOutcome { summary, seeds, landscapes, report, headline })
}
