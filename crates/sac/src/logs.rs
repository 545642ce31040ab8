//! The CSV logs of a SAC run, one typed row per file.

use std::path::Path;

use butterfly_store::{Checkpoint, Log, StoreError};

butterfly_store::log_row! {
    /// One training episode (`episodes.csv`).
    pub struct EpisodeRow in "episodes.csv" {
        step: u64 => "step",
        ret: f64 => "return",
        length: usize => "length",
    }
    key(row) = (row.step, String::new());
}

butterfly_store::log_row! {
    /// One deterministic evaluation over the fixed initial conditions (`eval.csv`).
    pub struct EvalRow in "eval.csv" {
        step: u64 => "step",
        mean_return: f64 => "mean_return",
        std_return: f64 => "std_return",
        min_return: f64 => "min_return",
        max_return: f64 => "max_return",
        mean_length: f64 => "mean_length",
    }
    key(row) = (row.step, String::new());
}

butterfly_store::log_row! {
    /// Wall-clock figures (`timing.csv`), apart so that the other logs are identical between identical runs.
    pub struct TimingRow in "timing.csv", by_rows {
        step: u64 => "step",
        elapsed_s: f64 => "elapsed_s" as "{:.3}",
        steps_per_s: f64 => "steps_per_s" as "{:.2}",
    }
    key(row) = (row.step, String::new());
}

pub(crate) struct Logs {
    pub(crate) episodes: Log<EpisodeRow>,
    pub(crate) eval: Log<EvalRow>,
    pub(crate) timing: Log<TimingRow>,
}

impl Logs {
    /// New logs with their headers, or the existing ones checked against
    /// what `checkpoint` recorded (cut back to it by [`Logs::cut_back`]).
    pub(crate) fn open(dir: &Path, checkpoint: Option<&Checkpoint>) -> Result<Self, StoreError> {
        Ok(Self {
            episodes: Log::open(dir, checkpoint)?,
            eval: Log::open(dir, checkpoint)?,
            timing: Log::open(dir, checkpoint)?,
        })
    }

    pub(crate) fn record(&self, checkpoint: &mut Checkpoint) -> Result<(), StoreError> {
        self.episodes.record(checkpoint)?;
        self.eval.record(checkpoint)?;
        self.timing.record(checkpoint)
    }

    /// Cuts every log back to the checkpoint, once it has been restored.
    pub(crate) fn cut_back(&mut self) -> Result<(), StoreError> {
        self.episodes.cut_back()?;
        self.eval.cut_back()?;
        self.timing.cut_back()?;
        Ok(())
    }
}
