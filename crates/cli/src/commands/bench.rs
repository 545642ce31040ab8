use clap::Subcommand;

use super::{bench_env, bench_sac};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Env steps/s per task: ours, the raw physics limit, vectorized, and Gymnasium.
    Env(bench_env::BenchEnvArgs),
    /// SAC updates/s at the default network size, and stable-baselines3's.
    Sac(bench_sac::BenchSacArgs),
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Env(args) => bench_env::run(&args),
        BenchCommand::Sac(args) => bench_sac::run(&args),
    }
}

/// The median of measurements (the figure every benchmark reports).
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 { xs[n / 2] } else { 0.5 * (xs[n / 2 - 1] + xs[n / 2]) }
}
