//! `butterfly bench env`: how close each task's env step comes to the raw physics (`mj_step` ×
//! frame_skip on the same model and thread), vectorized throughput, and Gymnasium in the same run.

use butterfly_envs::TASK_IDS;
use butterfly_envs::bench::EnvBench;
use butterfly_envs::reference_python::venv_python;
use butterfly_report::bench::env_bench_table;
use clap::Args;

use super::env::{AssetsArg, make_env};
use crate::progress::Progress;
use crate::show::show;

#[derive(Args)]
pub struct BenchEnvArgs {
    /// Print a JSON list instead of a table.
    #[arg(long)]
    json: bool,
    /// Tasks to measure (default: every task, v4 and v5).
    #[arg(long = "env", value_name = "ID")]
    envs: Vec<String>,
    /// Length of the random action sequence (each episode restarts from the same state every 1000 steps).
    #[arg(long, default_value_t = 2000)]
    steps: usize,
    /// Minimum duration of one measurement, in seconds (the action sequence is cycled until then).
    #[arg(long, default_value_t = 1.0)]
    seconds: f64,
    /// Measurements per figure; the median is reported.
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Threads of the vectorized measurement.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Environments in the vectorized measurement.
    #[arg(long, default_value_t = 16)]
    vector_envs: usize,
    /// Skip Gymnasium (its figure is then null).
    #[arg(long)]
    no_gymnasium: bool,
    #[command(flatten)]
    assets: AssetsArg,
}

pub fn run(args: &BenchEnvArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.steps > 0 && args.repeats > 0 && args.vector_envs > 0,
        "--steps, --repeats and --vector-envs must be positive"
    );
    let ids: Vec<String> =
        if args.envs.is_empty() { TASK_IDS.iter().map(|s| s.to_string()).collect() } else { args.envs.clone() };
    let python = if args.no_gymnasium { None } else { Some(venv_python()?) };
    let bench = EnvBench {
        steps: args.steps,
        seconds: args.seconds,
        repeats: args.repeats,
        threads: args.threads,
        vector_envs: args.vector_envs,
    };
    let mut progress = Progress::new("bench env", ids.len() as u64);
    let mut rows = Vec::new();
    for id in &ids {
        rows.push(bench.measure(&mut make_env(id, &args.assets)?, python.as_deref())?);
        progress.advance(id);
    }
    progress.finish();
    show(args.json, &rows, env_bench_table(&rows, args.threads))
}
