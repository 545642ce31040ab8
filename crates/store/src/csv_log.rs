//! Typed CSV logs: one row type per file, one writer that appends and, on resume, cuts the file back to
//! the position its checkpoint recorded (checked: a torn or edited prefix is refused), and one reader
//! that refuses a damaged file with the file and row named.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use crate::{Checkpoint, LogRow, StoreError, checksum};

/// The open, appending writer of one log.
#[derive(Debug)]
pub struct Log<R: LogRow> {
    path: PathBuf,
    file: File,
    /// The length to cut a resumed log back to.
    cut_to: Option<u64>,
    _row: PhantomData<R>,
}

pub(crate) fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Write { path: path.to_path_buf(), error: source }
}

pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, StoreError> {
    std::fs::read(path).map_err(|source| StoreError::Read { path: path.to_path_buf(), error: source })
}

impl<R: LogRow> Log<R> {
    /// A new log holding only its header (in a fresh run), or the existing one with the position
    /// `checkpoint` recorded checked, to be cut back to it by [`Log::cut_back`] once the rest of the
    /// checkpoint has been restored: a bad checkpoint touches no log.
    pub fn open(dir: &Path, checkpoint: Option<&Checkpoint>) -> Result<Self, StoreError> {
        let path = dir.join(R::FILE);
        let cut_to = match checkpoint {
            None => {
                std::fs::write(&path, format!("{}\n", R::HEADER)).map_err(write_err(&path))?;
                None
            }
            Some(c) => Some(Self::recorded_len(&path, c)?),
        };
        let file = OpenOptions::new().append(true).open(&path).map_err(write_err(&path))?;
        Ok(Self { path, file, cut_to, _row: PhantomData })
    }

    /// Cuts a resumed log back to its checkpoint (rows written after it by a killed run go).
    pub fn cut_back(&mut self) -> Result<(), StoreError> {
        if let Some(len) = self.cut_to.take() {
            self.file.set_len(len).map_err(write_err(&self.path))?;
        }
        Ok(())
    }

    /// The byte length the checkpoint recorded, checked against the file: long enough, ending on a row
    /// boundary, and (for logs recorded by bytes) with the same content up to there.
    fn recorded_len(path: &Path, c: &Checkpoint) -> Result<u64, StoreError> {
        let bytes = read_bytes(path)?;
        let short = |reason: String| StoreError::ShortLog { path: path.to_path_buf(), reason };
        let len = if R::BY_ROWS {
            let rows = c.count(&format!("log.{}.rows", R::FILE))?;
            let ends: Vec<usize> = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1).collect();
            *ends.get(rows as usize).ok_or_else(|| short(format!("{rows} rows recorded")))?
        } else {
            let at_row_end = |len: usize| len > 0 && bytes[len - 1] == b'\n';
            recorded_prefix(path, &bytes, c, R::FILE, at_row_end)?
        };
        Ok(len as u64)
    }

    pub fn append(&mut self, row: &R) -> Result<(), StoreError> {
        writeln!(self.file, "{}", row.line()).map_err(write_err(&self.path))
    }

    /// Records this log's position in `checkpoint`.
    pub fn record(&self, checkpoint: &mut Checkpoint) -> Result<(), StoreError> {
        let bytes = read_bytes(&self.path)?;
        if R::BY_ROWS {
            // Data rows, after the header.
            let rows = bytes.iter().filter(|b| **b == b'\n').count().saturating_sub(1);
            checkpoint.put_count(&format!("log.{}.rows", R::FILE), rows as u64);
        } else {
            record_prefix(checkpoint, R::FILE, &bytes);
        }
        Ok(())
    }
}

/// Records the length and checksum of an append-only file (`name` inside the run) in `checkpoint`.
fn record_prefix(checkpoint: &mut Checkpoint, name: &str, bytes: &[u8]) {
    checkpoint.put_count(&format!("log.{name}.bytes"), bytes.len() as u64);
    checkpoint.set_meta(&format!("log.{name}.crc32"), checksum(bytes));
}

/// The length [`record_prefix`] recorded for `name`, checked against the file's `bytes`: long enough, at a
/// boundary the file's format accepts, and the same content up to there.
fn recorded_prefix(
    path: &Path,
    bytes: &[u8],
    c: &Checkpoint,
    name: &str,
    at_boundary: impl Fn(usize) -> bool,
) -> Result<usize, StoreError> {
    let len = c.count(&format!("log.{name}.bytes"))?;
    let len = usize::try_from(len)
        .ok()
        .filter(|&l| l <= bytes.len())
        .ok_or_else(|| StoreError::ShortLog { path: path.to_path_buf(), reason: format!("{len} bytes recorded") })?;
    if !at_boundary(len) {
        return Err(c.invalid(format!("records {name} at {len} bytes, which is not the end of a row")));
    }
    if checksum(&bytes[..len]) != c.meta(&format!("log.{name}.crc32"))? {
        return Err(StoreError::Checkpoint {
            path: path.to_path_buf(),
            what: format!("its first {len} bytes differ from what the checkpoint recorded: the log was edited"),
        });
    }
    Ok(len)
}

/// Every row of the log `R` in `dir`, refusing with file and line named: a missing or wrong header, a
/// line that does not parse, a row whose step goes back, a duplicated row.
pub fn read_log<R: LogRow>(dir: &Path) -> Result<Vec<R>, StoreError> {
    let path = dir.join(R::FILE);
    let bytes = read_bytes(&path)?;
    let bad = |line: usize, what: String| StoreError::Log { path: path.clone(), line, what };
    let text = String::from_utf8(bytes).map_err(|_| bad(0, "is not UTF-8 text".into()))?;
    let mut lines = text.lines();
    match lines.next() {
        Some(h) if h == R::HEADER => {}
        Some(h) => return Err(bad(1, format!("header is '{h}', expected '{}'", R::HEADER))),
        None => return Err(bad(1, format!("is empty; expected the header '{}'", R::HEADER))),
    }
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    let mut last_step = 0;
    for (k, line) in lines.enumerate() {
        let n = k + 2;
        let fields: Vec<&str> = line.split(',').collect();
        let width = R::HEADER.split(',').count();
        if fields.len() != width {
            return Err(bad(n, format!("has {} fields, expected {width}", fields.len())));
        }
        let row = R::parse(&fields).map_err(|what| bad(n, what))?;
        let (step, rest) = row.key();
        if step < last_step {
            return Err(bad(n, format!("step {step} comes after step {last_step}")));
        }
        last_step = step;
        if !seen.insert((step, rest.clone())) {
            return Err(bad(n, format!("repeats the row of step {step} {rest}")));
        }
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::log_row! {
        pub struct Loss in "loss.csv" {
            step: u64 => "step",
            loss: f64 => "loss",
        }
        key(row) = (row.step, String::new());
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("butterfly-log-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn resume_cuts_back_to_the_recorded_position_and_checks_it() {
        let dir = scratch("resume");
        let mut log = Log::<Loss>::open(&dir, None).unwrap();
        log.append(&Loss { step: 1, loss: 0.5 }).unwrap();
        let mut c = Checkpoint::new("t");
        log.record(&mut c).unwrap();
        log.append(&Loss { step: 2, loss: 0.25 }).unwrap();
        drop(log);
        let mut log = Log::<Loss>::open(&dir, Some(&c)).unwrap();
        log.cut_back().unwrap();
        log.append(&Loss { step: 2, loss: 9.0 }).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("loss.csv")).unwrap(), "step,loss\n1,0.5\n2,9.0\n");
        // An edit before the recorded position is refused.
        std::fs::write(dir.join("loss.csv"), "step,loss\n1,0.7\n").unwrap();
        assert!(Log::<Loss>::open(&dir, Some(&c)).unwrap_err().to_string().contains("edited"));
        // A position inside a row is refused.
        c.put_count("log.loss.csv.bytes", 12);
        assert!(Log::<Loss>::open(&dir, Some(&c)).unwrap_err().to_string().contains("end of a row"));
    }

    #[test]
    fn reading_refuses_damage_with_file_and_line() {
        let dir = scratch("read");
        let cases = [
            ("", "empty"),
            ("1,0.5\n", "header"),
            ("step,loss\n1,0.5\n1,0.5\n", "line 3: repeats"),
            ("step,loss\n2,0.5\n1,0.5\n", "line 3: step 1 comes after"),
            ("step,loss\n1,inf\n", "line 2: loss is inf"),
            ("step,loss\n1,x\n", "line 2: loss 'x'"),
            ("step,loss\n1\n", "line 2: has 1 fields"),
        ];
        for (text, want) in cases {
            std::fs::write(dir.join("loss.csv"), text).unwrap();
            let err = read_log::<Loss>(&dir).unwrap_err().to_string();
            assert!(err.contains(want) && err.contains("loss.csv"), "{text:?}: {err}");
        }
        std::fs::write(dir.join("loss.csv"), "step,loss\n1,0.5\n2,0.25\n").unwrap();
        assert_eq!(read_log::<Loss>(&dir).unwrap(), vec![Loss { step: 1, loss: 0.5 }, Loss { step: 2, loss: 0.25 }]);
    }
}
