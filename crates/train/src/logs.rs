//! The logs the loop itself writes, one typed row per file.

use std::path::Path;

use butterfly_store::{Checkpoint, Log, LogRow, StoreError, field, finite};

/// Training loss, every `log_every` updates (`metrics.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsRow {
    pub step: u64,
    pub lr: f64,
    pub train_loss: f64,
}

impl LogRow for MetricsRow {
    const FILE: &'static str = "metrics.csv";
    const HEADER: &'static str = "step,lr,train_loss";
    fn line(&self) -> String {
        format!("{},{:?},{:?}", self.step, self.lr, self.train_loss)
    }
    fn parse(f: &[&str]) -> Result<Self, String> {
        Ok(Self { step: field(f, 0, "step")?, lr: finite(f, 1, "lr")?, train_loss: finite(f, 2, "train_loss")? })
    }
    fn key(&self) -> (u64, String) {
        (self.step, String::new())
    }
}

/// Held-out loss per evaluation and variant (`validation.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationRow {
    pub step: u64,
    pub variant: String,
    pub val_loss: f64,
}

impl LogRow for ValidationRow {
    const FILE: &'static str = "validation.csv";
    const HEADER: &'static str = "step,variant,val_loss";
    fn line(&self) -> String {
        format!("{},{},{:?}", self.step, self.variant, self.val_loss)
    }
    fn parse(f: &[&str]) -> Result<Self, String> {
        Ok(Self { step: field(f, 0, "step")?, variant: f[1].to_string(), val_loss: finite(f, 2, "val_loss")? })
    }
    fn key(&self) -> (u64, String) {
        (self.step, self.variant.clone())
    }
}

/// Wall-clock figures (`timing.csv`), apart so that the other logs are identical between identical runs.
#[derive(Debug, Clone, PartialEq)]
pub struct TimingRow {
    pub step: u64,
    pub elapsed_s: f64,
    pub updates_per_s: f64,
    pub eval_s: f64,
}

impl LogRow for TimingRow {
    const FILE: &'static str = "timing.csv";
    const HEADER: &'static str = "step,elapsed_s,updates_per_s,eval_s";
    const BY_ROWS: bool = true;
    fn line(&self) -> String {
        format!("{},{:.3},{:.2},{:.3}", self.step, self.elapsed_s, self.updates_per_s, self.eval_s)
    }
    fn parse(f: &[&str]) -> Result<Self, String> {
        Ok(Self {
            step: field(f, 0, "step")?,
            elapsed_s: field(f, 1, "elapsed_s")?,
            updates_per_s: field(f, 2, "updates_per_s")?,
            eval_s: field(f, 3, "eval_s")?,
        })
    }
    fn key(&self) -> (u64, String) {
        (self.step, String::new())
    }
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
