//! `butterfly bench study`: one seed of a GVA study end to end, ours beside Gymnasium + PyTorch.

use std::path::PathBuf;

use butterfly_imitate::{StudyBench, StudySetting, torch_candidates};
use butterfly_report::bench::{study_bench_json, study_bench_text};

use crate::show::show;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Setting {
    /// configs/demo.toml: 200 trajectories, 30 000 updates, J_H every 1 500.
    Demo,
    /// configs/paper/figure1.toml (1 000 trajectories, cosine to 0) at 15 000 updates, J_H every 5 000.
    Paper,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  butterfly bench study\n  butterfly bench study --setting paper --json\n  \
                        butterfly bench study --updates 3000 --trajectories 20 --no-torch")]
pub struct BenchStudyArgs {
    /// The study measured.
    #[arg(long, value_enum, default_value = "demo")]
    pub setting: Setting,
    /// Another number of updates (the evaluation cadence and the EMA's burn-in scale with it).
    #[arg(long, value_name = "N")]
    pub updates: Option<u64>,
    /// Another number of expert trajectories.
    #[arg(long, value_name = "N")]
    pub trajectories: Option<usize>,
    /// Threads of each side.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Python interpreter with torch, gymnasium and safetensors [default: $BUTTERFLY_TORCH_PYTHON, else
    /// python3 on PATH, else the repo's .venv].
    #[arg(long)]
    pub torch_python: Option<PathBuf>,
    /// Skip the PyTorch side.
    #[arg(long)]
    pub no_torch: bool,
    /// Print JSON: `butterfly_s`, `torch_s` (null without torch), `ratio`, and each side's `data_s`,
    /// `training_s`, `evaluation_s`.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &BenchStudyArgs) -> anyhow::Result<()> {
    let bench = StudyBench {
        setting: match args.setting {
            Setting::Demo => StudySetting::Demo,
            Setting::Paper => StudySetting::Paper,
        },
        updates: args.updates,
        trajectories: args.trajectories,
        threads: args.threads,
        exe: std::env::current_exe()?,
        torch: (!args.no_torch).then(|| torch_candidates(args.torch_python.as_deref())),
        scratch: std::env::temp_dir().join(format!("butterfly-bench-study-{}", std::process::id())),
    };
    let rates = bench.measure()?;
    show(args.json, &study_bench_json(&rates), study_bench_text(&rates))
}
