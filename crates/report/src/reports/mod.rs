//! Every report a command writes or prints: a run's, a comparison's, a sweep's, a study's, a demo's, and
//! the text tables of `lm score`, `lm bifurcate`, `sweep` and `expert eval`.

pub mod analysis;
pub mod bc_report;
pub mod bifurcation_table;
pub mod cc_demo_report;
pub mod compare;
pub mod demo_lm_table;
pub mod expert_eval;
pub mod flipflop_score;
pub mod flipflop_study;
pub mod landscape_section;
pub mod lm_compare;
pub mod lm_demo_report;
pub mod lm_report;
pub mod run_reports;
pub mod selection;
pub mod study_table;
pub mod sweep_report;
pub mod sweep_table;
