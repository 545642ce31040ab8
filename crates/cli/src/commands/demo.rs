//! `butterfly demo`: the butterfly effect on your machine — BC training where the rollout reward of
//! nearby iterates swings while the BC loss is smooth, the reward landscape around a checkpoint, and the
//! EMA calming both (a compact paper Figure 1), with a report that says it in numbers.

use std::path::{Path, PathBuf};

use anyhow::Context;
use butterfly_envs::{Env, TaskEnv};
use butterfly_imitate::{BcConfig, BcTrainer, LandscapeSpec, compute_landscape, run_dir};
use butterfly_report::{BcRun, append_landscape_section, write_bc_report};
use clap::{Args, Subcommand};

use super::bc::train_with_progress;
use super::env::AssetsArg;

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
        let scale = |x: u64| (x as f64 * steps as f64 / config.steps as f64).round().max(1.0) as u64;
        config.eval.every = scale(config.eval.every);
        for w in &mut config.eval.windows {
            w.start = scale(w.start);
            w.length = w.length.min(steps - w.start);
        }
        for s in &mut config.stabilizers {
            s.set_burn_in(scale(s.burn_in()));
        }
        config.steps = steps;
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
    let assets = args.assets.assets.as_deref();
    let mut trainer = if args.out.join(run_dir::CONFIG).exists() {
        anyhow::ensure!(
            args.overrides.overrides().is_empty(),
            "{} holds a demo already: --set and --seed start a new one, so pass another --out",
            args.out.display()
        );
        eprintln!("resuming the demo in {}", args.out.display());
        BcTrainer::resume(&args.out, assets).with_context(|| {
            format!(
                "{} holds an earlier demo that cannot be resumed: remove it, or pass another --out",
                args.out.display()
            )
        })?
    } else {
        let config = demo_config(args)?;
        eprintln!("collecting {} expert trajectories on {} ...", config.data.trajectories, config.env);
        BcTrainer::create(config, &args.out, assets)?
    };
    train_with_progress(&mut trainer, "demo: BC training", None)?;
    drop(trainer);

    let run = BcRun::load(&args.out)?;
    let summary = write_bc_report(&run, None)?;
    // The landscape around the last evaluation inside the oscillation window.
    let step = run.variants[0]
        .1
        .steps
        .iter()
        .rev()
        .find(|s| **s >= summary.window_start)
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
            initial_conditions: None,
            seed: 0,
            threads: run.config.eval.threads,
        };
        landscapes.push((name.clone(), compute_landscape(&args.out, &spec, assets)?));
    }
    append_landscape_section(&summary.report, step, &landscapes, run.expert_return)?;

    println!("demo finished: {}", args.out.display());
    println!(
        "  {:<12} {:>10} {:>8} {:>9} {:>10} {:>14}  osc − raw [95 % over initial conditions]",
        "variant", "final J_H", "osc", "collapse", "iter. osc", "J_H roughness"
    );
    for (v, (_, land)) in summary.variants.iter().zip(&landscapes) {
        let f = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.3}"));
        let diff = v.intervals.as_ref().and_then(|i| i.osc_minus_raw).map_or("-".to_string(), |d| d.show(3));
        println!(
            "  {:<12} {:>10.1} {:>8} {:>9} {:>10} {:>14.3}  {diff}",
            v.name,
            v.final_return,
            f(v.oscillation.map(|o| o.osc)),
            f(v.oscillation.map(|o| o.collapse)),
            f(v.iterate_oscillation.map(|o| o.osc)),
            land.return_roughness
        );
    }
    println!("  report: {}", summary.report.display());
    println!("  plots:  {}", args.out.join("plots").display());
    Ok(())
}
