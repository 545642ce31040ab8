//! `butterfly bench sac`'s summary: our training steps/s and updates/s next to stable-baselines3's.

use butterfly_sac::bench::{SacBench, SacRates};
use serde_json::{Value, json};

pub fn sac_bench_json(bench: &SacBench, r: &SacRates) -> Value {
    json!({
        "updates_per_s": r.updates_per_s, "update_only_per_s": r.update_only_per_s,
        "sb3_updates_per_s": r.sb3_updates_per_s, "sb3_update_only_per_s": r.sb3_update_only_per_s,
        "threads": bench.threads, "env": bench.env,
    })
}

/// Three lines, each ending in `\n`.
pub fn sac_bench_text(bench: &SacBench, r: &SacRates) -> String {
    let show = |ours: f64, theirs: Option<f64>| match theirs {
        Some(t) => format!("butterfly {ours:.1}, stable-baselines3 {t:.1} (ratio {:.2}x)", ours / t),
        None => format!("butterfly {ours:.1}, stable-baselines3 n/a (set BUTTERFLY_TORCH_PYTHON)"),
    };
    format!(
        "SAC on {}, batch 256, net [256, 256], {} thread(s):\n  training steps/s (env step + update): {}\n  \
         updates/s (update alone):             {}\n",
        bench.env,
        bench.threads,
        show(r.updates_per_s, r.sb3_updates_per_s),
        show(r.update_only_per_s, r.sb3_update_only_per_s)
    )
}
