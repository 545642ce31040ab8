//! Append-only CSV logs that a resumed run truncates back to its last checkpoint, so that a killed run
//! never leaves rows the checkpoint does not know about.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::StoreError;

pub struct CsvLog {
    path: PathBuf,
    file: File,
}

impl CsvLog {
    /// A new log holding only `header` (an existing file is replaced).
    pub fn create(path: &Path, header: &str) -> Result<Self, StoreError> {
        let io = |source| StoreError::Write { path: path.to_path_buf(), source };
        std::fs::write(path, format!("{header}\n")).map_err(io)?;
        Self::append(path)
    }

    /// An existing log cut back to `len` bytes (the length a checkpoint recorded), then appended to.
    pub fn resume(path: &Path, len: u64) -> Result<Self, StoreError> {
        let io = |source| StoreError::Write { path: path.to_path_buf(), source };
        let file = OpenOptions::new().write(true).open(path).map_err(io)?;
        if file.metadata().map_err(io)?.len() < len {
            return Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                reason: format!("shorter than the {len} bytes the checkpoint recorded"),
            });
        }
        file.set_len(len).map_err(io)?;
        Self::append(path)
    }

    fn append(path: &Path) -> Result<Self, StoreError> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| StoreError::Write { path: path.to_path_buf(), source })?;
        Ok(Self { path: path.to_path_buf(), file })
    }

    pub fn row(&mut self, line: &str) -> Result<(), StoreError> {
        writeln!(self.file, "{line}").map_err(|source| StoreError::Write { path: self.path.clone(), source })
    }

    /// The current length in bytes (what a checkpoint records).
    pub fn len(&self) -> Result<u64, StoreError> {
        self.file.metadata().map(|m| m.len()).map_err(|source| StoreError::Read { path: self.path.clone(), source })
    }

    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }
}
