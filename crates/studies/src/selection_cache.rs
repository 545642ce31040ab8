//! The rollouts a selection made, kept so that a killed selection resumes without repeating one: an
//! append-only CSV per selection seed (`select/seed<S>/rollouts.csv` in the run). Each row is written in
//! one call, so a kill can tear only the last line, which reopening cuts off. One selection at a time
//! holds the file (an exclusive lock, released when its process ends).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use butterfly_store::{LogRow, StoreError, read_log};

use crate::StudyError;

butterfly_store::log_row! {
    /// The return of one arm from the selection's initial condition number `ic`.
    pub struct SelectionRollout in "rollouts.csv" {
        ic: usize => "ic",
        step: u64 => "step",
        variant: String => "variant",
        ret: f64 => "return",
        length: usize => "length",
    }
    key(row) = (row.ic as u64, format!("{} {}", row.step, row.variant));
}

pub struct SelectionCache {
    path: PathBuf,
    file: File,
    /// (ic, step, variant) → return.
    returns: HashMap<(usize, u64, String), f64>,
}

impl SelectionCache {
    /// Opens (or starts) the cache in `dir`, cutting a torn last line and reading back every row.
    pub fn open(dir: &Path) -> Result<Self, StudyError> {
        let path = dir.join(SelectionRollout::FILE);
        let io = |e: std::io::Error| StudyError::Path { path: path.clone(), what: e.to_string() };
        std::fs::create_dir_all(dir).map_err(io)?;
        let file = OpenOptions::new().read(true).append(true).create(true).open(&path).map_err(io)?;
        file.try_lock().map_err(|_| StudyError::Path {
            path: path.clone(),
            what: "another `butterfly select` with this seed is using it; wait for it to finish".into(),
        })?;
        let bytes = std::fs::read(&path).map_err(io)?;
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if whole < bytes.len() {
            file.set_len(whole as u64).map_err(io)?;
        }
        let mut cache = Self { path: path.clone(), file, returns: HashMap::new() };
        if whole == 0 {
            cache.write_line(SelectionRollout::HEADER)?;
        }
        for row in read_log::<SelectionRollout>(dir)? {
            cache.returns.insert((row.ic, row.step, row.variant), row.ret);
        }
        Ok(cache)
    }

    pub fn get(&self, ic: usize, step: u64, variant: &str) -> Option<f64> {
        self.returns.get(&(ic, step, variant.to_string())).copied()
    }

    pub fn append(&mut self, row: SelectionRollout) -> Result<(), StudyError> {
        self.write_line(&row.line())?;
        self.returns.insert((row.ic, row.step, row.variant), row.ret);
        Ok(())
    }

    /// One line in one write: a kill leaves it whole or torn, never interleaved.
    fn write_line(&mut self, line: &str) -> Result<(), StudyError> {
        let error = |e: std::io::Error| StoreError::Write { path: self.path.clone(), error: e };
        self.file.write_all(format!("{line}\n").as_bytes()).map_err(error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ic: usize, ret: f64) -> SelectionRollout {
        SelectionRollout { ic, step: 5, variant: "raw".into(), ret, length: 10 }
    }

    #[test]
    fn reopening_reads_every_whole_row_and_cuts_a_torn_one() {
        let dir = std::env::temp_dir().join(format!("butterfly-selection-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let mut cache = SelectionCache::open(&dir).unwrap();
            cache.append(row(0, 1.5)).unwrap();
            cache.append(row(1, 2.5)).unwrap();
            // A second selection of the same seed is refused while this one holds the file.
            assert!(SelectionCache::open(&dir).err().unwrap().to_string().contains("another `butterfly select`"));
        }
        // A kill in the middle of a row.
        let path = dir.join("rollouts.csv");
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"2,5,raw,3.").unwrap();
        drop(f);
        let mut cache = SelectionCache::open(&dir).unwrap();
        assert_eq!(
            (cache.get(0, 5, "raw"), cache.get(1, 5, "raw"), cache.get(2, 5, "raw")),
            (Some(1.5), Some(2.5), None)
        );
        cache.append(row(2, 3.5)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "ic,step,variant,return,length\n0,5,raw,1.5,10\n1,5,raw,2.5,10\n2,5,raw,3.5,10\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
