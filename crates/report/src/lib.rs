//! Plots and tables for butterfly's reports.
//!
//! Charts are drawn with `plotters` in pure Rust: text goes through its `ab_glyph` renderer with DejaVu Sans
//! embedded from the `dejavu` crate, so nothing depends on the system's fonts or font libraries. Every chart is
//! written twice, as PNG (for the README) and SVG (to scale); tables and markdown are written atomically.
//!
//! `runs` reads run directories and computes what they say, `stats` holds the statistics those numbers go
//! through, `plot` draws, and `reports` writes and prints; `bench` and `theory` are the tables and figures
//! of `butterfly bench` and `butterfly theory`.

pub mod bench;
mod csv_table;
mod error;
mod plot;
mod reports;
mod runs;
mod stats;
mod theory;

pub use csv_table::CsvTable;
pub use error::ReportError;
pub use plot::{
    Axis, Comparison, ComparisonPanel, Corner, Heatmaps, LandscapeFiles, LineChart, Panels, Series, Style, Surface,
    landscape_heatmaps, write_landscape,
};
pub use reports::analysis::{Analysis, write_analysis};
pub use reports::bc_report::write_bc_report;
pub use reports::bifurcation_table::bifurcation_text;
pub use reports::cc_demo_report::write_cc_demo_report;
pub use reports::compare::write_comparison;
pub use reports::demo_lm_table::demo_lm_text;
pub use reports::expert_eval::{expert_eval_json, expert_eval_text};
pub use reports::flipflop_score::{
    FlipflopSummary, flipflop_run_json, flipflop_run_text, flipflop_score_text, flipflop_summaries,
};
pub use reports::flipflop_study::{
    FlipflopSeed, FlipflopStudy, FlipflopStudyRow, flipflop_study_markdown, write_flipflop_study,
};
pub use reports::landscape_section::append_landscape_section;
pub use reports::lm_compare::{LmComparison, LmGroupRow, LmPairRow, write_lm_comparison};
pub use reports::lm_demo_report::write_lm_demo_report;
pub use reports::lm_report::{LmSummary, LmVariantSummary, is_lm_run, write_lm_report};
pub use reports::run_reports::{RunReports, run_reports_text, write_run_reports};
pub use reports::selection::{selection_json, selection_text};
pub use reports::study_table::study_text;
pub use reports::sweep_report::{SweepGroup, SweepSummary, osc_verdict, write_sweep_report};
pub use runs::{
    BcRun, EvaluationSource, RunIntervals, RunSetting, RunSummary, SweepCurve, VariantCurves, VariantSummary,
    WindowMetrics,
};
pub use stats::interval::Interval;
pub use stats::oscillation::Oscillation;
pub use stats::over_seeds::OverSeeds;
pub use theory::{CliffPoint, Laws, LinearPoint, TheorySweep, write_cliff_sweep, write_linear_sweep};
