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
    /// Write expert data (a BC run's training data, or a data file) as a Minari dataset (docs/minari.md).
    Export(ExportArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Minari,
}

#[derive(Args)]
pub struct ExportArgs {
    /// A BC run directory (its training data) or a data file of `data collect`.
    #[arg(value_name = "RUN_OR_DATA")]
    source: PathBuf,
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// The dataset ID, `(namespace/)name-vN`, as `minari.load_dataset` takes it.
    #[arg(long)]
    id: String,
    /// The dataset directory [default: the ID under $MINARI_DATASETS_PATH, else ~/.minari/datasets].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    assets: AssetsArg,
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
        DataCommand::Export(args) => {
            let ExportFormat::Minari = args.format;
            let assets = args.assets.assets.as_deref();
            let dir = butterfly_imitate::export_minari(&args.source, &args.id, args.out.as_deref(), assets)?;
            println!("{}", dir.display());
            Ok(())
        }
    }
}
