//! `butterfly data`: expert datasets for behavior cloning.

use std::path::PathBuf;

use butterfly_envs::{TaskEnv, env_rng};
use butterfly_imitate::{Expert, collect};
use clap::{Args, Subcommand};

use super::env::AssetsArg;

#[derive(Subcommand)]
pub enum DataCommand {
    /// Roll an expert out from i.i.d. initial conditions and save (state + previous action, action) pairs.
    Collect(CollectArgs),
}

#[derive(Args)]
pub struct CollectArgs {
    /// Gymnasium id, or LinearSystem.
    #[arg(long)]
    env: String,
    /// A policy file, or `linear` for the linear system's controller.
    #[arg(long)]
    expert: String,
    #[arg(long, default_value_t = 50)]
    trajectories: usize,
    /// Steps per trajectory (fewer when the expert's episode terminates).
    #[arg(long, default_value_t = 1000)]
    horizon: usize,
    /// Seed of the initial conditions.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Output file (safetensors: inputs, targets, offsets, returns).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace an existing --out file (never one inside a run directory).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    assets: AssetsArg,
}

pub fn run(cmd: DataCommand) -> anyhow::Result<()> {
    match cmd {
        DataCommand::Collect(args) => {
            butterfly_store::check_output(&args.out, args.force)?;
            anyhow::ensure!(args.trajectories > 0 && args.horizon > 0, "--trajectories and --horizon must be positive");
            let env = TaskEnv::make(&args.env, args.assets.assets.as_deref())?;
            let expert = Expert::load(&args.expert, &env)?;
            let data = collect(&env, &expert, args.trajectories, args.horizon, &mut env_rng(args.seed), args.threads)?;
            data.save(&args.out)?;
            let mean = data.returns.iter().sum::<f64>() / data.returns.len() as f64;
            println!(
                "{}: {} trajectories, {} pairs, expert return {mean:.1} → {}",
                args.env,
                data.trajectories(),
                data.len(),
                args.out.display()
            );
            Ok(())
        }
    }
}
