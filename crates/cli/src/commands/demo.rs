//! `butterfly demo`: the butterfly effect on your machine — BC training where the rollout reward of
//! nearby iterates swings while the BC loss is smooth, the reward landscape around a checkpoint, and the
//! EMA calming both (a compact paper Figure 1). Several seeds train side by side, so that the report's
//! claim is an interval over seeds, paired by seed, rather than one chaotic trajectory.

use std::path::{Path, PathBuf};

use butterfly_envs::{Env, TaskEnv};
use butterfly_imitate::{BcConfig, run_dir};
use clap::{Args, Subcommand};

use super::env::AssetsArg;
use super::study::{Study, run_study};
use butterfly_train::TrainingConfig;

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
    let study = Study {
        label: "demo",
        title: "Butterfly demo",
        runs,
        out: args.out.clone(),
        jobs: args.jobs,
        landscape_steps: None,
        grid: args.grid,
        landscape_rollouts: None,
        window_start: None,
        assets,
    };
    run_study(&study)
}
