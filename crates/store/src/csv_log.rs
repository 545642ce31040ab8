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
            return Err(StoreError::ShortLog { path: path.to_path_buf(), reason: format!("{len} bytes recorded") });
        }
        file.set_len(len).map_err(io)?;
        Self::append(path)
    }

    /// An existing log cut back to its header and first `rows` rows, then appended to: for logs whose
    /// byte length varies between identical runs (wall-clock figures), so that checkpoints need not.
    pub fn resume_rows(path: &Path, rows: u64) -> Result<Self, StoreError> {
        let text = std::fs::read(path).map_err(|source| StoreError::Read { path: path.to_path_buf(), source })?;
        let ends: Vec<usize> = text.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1).collect();
        match ends.get(rows as usize) {
            Some(&len) => Self::resume(path, len as u64),
            None => Err(StoreError::ShortLog { path: path.to_path_buf(), reason: format!("{rows} rows recorded") }),
        }
    }

    /// Data rows so far (lines after the header).
    pub fn rows(&self) -> Result<u64, StoreError> {
        let text = std::fs::read(&self.path).map_err(|source| StoreError::Read { path: self.path.clone(), source })?;
        Ok(text.iter().filter(|b| **b == b'\n').count().saturating_sub(1) as u64)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_cuts_back_by_bytes_or_by_rows() {
        let path = std::env::temp_dir().join(format!("butterfly-csvlog-{}.csv", std::process::id()));
        let mut log = CsvLog::create(&path, "step,x").unwrap();
        log.row("1,0.5").unwrap();
        let (bytes, rows) = (log.len().unwrap(), log.rows().unwrap());
        log.row("2,0.25").unwrap();
        log.row("3,0.125").unwrap();
        assert_eq!((rows, log.rows().unwrap()), (1, 3));
        drop(log);
        let mut by_rows = CsvLog::resume_rows(&path, 2).unwrap();
        by_rows.row("3,9").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "step,x\n1,0.5\n2,0.25\n3,9\n");
        drop(by_rows);
        CsvLog::resume(&path, bytes).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "step,x\n1,0.5\n");
        assert!(matches!(CsvLog::resume_rows(&path, 5), Err(StoreError::ShortLog { .. })));
        assert!(matches!(CsvLog::resume(&path, 1000), Err(StoreError::ShortLog { .. })));
        std::fs::remove_file(&path).unwrap();
    }
}
