//! `butterfly bench lm`: GPT training tokens/s at the default LM and a larger shape, the rate the GEMMs
//! alone would allow at the sgemm peak measured in the same run, and generation tokens/s.

use anyhow::Context;
use butterfly_lm::bench::{measure, standard_shapes};
use butterfly_report::bench::{lm_bench_json, lm_bench_text, lm_validation_json, lm_validation_text};
use clap::Args;

use crate::show::show;

#[derive(Args)]
pub struct BenchLmArgs {
    /// Print a JSON list of objects: `config`, `tokens_per_s`, `torch_tokens_per_s` and
    /// `torch_loss_rel_diff` (null when torch is absent), `gemm_limit_tokens_per_s`, `sample_tokens_per_s`.
    #[arg(long)]
    json: bool,
    /// Training steps per measurement.
    #[arg(long, default_value_t = 10)]
    steps: usize,
    /// Measurements; the median is reported.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// A Python with torch (default: $BUTTERFLY_TORCH_PYTHON); absent: PyTorch is not measured.
    #[arg(long, value_name = "PATH")]
    torch_python: Option<std::path::PathBuf>,
    /// Instead: train this LM config's raw model in both engines from the same initial parameters on the
    /// same batches of its prepared data, and compare the validation losses at its eval cadence (needs
    /// torch; `--json`: `steps`, `tokens_per_step`, `curve` of [step, ours, PyTorch's], `max_rel_diff`,
    /// `final_rel_diff`).
    #[arg(long, value_name = "CONFIG")]
    validate: Option<std::path::PathBuf>,
    #[command(flatten)]
    overrides: crate::config_file::ConfigArgs,
}

pub fn run(args: &BenchLmArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.steps > 0 && args.repeats > 0, "--steps and --repeats must be positive");
    let threads = butterfly_nn::Threads::new(args.threads)?;
    // The median of a few measurements: single ones swing by 2× on a shared machine.
    let mut peaks: Vec<f64> = (0..5).map(|_| butterfly_nn::bench::sgemm_gflops(1024, 10, &threads)).collect();
    peaks.sort_by(f64::total_cmp);
    let peak = peaks[2];
    let python = args.torch_python.clone().or_else(|| std::env::var_os("BUTTERFLY_TORCH_PYTHON").map(Into::into));
    if let Some(path) = &args.validate {
        let python = python.ok_or_else(|| {
            anyhow::anyhow!("--validate needs PyTorch: pass --torch-python or set BUTTERFLY_TORCH_PYTHON")
        })?;
        let text = crate::config_file::read_config(path, &args.overrides)?;
        let config = butterfly_lm::LmConfig::from_toml(&text).with_context(|| format!("{}", path.display()))?;
        let cmp = butterfly_lm::bench::compare_validation(&config, &python, args.threads)?;
        return show(args.json, &lm_validation_json(&cmp), lm_validation_text(&cmp, &path.display().to_string()));
    }
    let rates = standard_shapes()
        .iter()
        .map(|s| measure(s, args.steps, args.repeats, peak, python.as_deref(), &threads))
        .collect::<Result<Vec<_>, _>>()?;
    show(args.json, &lm_bench_json(&rates), lm_bench_text(&rates, args.threads, peak))
}
