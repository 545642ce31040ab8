//! Plots and tables for butterfly's reports.
//!
//! Charts are drawn with `plotters` in pure Rust: text goes through its `ab_glyph` renderer with DejaVu Sans
//! embedded from the `dejavu` crate, so nothing depends on the system's fonts or font libraries. Every chart is
//! written twice, as PNG (for the README) and SVG (to scale); tables and markdown are written atomically.

mod bc_report;
mod bc_run;
pub mod bench;
mod bifurcation_table;
mod bootstrap;
mod cc_demo_report;
mod compare;
mod comparison_chart;
mod csv_table;
mod error;
mod expert_eval;
mod figure;
mod flipflop_score;
mod flipflop_study;
mod font;
mod heatmap;
mod interval;
mod landscape;
mod landscape_section;
mod line_chart;
mod lm_compare;
mod lm_demo_report;
mod lm_report;
mod oscillation;
mod panels;
mod sweep_report;
mod sweep_table;
mod theory;

pub use bc_report::{RunIntervals, RunSummary, VariantSummary, write_bc_report};
pub use bc_run::{BcRun, VariantCurves};
pub use bifurcation_table::bifurcation_text;
pub use cc_demo_report::write_cc_demo_report;
pub use compare::write_comparison;
pub use comparison_chart::{Comparison, ComparisonPanel};
pub use csv_table::CsvTable;
pub use error::ReportError;
pub use expert_eval::{expert_eval_json, expert_eval_text};
pub use flipflop_score::{
    FlipflopSummary, flipflop_run_json, flipflop_run_text, flipflop_score_text, flipflop_summaries,
};
pub use flipflop_study::{
    FlipflopSeed, FlipflopStudy, FlipflopStudyRow, flipflop_study_markdown, write_flipflop_study,
};
pub use heatmap::{Heatmaps, Surface};
pub use interval::Interval;
pub use landscape::{LandscapeFiles, landscape_heatmaps, write_landscape};
pub use landscape_section::append_landscape_section;
pub use line_chart::{Axis, Corner, LineChart, Series, Style};
pub use lm_compare::{LmComparison, LmGroupRow, LmPairRow, write_lm_comparison};
pub use lm_demo_report::write_lm_demo_report;
pub use lm_report::{LmSummary, LmVariantSummary, is_lm_run, write_lm_report};
pub use oscillation::Oscillation;
pub use panels::Panels;
pub use sweep_report::{OverSeeds, SweepCurve, SweepGroup, SweepSummary, osc_verdict, write_sweep_report};
pub use theory::{CliffPoint, Laws, LinearPoint, TheorySweep, write_cliff_sweep, write_linear_sweep};
