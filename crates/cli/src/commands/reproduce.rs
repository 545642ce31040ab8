//! `butterfly reproduce figure1`: the paper's Figure 1 at the paper's own setting (configs/paper/,
//! docs/paper-setting.md): seeds side by side on one shared N = H = 1000 dataset, every iterate of a window
//! for the first two seeds, the reward landscapes of the first seed near the end, and the report with
//! paired intervals. `--quick` is the same pipeline at a tenth of the updates, with the EMA alone.

use std::path::PathBuf;

use butterfly_studies::figure1_study;
use clap::{Args, Subcommand};

use super::env::AssetsArg;

#[derive(Subcommand)]
pub enum ReproduceCommand {
    /// Figure 1: J_H of the raw iterate and its EMA over training on 20 initial conditions (N = H = 1000, lr
    /// decayed to 0), every iterate of a window from 40K, and reward landscapes at 115K and 120K.
    Figure1(Figure1Args),
}

#[derive(Args)]
pub struct Figure1Args {
    /// The same pipeline at a budget that fits about 15 minutes on 2 cores: 15 000 updates (J_H every 1 000),
    /// the EMA alone, a 20-iterate window, 5×5 landscapes of 10 rollouts a point; the paper's data, initial
    /// conditions and schedule.
    #[arg(long)]
    quick: bool,
    /// Training seeds [default: 0–9; with --quick 0,1]; all share one dataset (data.seed = 0).
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = crate::config_file::config_seed())]
    seeds: Option<Vec<u64>>,
    /// Runs trained side by side (each on one thread).
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Output directory: a run per seed (`seed<k>/`), report.md and the figures; an unfinished study there
    /// is resumed.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    assets: AssetsArg,
}

pub fn run(cmd: ReproduceCommand) -> anyhow::Result<()> {
    match cmd {
        ReproduceCommand::Figure1(args) => figure1(&args),
    }
}

fn figure1(args: &Figure1Args) -> anyhow::Result<()> {
    let assets = args.assets.assets.as_deref();
    crate::show::run_study_shown(&figure1_study(args.quick, args.seeds.clone(), &args.out, args.jobs, assets)?)
}
