//! A run's TensorBoard event file, written as the run goes beside its CSVs (`tensorboard/` in the run
//! directory: `tensorboard --logdir RUN/tensorboard`). Like a CSV log it is append-only, its length and
//! checksum go into every checkpoint, and a resumed run cuts it back there, so that after a kill no step
//! appears twice.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::csv_log::{read_bytes, write_err};
use crate::tfevents::{file_version_event, record, scalar_event, valid_prefix};
use crate::{Checkpoint, StoreError};

/// The folder inside a run directory, TensorBoard's `--logdir` for the run.
pub const EVENTS_DIR: &str = "tensorboard";
/// One file per run: TensorBoard finds event files by `tfevents` in their name.
const EVENTS_FILE: &str = "events.out.tfevents.0.butterfly";
/// The file's length in checkpoints.
const LENGTH: &str = "log.tensorboard.bytes";

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
        let recorded = checkpoint.and_then(|c| c.count(LENGTH).ok().map(|len| (c, len)));
        let cut_to = match recorded {
            Some((c, len)) => {
                let bytes = read_bytes(&path)?;
                let whole = usize::try_from(len).is_ok_and(|l| l <= bytes.len() && valid_prefix(&bytes[..l]) == l);
                if !whole {
                    let what = format!("{} bytes recorded are not whole records: the file was edited or torn", len);
                    return Err(StoreError::Checkpoint {
                        path: path.clone(),
                        what: format!("{}: {what}", c.path().display()),
                    });
                }
                Some(len)
            }
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
        let len = self.file.metadata().map_err(|e| StoreError::Read { path: self.path.clone(), error: e })?.len();
        checkpoint.put_count(LENGTH, len);
        Ok(())
    }

    pub fn cut_back(&mut self) -> Result<(), StoreError> {
        if let Some(len) = self.cut_to.take() {
            self.file.set_len(len).map_err(write_err(&self.path))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_file_is_cut_back_to_its_checkpoint_and_an_edited_one_refused() {
        let dir = std::env::temp_dir().join(format!("butterfly-events-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut log = EventLog::open(&dir, None).unwrap();
        log.scalar(1, "loss", 0.5).unwrap();
        let mut c = Checkpoint::new("t");
        log.record(&mut c).unwrap();
        let at = std::fs::metadata(&log.path).unwrap().len();
        log.scalar(2, "loss", 0.25).unwrap();
        drop(log);
        let mut log = EventLog::open(&dir, Some(&c)).unwrap();
        log.cut_back().unwrap();
        assert_eq!(std::fs::metadata(&log.path).unwrap().len(), at);
        // A byte flipped before the recorded length: refused, the file left as it is.
        let mut bytes = std::fs::read(&log.path).unwrap();
        bytes[at as usize - 2] ^= 1;
        std::fs::write(&log.path, &bytes).unwrap();
        let err = EventLog::open(&dir, Some(&c)).unwrap_err().to_string();
        assert!(err.contains("edited or torn"), "{err}");
        assert_eq!(std::fs::read(&log.path).unwrap(), bytes);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
