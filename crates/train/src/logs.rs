//! The logs the loop itself writes, one typed row per file.

use std::path::Path;

use butterfly_store::{Checkpoint, Log, StoreError};

butterfly_store::log_row! {
    /// Training loss, every `log_every` updates (`metrics.csv`).
    pub struct MetricsRow in "metrics.csv" {
        step: u64 => "step",
        lr: f64 => "lr",
        train_loss: f64 => "train_loss",
    }
    key(row) = (row.step, String::new());
}

butterfly_store::log_row! {
    /// Held-out loss per evaluation and variant (`validation.csv`).
    pub struct ValidationRow in "validation.csv" {
        step: u64 => "step",
        variant: String => "variant",
        val_loss: f64 => "val_loss",
    }
    key(row) = (row.step, row.variant.clone());
}

butterfly_store::log_row! {
    /// Wall-clock figures (`timing.csv`), apart so that the other logs are identical between identical runs.
    pub struct TimingRow in "timing.csv", by_rows {
        step: u64 => "step",
        elapsed_s: f64 => "elapsed_s" as "{:.3}",
        updates_per_s: f64 => "updates_per_s" as "{:.2}",
        eval_s: f64 => "eval_s" as "{:.3}",
    }
    key(row) = (row.step, String::new());
}

pub(crate) struct LoopLogs {
    pub metrics: Log<MetricsRow>,
    pub validation: Log<ValidationRow>,
    pub timing: Log<TimingRow>,
}

impl LoopLogs {
    /// New logs with headers, or the existing ones checked against what `checkpoint` recorded (cut
    /// back to it by [`LoopLogs::cut_back`]).
    pub fn open(dir: &Path, checkpoint: Option<&Checkpoint>) -> Result<Self, StoreError> {
        Ok(Self {
            metrics: Log::open(dir, checkpoint)?,
            validation: Log::open(dir, checkpoint)?,
            timing: Log::open(dir, checkpoint)?,
        })
    }

    pub fn record(&self, checkpoint: &mut Checkpoint) -> Result<(), StoreError> {
        self.metrics.record(checkpoint)?;
        self.validation.record(checkpoint)?;
        self.timing.record(checkpoint)
    }

    pub fn cut_back(&mut self) -> Result<(), StoreError> {
        self.metrics.cut_back()?;
        self.validation.cut_back()?;
        self.timing.cut_back()
    }
}
