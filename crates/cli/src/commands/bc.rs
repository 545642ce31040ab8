//! `butterfly bc`: behavior cloning with stabilizers, judged by rollouts.

use anyhow::Context;
use butterfly_imitate::{BcConfig, BcTrainer};
use clap::{Args, Subcommand};

use super::env::AssetsArg;
use crate::config_file::RunStart;

#[derive(Subcommand)]
pub enum BcCommand {
    /// Train an imitator from a TOML config (see configs/), or resume a run directory.
    Train(TrainArgs),
    /// Write a variant of a BC run at an evaluation step as a policy file (safetensors, for PyTorch).
    Export(ExportArgs),
}

#[derive(Args)]
pub struct ExportArgs {
    /// The BC run directory.
    run: std::path::PathBuf,
    /// `raw` or a stabilizer's name (as in eval.csv).
    #[arg(long, default_value = "raw")]
    variant: String,
    /// An evaluation step whose parameters the run kept [default: the last].
    #[arg(long)]
    step: Option<u64>,
    /// The policy file to write.
    #[arg(long)]
    out: std::path::PathBuf,
    /// Replace an existing --out file (never one inside a run directory).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    assets: AssetsArg,
}

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    run: crate::config_file::RunArgs,
    #[command(flatten)]
    assets: AssetsArg,
}

pub fn run(cmd: BcCommand) -> anyhow::Result<()> {
    match cmd {
        BcCommand::Train(args) => train(&args),
        BcCommand::Export(args) => export(&args),
    }
}

fn export(args: &ExportArgs) -> anyhow::Result<()> {
    butterfly_store::check_output(&args.out, args.force)?;
    let policy = butterfly_imitate::export_policy(
        &args.run,
        &args.variant,
        args.step,
        args.assets.assets.as_deref(),
        Default::default(),
    )?;
    policy.save(&args.out)?;
    println!("{}", args.out.display());
    Ok(())
}

fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let assets = args.assets.assets.as_deref();
    let mut trainer = match args.run.start()? {
        RunStart::Resume { dir, steps } => BcTrainer::resume(&dir, assets, steps)?,
        RunStart::Create { text, config, out } => {
            let config = BcConfig::from_toml(&text).with_context(|| format!("{}", config.display()))?;
            match &config.data.minari {
                Some(source) => eprintln!("collecting expert data for {} from Minari dataset {source} ...", config.env),
                None => eprintln!("collecting expert data for {} ...", config.env),
            }
            BcTrainer::create(config, &out, assets)?
        }
    };
    let total = trainer.total_steps();
    butterfly_studies::train_bc(&mut trainer, "bc", args.run.stop_at, &crate::progress::Bars)?;
    println!("run directory: {} (step {} of {total})", trainer.run_dir().path().display(), trainer.step());
    for (name, j) in trainer.last_eval() {
        println!("  J_H {name:<28} {j:.2}");
    }
    Ok(())
}
