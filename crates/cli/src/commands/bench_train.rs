//! `butterfly bench train`: BC training speed of the flat-parameter engine, with PyTorch's on the
//! same workload side by side when a Python with torch can be found.

use std::path::PathBuf;

use butterfly_imitate::bench::TrainBench;
use butterfly_imitate::torch_candidates;
use butterfly_report::bench::{train_bench_json, train_bench_text};

use crate::show::show;

#[derive(clap::Args, Debug)]
pub struct BenchTrainArgs {
    /// Print JSON: `bc_steps_per_s`, `torch_bc_steps_per_s`, `infer_us_b20`, `gflops`,
    /// `sgemm_peak_gflops`, `ema_share`.
    #[arg(long)]
    pub json: bool,
    /// Hidden widths to benchmark (4 hidden layers each).
    #[arg(long, value_delimiter = ',', default_value = "256,512,1024")]
    pub widths: Vec<usize>,
    /// Timed training steps per repeat at width 256 (scaled down for wider nets).
    #[arg(long, default_value_t = 200)]
    pub steps: usize,
    /// Repeats per measurement; the median is reported.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// GEMM threads (ours and torch's).
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Python interpreter with torch [default: $BUTTERFLY_TORCH_PYTHON, else python3 on PATH, else
    /// the repo's .venv].
    #[arg(long)]
    pub torch_python: Option<PathBuf>,
    /// Skip the PyTorch side.
    #[arg(long)]
    pub no_torch: bool,
}

pub fn run(args: &BenchTrainArgs) -> anyhow::Result<()> {
    let bench = TrainBench {
        widths: args.widths.clone(),
        steps: args.steps,
        repeats: args.repeats,
        threads: args.threads,
        torch: (!args.no_torch).then(|| torch_candidates(args.torch_python.as_deref())),
    };
    let rates = bench.measure()?;
    show(args.json, &train_bench_json(&rates), train_bench_text(&bench, &rates))
}
