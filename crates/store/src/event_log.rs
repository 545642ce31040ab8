//! A run's TensorBoard event file, written as the run goes beside its CSVs (`tensorboard/` in the run
//! directory: `tensorboard --logdir RUN/tensorboard`). Like a CSV log it is append-only, its length and
//! checksum go into every checkpoint, and a resumed run cuts it back there, so that after a kill no step
//! appears twice.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::csv_log::{read_bytes, record_prefix, recorded_prefix, write_err};
use crate::tfevents::{file_version_event, record, scalar_event};
use crate::{Checkpoint, StoreError};

/// The folder inside a run directory, TensorBoard's `--logdir` for the run.
pub const EVENTS_DIR: &str = "tensorboard";
/// One file per run: TensorBoard finds event files by `tfevents` in their name.
const EVENTS_FILE: &str = "events.out.tfevents.0.butterfly";
/// The file's name in checkpoints.
const KEY: &str = "tensorboard";

#[derive(Debug)]
pub struct EventLog {
    path: PathBuf,
    file: File,
    cut_to: Option<u64>,
}

fn wall_time() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

impl EventLog {
    /// A new event file (a fresh run, or a run checkpointed before event files were written), or the
    /// existing one with the length `checkpoint` recorded checked, cut back by [`EventLog::cut_back`].
    pub fn open(dir: &Path, checkpoint: Option<&Checkpoint>) -> Result<Self, StoreError> {
        let folder = dir.join(EVENTS_DIR);
        std::fs::create_dir_all(&folder).map_err(write_err(&folder))?;
        let path = folder.join(EVENTS_FILE);
        let recorded = checkpoint.filter(|c| c.count(&format!("log.{KEY}.bytes")).is_ok());
        let cut_to = match recorded {
            // Records carry their own lengths and checksums: the checksum of the prefix catches a recorded
            // length that is not a record's end.
            Some(c) => Some(recorded_prefix(&path, &read_bytes(&path)?, c, KEY, |_| true)? as u64),
            None => {
                std::fs::write(&path, record(&file_version_event(wall_time()))).map_err(write_err(&path))?;
                None
            }
        };
        let file = OpenOptions::new().append(true).open(&path).map_err(write_err(&path))?;
        Ok(Self { path, file, cut_to })
    }

    /// Appends one scalar (TensorBoard stores them as f32).
    pub fn scalar(&mut self, step: u64, tag: &str, value: f64) -> Result<(), StoreError> {
        let bytes = record(&scalar_event(wall_time(), step, tag, value as f32));
        self.file.write_all(&bytes).map_err(write_err(&self.path))
    }

    pub fn record(&self, checkpoint: &mut Checkpoint) -> Result<(), StoreError> {
        record_prefix(checkpoint, KEY, &read_bytes(&self.path)?);
        Ok(())
    }

    pub fn cut_back(&mut self) -> Result<(), StoreError> {
        if let Some(len) = self.cut_to.take() {
            self.file.set_len(len).map_err(write_err(&self.path))?;
        }
        Ok(())
    }
}
