//! `butterfly demo`: the butterfly effect on your machine — BC training where the rollout reward of
//! nearby iterates swings while the BC loss is smooth, the reward landscape around a checkpoint, and the
//! EMA calming both (a compact paper Figure 1). Several seeds train side by side, so that the report's
//! claim is an interval over seeds, paired by seed, rather than one chaotic trajectory.

use std::path::PathBuf;

use butterfly_studies::{DemoSpec, demo_study};
use clap::{Args, Subcommand};

use super::env::AssetsArg;

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
    /// Seeds trained side by side, each on one thread [default: the machine's cores].
    #[arg(long)]
    jobs: Option<usize>,
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

pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    if let Some(DemoCommand::Lm(lm)) = &args.command {
        return super::demo_lm::run(lm);
    }
    let spec = DemoSpec {
        out: args.out.clone(),
        env: args.env.clone(),
        expert: args.expert.clone(),
        grid: args.grid,
        steps: args.steps,
        seeds: args.seeds,
        jobs: args.jobs.unwrap_or_else(butterfly_store::threads::cores),
        overrides: args.overrides.overrides(),
        assets: args.assets.assets.as_deref(),
    };
    crate::show::run_study_shown(&demo_study(&spec)?)
}
