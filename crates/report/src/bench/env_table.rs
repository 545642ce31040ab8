//! `butterfly bench env`'s table: per task, our step against the raw physics, vectorized, and Gymnasium.

use std::fmt::Write as _;

use butterfly_envs::bench::EnvRates;

/// One line per task after the header; `threads` is the vectorized measurement's thread count.
pub fn env_bench_table(rows: &[EnvRates], threads: usize) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{:<16} {:>12} {:>12} {:>7} {:>14} {:>8} {:>12} {:>8}",
        "env",
        "env step/s",
        "raw limit/s",
        "ratio",
        format!("vector {threads}thr/s"),
        "speedup",
        "gymnasium/s",
        "vs gym"
    );
    for r in rows {
        let gym = r.gymnasium_steps_per_s.map_or("n/a".to_string(), |g| format!("{g:.0}"));
        let vs_gym = r.gymnasium_steps_per_s.map_or("n/a".to_string(), |g| format!("{:.2}x", r.env_steps_per_s / g));
        let _ = writeln!(
            text,
            "{:<16} {:>12.0} {:>12.0} {:>7.3} {:>14.0} {:>7.2}x {:>12} {:>8}",
            r.env,
            r.env_steps_per_s,
            r.raw_limit_steps_per_s,
            r.env_steps_per_s / r.raw_limit_steps_per_s,
            r.vector_steps_per_s,
            r.vector_steps_per_s / r.vector_1thread_steps_per_s,
            gym,
            vs_gym
        );
    }
    text
}
