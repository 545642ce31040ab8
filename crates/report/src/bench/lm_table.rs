//! The table `butterfly bench lm` prints.

use butterfly_lm::bench::LmRates;

/// One row per shape: training tokens/s (ours, PyTorch's, the ratio), the GEMM-limited rate and our share
/// of it, generation tokens/s, and how far PyTorch's losses from the same start are from ours.
pub fn lm_bench_text(rates: &[LmRates], threads: usize, peak_gflops: f64) -> String {
    let mut out = format!(
        "GPT training, {threads} thread(s), sgemm peak {peak_gflops:.1} GFLOP/s (1024³, median of 5, same run)\n\
         {:<18} {:>10} {:>10} {:>7} {:>12} {:>9} {:>12} {:>14}\n",
        "config", "tokens/s", "PyTorch", "ratio", "GEMM limit", "of limit", "sample tok/s", "loss rel diff"
    );
    let opt = |x: Option<f64>, f: &dyn Fn(f64) -> String| x.map_or("-".to_string(), f);
    for r in rates {
        out.push_str(&format!(
            "{:<18} {:>10.0} {:>10} {:>7} {:>12.0} {:>8.0}% {:>12.1} {:>14}\n",
            r.config,
            r.tokens_per_s,
            opt(r.torch_tokens_per_s, &|t| format!("{t:.0}")),
            opt(r.torch_tokens_per_s, &|t| format!("{:.2}×", r.tokens_per_s / t)),
            r.gemm_limit_tokens_per_s,
            100.0 * r.tokens_per_s / r.gemm_limit_tokens_per_s,
            r.sample_tokens_per_s,
            opt(r.torch_loss_rel_diff, &|d| format!("{d:.1e}")),
        ));
    }
    out
}

/// The `--json` list: `config`, `tokens_per_s`, `torch_tokens_per_s` and `torch_loss_rel_diff` (null when
/// not measured), `gemm_limit_tokens_per_s`, `sample_tokens_per_s`.
pub fn lm_bench_json(rates: &[LmRates]) -> serde_json::Value {
    serde_json::to_value(rates).expect("rates serialize")
}
