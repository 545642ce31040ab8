//! The CSV logs of a SAC run, one typed row per file.

use std::path::Path;

use butterfly_store::{Checkpoint, Log, LogRow, StoreError, field, finite};

/// One training episode (`episodes.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeRow {
    pub step: u64,
    pub ret: f64,
    pub length: usize,
}

impl LogRow for EpisodeRow {
    const FILE: &'static str = "episodes.csv";
    const HEADER: &'static str = "step,return,length";
    fn line(&self) -> String {
        format!("{},{:?},{}", self.step, self.ret, self.length)
    }
    fn parse(f: &[&str]) -> Result<Self, String> {
        Ok(Self { step: field(f, 0, "step")?, ret: finite(f, 1, "return")?, length: field(f, 2, "length")? })
    }
    fn key(&self) -> (u64, String) {
        (self.step, String::new())
    }
}

/// One deterministic evaluation over the fixed initial conditions (`eval.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct EvalRow {
    pub step: u64,
    pub mean_return: f64,
    pub std_return: f64,
    pub min_return: f64,
    pub max_return: f64,
    pub mean_length: f64,
}

impl LogRow for EvalRow {
    const FILE: &'static str = "eval.csv";
    const HEADER: &'static str = "step,mean_return,std_return,min_return,max_return,mean_length";
    fn line(&self) -> String {
        format!(
            "{},{:?},{:?},{:?},{:?},{:?}",
            self.step, self.mean_return, self.std_return, self.min_return, self.max_return, self.mean_length
        )
    }
    fn parse(f: &[&str]) -> Result<Self, String> {
        Ok(Self {
            step: field(f, 0, "step")?,
            mean_return: finite(f, 1, "mean_return")?,
            std_return: finite(f, 2, "std_return")?,
            min_return: finite(f, 3, "min_return")?,
            max_return: finite(f, 4, "max_return")?,
            mean_length: finite(f, 5, "mean_length")?,
        })
    }
    fn key(&self) -> (u64, String) {
        (self.step, String::new())
    }
}

/// Wall-clock figures (`timing.csv`), apart so that the other logs are identical between identical runs.
#[derive(Debug, Clone, PartialEq)]
pub struct TimingRow {
    pub step: u64,
    pub elapsed_s: f64,
    pub steps_per_s: f64,
}

impl LogRow for TimingRow {
    const FILE: &'static str = "timing.csv";
    const HEADER: &'static str = "step,elapsed_s,steps_per_s";
    const BY_ROWS: bool = true;
    fn line(&self) -> String {
        format!("{},{:.3},{:.2}", self.step, self.elapsed_s, self.steps_per_s)
    }
    fn parse(f: &[&str]) -> Result<Self, String> {
        Ok(Self {
            step: field(f, 0, "step")?,
            elapsed_s: field(f, 1, "elapsed_s")?,
            steps_per_s: field(f, 2, "steps_per_s")?,
        })
    }
    fn key(&self) -> (u64, String) {
        (self.step, String::new())
    }
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
