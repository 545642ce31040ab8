//! The table `butterfly bench lm` prints.

use butterfly_lm::bench::{LmRates, ValidationComparison};

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

/// The validation curves of one config trained by both engines, step by step.
pub fn lm_validation_text(cmp: &ValidationComparison, config: &str) -> String {
    let mut out = format!(
        "{config}: {} steps × {} tokens, the same initial parameters, batches, AdamW, schedule and clipping in both engines\n\
         {:>8} {:>12} {:>12} {:>10}\n",
        cmp.steps, cmp.tokens_per_step, "step", "val loss", "PyTorch", "rel diff"
    );
    for &(step, ours, theirs) in &cmp.curve {
        out.push_str(&format!(
            "{step:>8} {ours:>12.5} {theirs:>12.5} {:>10.1e}\n",
            (ours - theirs).abs() / theirs.abs()
        ));
    }
    out.push_str(&format!(
        "largest relative difference {:.2e}, at the last step {:.2e} (goal: within 1e-2)\n",
        cmp.max_rel_diff, cmp.final_rel_diff
    ));
    out
}

/// The `--json` object of the comparison: `steps`, `tokens_per_step`, `curve` ([step, ours, PyTorch's]),
/// `max_rel_diff`, `final_rel_diff`.
pub fn lm_validation_json(cmp: &ValidationComparison) -> serde_json::Value {
    serde_json::to_value(cmp).expect("a comparison serializes")
}
