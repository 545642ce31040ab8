use clap::Subcommand;

use super::bench_env;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Env steps/s per task: ours, the raw physics limit, vectorized, and Gymnasium.
    Env(bench_env::BenchEnvArgs),
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Env(args) => bench_env::run(&args),
    }
}
