//! The table `butterfly bench lm` prints.

use butterfly_lm::bench::LmRates;

/// One row per shape: training tokens/s, the GEMM-limited rate and our share of it, generation tokens/s.
pub fn lm_bench_text(rates: &[LmRates], threads: usize, peak_gflops: f64) -> String {
    let mut out = format!(
        "GPT training, {threads} thread(s), sgemm peak {peak_gflops:.1} GFLOP/s (1024³, median of 5, same run); PyTorch: not measured\n\
         {:<18} {:>12} {:>14} {:>9} {:>14}\n",
        "config", "tokens/s", "GEMM limit/s", "of limit", "sample tok/s"
    );
    for r in rates {
        out.push_str(&format!(
            "{:<18} {:>12.0} {:>14.0} {:>8.0}% {:>14.1}\n",
            r.config,
            r.tokens_per_s,
            r.gemm_limit_tokens_per_s,
            100.0 * r.tokens_per_s / r.gemm_limit_tokens_per_s,
            r.sample_tokens_per_s
        ));
    }
    out
}

/// The `--json` list: `config`, `tokens_per_s`, `torch_tokens_per_s` (null: not measured),
/// `gemm_limit_tokens_per_s`, `sample_tokens_per_s`.
pub fn lm_bench_json(rates: &[LmRates]) -> serde_json::Value {
    serde_json::Value::Array(
        rates
            .iter()
            .map(|r| {
                serde_json::json!({
                    "config": r.config,
                    "tokens_per_s": r.tokens_per_s,
                    "torch_tokens_per_s": null,
                    "gemm_limit_tokens_per_s": r.gemm_limit_tokens_per_s,
                    "sample_tokens_per_s": r.sample_tokens_per_s,
                })
            })
            .collect(),
    )
}
