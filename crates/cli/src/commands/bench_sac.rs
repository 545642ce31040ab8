//! `butterfly bench sac`: SAC training speed at the default network size on a task (one update per
//! env step, batch 256), next to stable-baselines3 on the same thread count when it is installed.

use std::path::PathBuf;

use butterfly_report::bench::{sac_bench_json, sac_bench_text};
use butterfly_sac::bench::SacBench;
use clap::Args;

use super::env::{AssetsArg, make_env};

#[derive(Args)]
pub struct BenchSacArgs {
    /// Print JSON: `updates_per_s` (training steps/s: env step + update), `update_only_per_s`, and
    /// SB3's `sb3_updates_per_s`, `sb3_update_only_per_s` (null when SB3 is absent), `threads`.
    #[arg(long)]
    json: bool,
    /// Training steps per measurement.
    #[arg(long, default_value_t = 300)]
    steps: usize,
    /// Measurements; the median is reported.
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// The task (Humanoid-v4's 376-dimensional observation makes the first layers the larger GEMMs).
    #[arg(long, default_value = "Walker2d-v4")]
    env: String,
    /// A Python with torch and stable-baselines3 (default: $BUTTERFLY_TORCH_PYTHON); absent: SB3 is null.
    #[arg(long, value_name = "PATH")]
    torch_python: Option<PathBuf>,
    #[command(flatten)]
    assets: AssetsArg,
}

pub fn run(args: &BenchSacArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.steps > 0 && args.repeats > 0, "--steps and --repeats must be positive");
    let env = make_env(&args.env, &args.assets)?;
    let python = args.torch_python.clone().or_else(|| std::env::var_os("BUTTERFLY_TORCH_PYTHON").map(PathBuf::from));
    let bench = SacBench { steps: args.steps, repeats: args.repeats, threads: args.threads, env: args.env.clone() };
    let rates = bench.measure(env, python.as_deref())?;
    if args.json {
        println!("{}", sac_bench_json(&bench, &rates));
    } else {
        print!("{}", sac_bench_text(&bench, &rates));
    }
    Ok(())
}
