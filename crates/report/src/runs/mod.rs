//! Runs read back from their files, and what their logs say before anything is drawn: a BC run's summary,
//! a sweep's curves over seeds, the order of a run's variants.

mod bc_run;
mod bc_summary;
mod evaluations;
mod sweep_curves;
mod variant_order;

pub use bc_run::{BcRun, RunSetting, VariantCurves, j_h};
pub use bc_summary::{RunIntervals, RunSummary, VariantSummary, WindowMetrics};
pub use evaluations::{EvaluationSource, evaluation_runs};
pub use sweep_curves::{SweepCurve, per_seed, sweep_curves};
pub use variant_order::variant_order;
