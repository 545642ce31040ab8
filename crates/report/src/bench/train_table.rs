//! `butterfly bench train`'s table: BC steps/s and GFLOP/s per width next to PyTorch's, then inference
//! latency, the sgemm peak and the stabilizers' share.

use std::fmt::Write as _;

use butterfly_imitate::bench::{Torch, TrainBench, TrainRates, transformer_shape};
use butterfly_nn::bench::{IMITATOR_INPUT, IMITATOR_OUTPUT, TRAIN_BATCH};
use serde_json::{Map, Value, json};

pub fn train_bench_json(r: &TrainRates) -> Value {
    let ours: Map<String, Value> = r.bc.iter().map(|w| (w.width.to_string(), json!(w.steps_per_s))).collect();
    let torch_t = match &r.torch {
        Torch::Measured(t) => Some(t),
        Torch::Skipped | Torch::NotFound => None,
    };
    let torch = torch_t.map_or(Value::Null, |t| json!(t.bc_steps_per_s));
    json!({
        "bc_steps_per_s": ours,
        "torch_bc_steps_per_s": torch,
        "infer_us_b20": r.infer_us_b20,
        "gflops": r.at_256().map(|w| w.gflops),
        "sgemm_peak_gflops": r.sgemm_peak_gflops,
        "ema_share": r.ema_share,
        "transformer_steps_per_s": r.transformer.steps_per_s,
        "torch_transformer_steps_per_s": torch_t.map(|t| t.transformer_steps_per_s),
        "transformer_infer_us_b20": r.transformer.infer_us_b20,
        "torch_transformer_infer_us_b20": torch_t.map(|t| t.transformer_infer_us_b20),
    })
}

/// The setting, one line per width, then the single figures.
pub fn train_bench_text(bench: &TrainBench, r: &TrainRates) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "BC training, 4 hidden ReLU layers, input {IMITATOR_INPUT} output {IMITATOR_OUTPUT}, batch {TRAIN_BATCH}, \
         Adam + MSE, {} thread(s), median of {}",
        bench.threads, bench.repeats
    );
    let _ = writeln!(text, "{:>6} {:>14} {:>14} {:>8} {:>10}", "width", "butterfly/s", "torch/s", "ratio", "GFLOP/s");
    let torch = match &r.torch {
        Torch::Measured(t) => Some(t),
        Torch::Skipped | Torch::NotFound => None,
    };
    for w in &r.bc {
        let o = w.steps_per_s;
        let t = torch.and_then(|t| t.bc_steps_per_s.get(&w.width.to_string()).copied());
        let _ = writeln!(
            text,
            "{:>6} {:>14.1} {:>14} {:>8} {:>10.1}",
            w.width,
            o,
            fmt(t, 1),
            fmt(t.map(|t| o / t), 2),
            w.gflops
        );
    }
    let torch_infer = torch.map(|t| t.infer_us_b20);
    let _ =
        writeln!(text, "batch-20 inference (width 256): {:.1} µs (torch: {} µs)", r.infer_us_b20, fmt(torch_infer, 1));
    let (shape, t) = (transformer_shape(), &r.transformer);
    let torch_steps = torch.map(|x| x.transformer_steps_per_s);
    let _ = writeln!(
        text,
        "Transformer imitator (window {}, {} blocks × {} heads, {} channels), batch {TRAIN_BATCH} windows: \
         {:.1} steps/s (torch: {}/s, ratio {}); batch-20 action step: {:.1} µs (torch: {} µs)",
        shape.window,
        shape.n_layer,
        shape.n_head,
        shape.n_embd,
        t.steps_per_s,
        fmt(torch_steps, 1),
        fmt(torch_steps.map(|x| t.steps_per_s / x), 2),
        t.infer_us_b20,
        fmt(torch.map(|x| x.transformer_infer_us_b20), 1)
    );
    let backend = butterfly_nn::gemm_backend();
    let _ = writeln!(text, "sgemm peak (1024³, {backend}, same threads): {:.1} GFLOP/s", r.sgemm_peak_gflops);
    if let Some(share) = r.ema_share {
        let _ = writeln!(
            text,
            "all tracked stabilizers (3 EMAs, BEMA, 2 power EMAs) updated every step: {:.2} % of a width-256 training step",
            100.0 * share
        );
    }
    if let Torch::NotFound = r.torch {
        text.push_str("torch: not found (set BUTTERFLY_TORCH_PYTHON or --torch-python to a Python with torch)\n");
    }
    text
}

fn fmt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.digits$}"))
}
