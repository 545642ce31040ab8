//! `butterfly demo`: the butterfly effect on your machine — BC training where the rollout reward of
//! nearby iterates swings while the BC loss is smooth, the reward landscape around a checkpoint, and the
//! EMA calming both (a compact paper Figure 1). Several seeds train side by side, so that the report's
//! claim is an interval over seeds, paired by seed, rather than one chaotic trajectory.

use std::path::{Path, PathBuf};

use anyhow::Context;
use butterfly_envs::{Env, TaskEnv};
use butterfly_imitate::{BcConfig, BcTrainer, LandscapeSpec, compute_landscape, run_dir};
use butterfly_report::{BcRun, SweepGroup, append_landscape_section, write_cc_demo_report, write_sweep_report};
use clap::{Args, Subcommand};

use super::bc::train_with_progress;
use super::env::AssetsArg;
use super::side_by_side::side_by_side;

const DEMO_CONFIG: &str = include_str!("../../../../configs/demo.toml");

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DemoArgs {
    #[command(subcommand)]
    command: Option<DemoCommand>,
    /// Run directory (an unfinished demo there is resumed).
    #[arg(long, default_value = "runs/demo")]
    out: PathBuf,
    /// Another task (the demo's config is configs/demo.toml).
    #[arg(long)]
    env: Option<String>,
    /// Another expert: a policy file, or `linear` with --env LinearSystem.
    #[arg(long)]
    expert: Option<String>,
    /// Landscape points per axis.
    #[arg(long, default_value_t = 11)]
    grid: usize,
    /// A shorter or longer demo: the evaluation cadence, the window and the burn-in scale with it.
    #[arg(long)]
    steps: Option<u64>,
    /// Seeds trained (the config's seed and the ones after it); the first also gets the every-iterate
    /// window and the landscapes.
    #[arg(long, default_value_t = 5)]
    seeds: u64,
    /// Seeds trained side by side (each on one thread).
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    #[command(flatten)]
    overrides: crate::config_file::ConfigArgs,
    #[command(flatten)]
    assets: AssetsArg,
}

#[derive(Subcommand)]
pub enum DemoCommand {
    /// Butterfly effects in generation: flip-flop GPTs over seeds (read error of every evaluated iterate,
    /// raw vs EMA, in and out of distribution) and bifurcating continuations of a Shakespeare GPT.
    Lm(super::demo_lm::DemoLmArgs),
}

/// The demo's config for the chosen env and expert (horizons capped at the env's episode length).
fn demo_config(args: &DemoArgs) -> anyhow::Result<BcConfig> {
    let text = butterfly_train::apply_overrides(DEMO_CONFIG, &args.overrides.overrides())?;
    let mut config = BcConfig::from_toml(&text)?;
    if let Some(env) = &args.env {
        config.env = env.clone();
    }
    if let Some(expert) = &args.expert {
        config.expert = expert.clone();
    }
    if let Some(steps) = args.steps {
        anyhow::ensure!(steps >= 100, "--steps must be at least 100");
        config.scale_budget(steps);
    }
    let episode = TaskEnv::make(&config.env, args.assets.assets.as_deref())?.spec().max_episode_steps;
    config.data.horizon = config.data.horizon.min(episode);
    config.eval.horizon = config.eval.horizon.min(episode);
    if config.expert.ends_with(".safetensors") && !Path::new(&config.expert).is_file() {
        anyhow::bail!(
            "the expert {} is missing: train one with `butterfly expert train --env {}` and pass it with --expert",
            config.expert,
            config.env
        );
    }
    Ok(config)
}

pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    if let Some(DemoCommand::Lm(lm)) = &args.command {
        return super::demo_lm::run(lm);
    }
    anyhow::ensure!(args.seeds >= 1 && args.jobs >= 1, "--seeds and --jobs must be at least 1");
    let assets = args.assets.assets.as_deref();
    anyhow::ensure!(
        !args.out.join(run_dir::CONFIG).exists(),
        "{} holds a single-seed demo of an earlier version: remove it, or pass another --out",
        args.out.display()
    );
    let config = demo_config(args)?;
    // The first seed keeps the every-iterate window; the others only what the comparison needs.
    let runs: Vec<(BcConfig, PathBuf)> = (0..args.seeds)
        .map(|k| {
            let mut c = config.clone();
            c.seed = config.seed + k;
            if k > 0 {
                c.eval.windows.clear();
            }
            (c, args.out.join(format!("seed{}", config.seed + k)))
        })
        .collect();
    side_by_side(&runs, args.jobs, |k, (config, dir)| {
        let label = format!("demo seed {} ({}/{})", config.seed, k + 1, runs.len());
        if !dir.join(run_dir::CONFIG).exists() {
            eprintln!("{label}: collecting {} expert trajectories on {} ...", config.data.trajectories, config.env);
        }
        let mut trainer = BcTrainer::create(config.clone(), dir, assets).with_context(|| {
            format!("{} holds a demo of other settings: pass another --out for new ones", args.out.display())
        })?;
        if trainer.step() < trainer.total_steps() {
            train_with_progress(&mut trainer, &label, None)?;
        }
        Ok(())
    })?;

    let loaded: Vec<BcRun> = runs.iter().map(|(_, dir)| BcRun::load(dir)).collect::<Result<_, _>>()?;
    let groups = [SweepGroup { variant: "demo".into(), runs: loaded }];
    let study = write_sweep_report(&groups, &args.out, None)?;
    let first = &study.runs[0];
    // The landscape around the first seed's last evaluation inside the oscillation window.
    let run = &groups[0].runs[0];
    let step = run.variants[0]
        .1
        .steps
        .iter()
        .rev()
        .find(|s| **s >= first.window_start)
        .copied()
        .context("no evaluation in the window")?;
    eprintln!("demo: reward landscapes around step {step} ({0}×{0} grid per variant) ...", args.grid);
    let mut landscapes = Vec::new();
    for (name, _) in &run.variants {
        let spec = LandscapeSpec {
            step,
            variant: name.clone(),
            grid: args.grid,
            span: 10.0,
            // Half the evaluation's initial conditions: the landscape illustrates, the seeds measure.
            initial_conditions: Some(run.config.eval.initial_conditions.div_ceil(2)),
            seed: 0,
            threads: args.jobs.max(run.config.eval.threads),
        };
        landscapes.push((name.clone(), compute_landscape(&runs[0].1, &spec, assets)?));
    }
    append_landscape_section(&first.report, step, &landscapes, run.expert_return)?;
    let first_report = first.report.strip_prefix(&args.out).unwrap_or(&first.report).to_path_buf();
    let (report, headline) = write_cc_demo_report(&args.out, &study, &first_report)?;

    println!("demo finished: {}", args.out.display());
    println!(
        "  {:<6} {:<6} {:>10} {:>8} {:>7} {:>10}  osc − raw [95 % over initial conditions]",
        "seed", "curve", "final J_H", "osc", "falls", "iter. osc"
    );
    let f = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.3}"));
    for (summary, (config, _)) in study.runs.iter().zip(&runs) {
        for v in &summary.variants {
            let diff = v.intervals.as_ref().and_then(|i| i.osc_minus_raw).map_or("-".to_string(), |d| d.show(3));
            println!(
                "  {:<6} {:<6} {:>10.1} {:>8} {:>7} {:>10}  {diff}",
                config.seed,
                v.name,
                v.final_return,
                f(v.oscillation.map(|o| o.osc)),
                f(v.rollout_falls),
                f(v.iterate_oscillation.map(|o| o.osc))
            );
        }
    }
    for (name, land) in &landscapes {
        println!("  landscape around step {step}, {name}: J_H roughness {:.3}", land.return_roughness);
    }
    println!("  {headline}");
    println!("  report: {}", report.display());
    Ok(())
}
