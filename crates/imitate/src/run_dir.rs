//! What a BC run directory holds besides the config and checkpoint every run has: the expert data,
//! the expert's returns, and one typed row per CSV log of the rollouts (the training loop's own logs
//! and kept parameters are re-exported from `butterfly_train`).

use butterfly_store::LogRow;

pub use butterfly_store::run_dir::{CHECKPOINT, CONFIG};
pub use butterfly_train::{MetricsRow, TimingRow, ValidationRow, params_file};

pub const TRAIN_DATA: &str = "data/train.safetensors";
pub const VALIDATION_DATA: &str = "data/validation.safetensors";

butterfly_store::log_row! {
    /// J_H of one variant from one initial condition, at every evaluation (`eval.csv`).
    pub struct RolloutRow in "eval.csv" {
        step: u64 => "step",
        variant: String => "variant",
        ic: usize => "ic",
        ret: f64 => "return",
        length: usize => "length",
    }
    key(row) = (row.step, format!("{} ic {}", row.variant, row.ic));
}

/// J_H of every iterate inside the evaluation windows (`iterates.csv`): the rows of `eval.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct IterateRow(pub RolloutRow);

impl LogRow for IterateRow {
    const FILE: &'static str = "iterates.csv";
    const HEADER: &'static str = RolloutRow::HEADER;
    fn line(&self) -> String {
        self.0.line()
    }
    fn parse(f: &[&str]) -> Result<Self, String> {
        RolloutRow::parse(f).map(Self)
    }
    fn key(&self) -> (u64, String) {
        self.0.key()
    }
}

butterfly_store::log_row! {
    /// The expert's J_H per evaluation initial condition (`expert.csv`, written once): the yardstick of
    /// the oscillation metrics.
    pub struct ExpertRow in "expert.csv" {
        ic: usize => "ic",
        ret: f64 => "return",
        length: usize => "length",
    }
    key(row) = (row.ic as u64, String::new());
}

butterfly_store::log_bundle! {
    /// The logs a BC learner appends to (the loop's own are in `butterfly_train`).
    pub(crate) struct Logs {
        pub eval: butterfly_store::Log<RolloutRow>,
        pub iterates: butterfly_store::Log<IterateRow>,
    }
}
