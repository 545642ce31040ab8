//! `butterfly bench train`: BC training speed of the flat-parameter engine, with PyTorch's on the
//! same workload side by side when a Python with torch can be found.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use std::time::Instant;

use butterfly_imitate::{StabilizerSpec, update_all};
use butterfly_nn::bench::median;
use butterfly_nn::{Layout, bench};
use serde_json::{Value, json};

/// The Python helper, at the repository root.
const TORCH_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/torch_bc.py");
/// Exit status of `torch_bc.py` when torch cannot be imported.
const TORCH_MISSING: i32 = 3;

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

/// Timed steps at a width: keep each repeat's wall time roughly equal across widths.
fn steps_at(args: &BenchTrainArgs, width: usize) -> usize {
    (args.steps * 256 * 256 / (width * width)).max(5)
}

pub fn run(args: &BenchTrainArgs) -> anyhow::Result<()> {
    if args.widths.is_empty() || args.repeats == 0 || args.steps == 0 {
        bail!("--widths, --steps and --repeats must be non-empty / at least 1");
    }
    butterfly_nn::set_num_threads(args.threads)?;
    // PyTorch first: it runs in its own process, never alongside our timing.
    let torch = if args.no_torch { None } else { run_torch(args)? };

    let mut ours = serde_json::Map::new();
    for &w in &args.widths {
        let runs = (0..args.repeats).map(|_| bench::bc_steps_per_s(w, steps_at(args, w))).collect::<Result<_, _>>()?;
        ours.insert(w.to_string(), json!(median(runs)));
    }
    let infer_runs = (0..args.repeats).map(|_| bench::infer_latency_us(256, 2000)).collect::<Result<_, _>>()?;
    let infer_us = median(infer_runs);
    let peak = median((0..args.repeats).map(|_| bench::sgemm_gflops(1024, 10)).collect());
    let flops_256 = bench::bc_step_flops(&Layout::new(bench::imitator_spec(256))?, bench::TRAIN_BATCH);
    let ema_share = match ours.get("256").and_then(Value::as_f64) {
        Some(steps_per_s) => {
            Some(median((0..args.repeats).map(|_| ema_seconds_per_step()).collect::<Result<_, _>>()?) * steps_per_s)
        }
        None => None,
    };
    let gflops = ours.get("256").and_then(Value::as_f64).map(|s| s * flops_256 / 1e9);

    let torch_steps = torch.as_ref().map(|t| t["bc_steps_per_s"].clone());
    if args.json {
        let out = json!({
            "bc_steps_per_s": ours,
            "torch_bc_steps_per_s": torch_steps,
            "infer_us_b20": infer_us,
            "gflops": gflops,
            "sgemm_peak_gflops": peak,
            "ema_share": ema_share,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "BC training, 4 hidden ReLU layers, input {} output {}, batch {}, Adam + MSE, {} thread(s), median of {}",
        bench::IMITATOR_INPUT,
        bench::IMITATOR_OUTPUT,
        bench::TRAIN_BATCH,
        args.threads,
        args.repeats
    );
    println!("{:>6} {:>14} {:>14} {:>8} {:>10}", "width", "butterfly/s", "torch/s", "ratio", "GFLOP/s");
    for &w in &args.widths {
        let key = w.to_string();
        let o = ours[&key].as_f64().unwrap_or(f64::NAN);
        let t = torch_steps.as_ref().and_then(|t| t[&key].as_f64());
        let layout = Layout::new(bench::imitator_spec(w))?;
        let achieved = o * bench::bc_step_flops(&layout, bench::TRAIN_BATCH) / 1e9;
        println!("{:>6} {:>14.1} {:>14} {:>8} {:>10.1}", w, o, fmt(t, 1), fmt(t.map(|t| o / t), 2), achieved);
    }
    let torch_infer = torch.as_ref().and_then(|t| t["infer_us_b20"].as_f64());
    println!("batch-20 inference (width 256): {infer_us:.1} µs (torch: {} µs)", fmt(torch_infer, 1));
    println!("sgemm peak (1024³, {}, same threads): {peak:.1} GFLOP/s", butterfly_nn::gemm_backend());
    if let Some(share) = ema_share {
        println!("three EMA stabilizers updated every step: {:.2} % of a width-256 training step", 100.0 * share);
    }
    if torch.is_none() && !args.no_torch {
        println!("torch: not found (set BUTTERFLY_TORCH_PYTHON or --torch-python to a Python with torch)");
    }
    Ok(())
}

/// Seconds to update the default three EMA stabilizers (α = 0.5, 0.7, 0.9) over the width-256 imitator's θ.
fn ema_seconds_per_step() -> anyhow::Result<f64> {
    let layout = Layout::new(bench::imitator_spec(256))?;
    let theta: Vec<f32> = (0..layout.num_params()).map(|i| (i as f32 * 1e-3).sin()).collect();
    let mut emas = ["0.5", "0.7", "0.9"]
        .iter()
        .map(|a| {
            let spec: StabilizerSpec = toml::from_str(&format!("kind = \"ema\"\nalpha = {a}\ngamma_min = 1e-4"))?;
            Ok(spec.build(&theta)?)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    const UPDATES: u64 = 200;
    let start = Instant::now();
    for t in 1..=UPDATES {
        update_all(&mut emas, t + 1, &theta);
    }
    Ok(start.elapsed().as_secs_f64() / UPDATES as f64)
}

fn fmt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.digits$}"))
}

/// Runs `bench/torch_bc.py` with the first Python that has torch; `None` when none has it.
fn run_torch(args: &BenchTrainArgs) -> anyhow::Result<Option<Value>> {
    let script = Path::new(TORCH_SCRIPT);
    if !script.exists() {
        bail!("{} is missing: run from a Butterfly checkout", script.display());
    }
    let candidates: Vec<PathBuf> = match (&args.torch_python, std::env::var_os("BUTTERFLY_TORCH_PYTHON")) {
        (Some(p), _) => vec![p.clone()],
        (None, Some(p)) => vec![PathBuf::from(p)],
        (None, None) => {
            vec![PathBuf::from("python3"), Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python")]
        }
    };
    let widths = args.widths.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(",");
    for python in &candidates {
        let out = match Command::new(python)
            .arg(script)
            .args(["--widths", &widths, "--steps", &args.steps.to_string()])
            .args(["--repeats", &args.repeats.to_string(), "--threads", &args.threads.to_string()])
            .output()
        {
            Ok(out) => out,
            // An interpreter that is not there is just a missing candidate.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("running {}", python.display())),
        };
        match out.status.code() {
            Some(0) => {
                let text = String::from_utf8_lossy(&out.stdout);
                return serde_json::from_str(&text)
                    .map(Some)
                    .with_context(|| format!("torch_bc.py printed no JSON: {text}"));
            }
            Some(TORCH_MISSING) => continue,
            _ => bail!("{} {} failed: {}", python.display(), script.display(), String::from_utf8_lossy(&out.stderr)),
        }
    }
    Ok(None)
}
