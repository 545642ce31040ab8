//! What a BC run directory holds besides the config and checkpoint every run has: the expert data,
//! the expert's returns, the kept parameters, and one typed row per CSV log.

use std::path::Path;

use butterfly_store::{Checkpoint, Log, LogRow, StoreError, field, finite};

pub use butterfly_store::run_dir::{CHECKPOINT, CONFIG};

pub const TRAIN_DATA: &str = "data/train.safetensors";
pub const VALIDATION_DATA: &str = "data/validation.safetensors";

/// The parameters of every variant (tensors named `raw` and after each stabilizer) at evaluation `step`.
pub fn params_file(step: u64) -> String {
    format!("checkpoints/params_{step:08}.safetensors")
}

/// Training loss, every `eval.log_every` updates (`metrics.csv`).
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

/// J_H of one variant from one initial condition.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutRow {
    pub step: u64,
    pub variant: String,
    pub ic: usize,
    pub ret: f64,
    pub length: usize,
}

impl LogRow for RolloutRow {
    /// At every evaluation.
    const FILE: &'static str = "eval.csv";
    const HEADER: &'static str = "step,variant,ic,return,length";
    fn line(&self) -> String {
        format!("{},{},{},{:?},{}", self.step, self.variant, self.ic, self.ret, self.length)
    }
    fn parse(f: &[&str]) -> Result<Self, String> {
        Ok(Self {
            step: field(f, 0, "step")?,
            variant: f[1].to_string(),
            ic: field(f, 2, "ic")?,
            ret: finite(f, 3, "return")?,
            length: field(f, 4, "length")?,
        })
    }
    fn key(&self) -> (u64, String) {
        (self.step, format!("{} ic {}", self.variant, self.ic))
    }
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

/// Held-out BC loss per evaluation and variant (`validation.csv`).
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

/// The expert's J_H per evaluation initial condition (`expert.csv`, written once): the yardstick of
/// the oscillation metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpertRow {
    pub ic: usize,
    pub ret: f64,
    pub length: usize,
}

impl LogRow for ExpertRow {
    const FILE: &'static str = "expert.csv";
    const HEADER: &'static str = "ic,return,length";
    fn line(&self) -> String {
        format!("{},{:?},{}", self.ic, self.ret, self.length)
    }
    fn parse(f: &[&str]) -> Result<Self, String> {
        Ok(Self { ic: field(f, 0, "ic")?, ret: finite(f, 1, "return")?, length: field(f, 2, "length")? })
    }
    fn key(&self) -> (u64, String) {
        (self.ic as u64, String::new())
    }
}

/// The logs a BC trainer appends to.
pub(crate) struct Logs {
    pub metrics: Log<MetricsRow>,
    pub eval: Log<RolloutRow>,
    pub validation: Log<ValidationRow>,
    pub iterates: Log<IterateRow>,
    pub timing: Log<TimingRow>,
}

impl Logs {
    /// New logs with headers, or the existing ones checked against
    /// what `checkpoint` recorded (cut back to it by [`Logs::cut_back`]).
    pub fn open(dir: &Path, checkpoint: Option<&Checkpoint>) -> Result<Self, StoreError> {
        Ok(Self {
            metrics: Log::open(dir, checkpoint)?,
            eval: Log::open(dir, checkpoint)?,
            validation: Log::open(dir, checkpoint)?,
            iterates: Log::open(dir, checkpoint)?,
            timing: Log::open(dir, checkpoint)?,
        })
    }

    pub fn record(&self, checkpoint: &mut Checkpoint) -> Result<(), StoreError> {
        self.metrics.record(checkpoint)?;
        self.eval.record(checkpoint)?;
        self.validation.record(checkpoint)?;
        self.iterates.record(checkpoint)?;
        self.timing.record(checkpoint)
    }

    /// Cuts every log back to the checkpoint, once it has been restored.
    pub(crate) fn cut_back(&mut self) -> Result<(), StoreError> {
        self.metrics.cut_back()?;
        self.eval.cut_back()?;
        self.validation.cut_back()?;
        self.iterates.cut_back()?;
        self.timing.cut_back()?;
        Ok(())
    }
}
