//! What `butterfly bench` prints: one table or summary per benchmark, and its `--json` object where the
//! figures need assembling.

mod env_table;
mod lm_table;
mod sac_summary;
mod study_summary;
mod train_table;

pub use env_table::env_bench_table;
pub use lm_table::{lm_bench_json, lm_bench_text, lm_validation_json, lm_validation_text};
pub use sac_summary::{sac_bench_json, sac_bench_text};
pub use study_summary::{study_bench_json, study_bench_text};
pub use train_table::{train_bench_json, train_bench_text};
