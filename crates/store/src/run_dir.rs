//! The run directory every trainer writes: its resolved `config.toml` first, an exclusive lock held for
//! the writer's whole life, atomic writes, and the rule that a directory is always either continued or
//! refused with a reason — never torn by two writers, never stuck after a crash.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Checkpoint, StoreError, write_atomic};

pub const CONFIG: &str = "config.toml";
pub use crate::checkpoint::CHECKPOINT;
/// Holds the writer's PID. The lock itself (flock on the directory) dies with the process, so a crash
/// leaves no stale lock; this file is only its label.
pub const LOCK: &str = "run.lock";

/// How a claimed directory starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Nothing there yet (or only a config written by a run that died before its first checkpoint).
    Fresh,
    /// A checkpoint to continue from.
    Checkpointed,
}

/// A locked run directory.
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
    /// The locked directory (or, where directories cannot be locked, `run.lock`), kept open: dropping it
    /// releases the lock.
    _lock: File,
    /// Whether this process wrote the config (a new run) and made the directory itself, so that a
    /// failure before training removes what it made.
    wrote_config: bool,
    made_dir: bool,
    /// The stored config, as claimed or opened.
    config: String,
}

/// The refusal a second writer gets, naming the holder when `run.lock` does.
fn in_use(path: &Path) -> StoreError {
    let holder = std::fs::read_to_string(path.join(LOCK)).unwrap_or_default();
    let holder = holder.trim();
    let who = if holder.is_empty() { "another process".to_string() } else { format!("process {holder}") };
    StoreError::RunDir {
        path: path.to_path_buf(),
        what: format!("is in use by {who} (PID in {LOCK}): wait for it to finish or stop it"),
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Write { path: path.to_path_buf(), error: source }
}

impl RunDir {
    /// Claims `path` for a run whose resolved config is `config`: a new or empty directory becomes a
    /// fresh run; a run of the same config is continued (from its checkpoint, or from nothing when it
    /// died before one); a run of another config, or any other non-empty directory, is refused.
    pub fn claim(path: &Path, config: &str) -> Result<(Self, Start), StoreError> {
        let existed = path.exists();
        std::fs::create_dir_all(path).map_err(io(path))?;
        let mut run = Self::lock(path)?;
        run.made_dir = !existed;
        match run.config() {
            Ok(stored) if stored == config => {
                run.config = stored;
                let start = run.start();
                if start == Start::Fresh {
                    run.clear()?;
                }
                run.record_holder()?;
                Ok((run, start))
            }
            Ok(_) => Err(StoreError::RunDir {
                path: path.to_path_buf(),
                what: "holds a run of another config: choose another directory, or resume it as it is".into(),
            }),
            Err(_) if run.is_empty()? => {
                run.wrote_config = true;
                run.write(CONFIG, config.as_bytes())?;
                run.config = config.to_string();
                run.record_holder()?;
                Ok((run, Start::Fresh))
            }
            Err(_) => Err(StoreError::RunDir {
                path: path.to_path_buf(),
                what: "is not empty and holds no butterfly run: choose a new or empty directory".into(),
            }),
        }
    }

    /// Opens an existing run to continue it: its stored config, and how it starts (a run that died
    /// before its first checkpoint starts again from nothing).
    pub fn open(path: &Path) -> Result<(Self, String, Start), StoreError> {
        if !path.join(CONFIG).is_file() {
            return Err(StoreError::RunDir {
                path: path.to_path_buf(),
                what: format!("is not a run directory (no {CONFIG})"),
            });
        }
        let mut run = Self::lock(path)?;
        let config = run.config()?;
        run.config = config.clone();
        let start = run.start();
        if start == Start::Fresh {
            run.clear()?;
        }
        run.record_holder()?;
        Ok((run, config, start))
    }

    /// Opens a checkpointed run to add to what it kept (`butterfly stabilize`'s variants) without training
    /// it: the lock keeps trainers and other writers out; nothing is cleared, and a run with no checkpoint
    /// (nothing kept yet) is refused rather than cleared as a resume would.
    pub fn attach(path: &Path) -> Result<Self, StoreError> {
        if !path.join(CONFIG).is_file() {
            let what = format!("is not a run directory (no {CONFIG})");
            return Err(StoreError::RunDir { path: path.to_path_buf(), what });
        }
        let mut run = Self::lock(path)?;
        if run.start() == Start::Fresh {
            let what = "has no checkpoint yet: train it first".into();
            return Err(StoreError::RunDir { path: path.to_path_buf(), what });
        }
        run.config = run.config()?;
        run.record_holder()?;
        run.remove_stale_temps()?;
        Ok(run)
    }

    /// Removes the temporary files of writers killed mid-write, in the run directory and its folders: with
    /// the lock held, no writer that could own one is alive.
    fn remove_stale_temps(&self) -> Result<(), StoreError> {
        let mut folders = vec![self.path.clone()];
        folders.extend(self.entries()?.into_iter().filter(|p| p.is_dir()));
        for folder in folders {
            let read = std::fs::read_dir(&folder)
                .map_err(|source| StoreError::Read { path: folder.clone(), error: source })?;
            for entry in read.flatten() {
                if entry.file_name().to_str().is_some_and(crate::atomic::is_temp_sibling) {
                    std::fs::remove_file(entry.path()).map_err(io(&entry.path()))?;
                }
            }
        }
        Ok(())
    }

    /// Takes the lock, or names the process that holds it. The lock is on the directory itself (flock on
    /// its descriptor), so that no rename or removal of a file inside it can let a second writer in; the
    /// PID goes to `run.lock` only once the lock is held, for the message a second writer gets.
    fn lock(path: &Path) -> Result<Self, StoreError> {
        let dir = File::open(path).map_err(|source| StoreError::Read { path: path.to_path_buf(), error: source })?;
        let lock_path = path.join(LOCK);
        let held = match dir.try_lock() {
            Ok(()) => dir,
            Err(std::fs::TryLockError::WouldBlock) => return Err(in_use(path)),
            // File systems that cannot lock a directory (NFS emulates flock with byte-range locks, which
            // need a file open for writing): lock `run.lock` itself, which resists everything but its
            // removal.
            Err(std::fs::TryLockError::Error(_)) => {
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&lock_path)
                    .map_err(io(&lock_path))?;
                match file.try_lock() {
                    Ok(()) => file,
                    Err(std::fs::TryLockError::WouldBlock) => return Err(in_use(path)),
                    Err(std::fs::TryLockError::Error(source)) => {
                        return Err(StoreError::Write { path: lock_path, error: source });
                    }
                }
            }
        };
        Ok(Self { path: path.to_path_buf(), _lock: held, wrote_config: false, made_dir: false, config: String::new() })
    }

    /// Names this process in `run.lock` (a crashed writer's PID is simply replaced).
    fn record_holder(&self) -> Result<(), StoreError> {
        let lock_path = self.join(LOCK);
        let mut file =
            OpenOptions::new().write(true).create(true).truncate(true).open(&lock_path).map_err(io(&lock_path))?;
        writeln!(file, "{}", std::process::id()).map_err(io(&lock_path))
    }

    fn config(&self) -> Result<String, StoreError> {
        let path = self.join(CONFIG);
        std::fs::read_to_string(&path).map_err(|source| StoreError::Read { path, error: source })
    }

    fn start(&self) -> Start {
        if self.join(CHECKPOINT).is_file() { Start::Checkpointed } else { Start::Fresh }
    }

    fn entries(&self) -> Result<Vec<PathBuf>, StoreError> {
        let read = std::fs::read_dir(&self.path)
            .map_err(|source| StoreError::Read { path: self.path.clone(), error: source })?;
        let mut out = Vec::new();
        for entry in read {
            let entry = entry.map_err(|source| StoreError::Read { path: self.path.clone(), error: source })?;
            if entry.file_name() != LOCK {
                out.push(entry.path());
            }
        }
        Ok(out)
    }

    fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.entries()?.is_empty())
    }

    /// Removes everything but the config and the lock: a run that died before its first checkpoint
    /// starts again from nothing and writes the files an uninterrupted run writes.
    fn clear(&self) -> Result<(), StoreError> {
        for path in self.entries()? {
            if path.file_name().is_some_and(|n| n == CONFIG) {
                continue;
            }
            let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            removed.map_err(io(&path))?;
        }
        Ok(())
    }

    /// The run's checkpoint, read and checked for `format`.
    pub fn load_checkpoint(&self, format: &str) -> Result<Checkpoint, StoreError> {
        Checkpoint::load(&self.join(CHECKPOINT), format)
    }

    /// The step the run's checkpoint was taken at (its header alone is read; None without one).
    pub fn checkpoint_step(&self) -> Result<Option<u64>, StoreError> {
        if self.start() == Start::Fresh {
            return Ok(None);
        }
        let path = self.join(CHECKPOINT);
        let meta = crate::TensorFile::read_metadata(&path)?;
        let step = meta.get("step").and_then(|s| s.parse().ok());
        let bad = || StoreError::Checkpoint { path: path.clone(), what: "records no step".into() };
        step.map(Some).ok_or_else(bad)
    }

    /// Writes the run's checkpoint (every trainer's, in one place). From the first one on, the run can
    /// always be resumed, and dropping the directory no longer removes anything.
    pub fn save_checkpoint(&self, mut checkpoint: Checkpoint) -> Result<(), StoreError> {
        checkpoint.save(&self.join(CHECKPOINT))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.path.join(relative)
    }

    /// Creates a subdirectory (e.g. `checkpoints`).
    pub fn make_dir(&self, relative: &str) -> Result<PathBuf, StoreError> {
        let path = self.join(relative);
        std::fs::create_dir_all(&path).map_err(io(&path))?;
        Ok(path)
    }

    /// Writes a file of the run atomically.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<(), StoreError> {
        write_atomic(&self.join(relative), bytes)
    }

    /// The run's config as it was claimed or opened (what its checkpoints record).
    pub fn config_text(&self) -> &str {
        &self.config
    }

    /// Replaces the stored config (a resumed run whose total was raised or lowered).
    pub fn rewrite_config(&mut self, config: &str) -> Result<(), StoreError> {
        self.write(CONFIG, config.as_bytes())?;
        self.config = config.to_string();
        Ok(())
    }
}

/// A run dropped before its first checkpoint — a trainer that failed while beginning, whatever the
/// error — takes away what this process made, so a failure leaves no directory behind (a run it continued
/// is left as it was; a crash leaves its files, and the next claim clears them). Runs while the lock is
/// still held.
impl Drop for RunDir {
    fn drop(&mut self) {
        if self.start() == Start::Checkpointed {
            return;
        }
        if self.wrote_config {
            let _ = self.clear();
            let _ = std::fs::remove_file(self.join(CONFIG));
            let _ = std::fs::remove_file(self.join(LOCK));
        }
        if self.made_dir {
            let _ = std::fs::remove_dir(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("butterfly-rundir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn claims_continues_and_refuses() {
        let dir = scratch("claim");
        let (run, start) = RunDir::claim(&dir, "a = 1\n").unwrap();
        assert_eq!(start, Start::Fresh);
        // A second writer in the same process is refused too (flock is per open file).
        let second = RunDir::claim(&dir, "a = 1\n").unwrap_err().to_string();
        assert!(second.contains(&format!("process {}", std::process::id())), "{second}");
        std::fs::write(run.join("metrics.csv"), "x\n").unwrap();
        // A writer that stops before its first checkpoint takes what it made away.
        drop(run);
        assert!(!dir.exists());
        // A crash leaves the files: the same config claimed again starts fresh, the partial files gone.
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(CONFIG), "a = 1\n").unwrap();
        std::fs::write(dir.join("metrics.csv"), "x\n").unwrap();
        let (run, start) = RunDir::claim(&dir, "a = 1\n").unwrap();
        assert_eq!(start, Start::Fresh);
        assert!(!run.join("metrics.csv").exists());
        run.make_dir("checkpoints").unwrap();
        std::fs::write(run.join(CHECKPOINT), "c").unwrap();
        drop(run);
        assert_eq!(RunDir::claim(&dir, "a = 1\n").unwrap().1, Start::Checkpointed);
        assert!(RunDir::claim(&dir, "a = 2\n").unwrap_err().to_string().contains("another config"));
        let (_, config, start) = RunDir::open(&dir).unwrap();
        assert_eq!((config.as_str(), start), ("a = 1\n", Start::Checkpointed));

        let other = scratch("other");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("notes.txt"), "mine").unwrap();
        assert!(RunDir::claim(&other, "a = 1\n").unwrap_err().to_string().contains("not empty"));
        assert_eq!(std::fs::read_to_string(other.join("notes.txt")).unwrap(), "mine");
        assert!(RunDir::open(&other).unwrap_err().to_string().contains("not a run directory"));
    }

    #[test]
    fn attaching_needs_a_checkpoint_and_clears_only_what_killed_writers_left() {
        let dir = scratch("attach");
        let (run, _) = RunDir::claim(&dir, "a = 1\n").unwrap();
        run.write("metrics.csv", b"x\n").unwrap();
        assert!(RunDir::attach(&dir).unwrap_err().to_string().contains("in use"));
        drop(run);
        assert!(!dir.exists());
        let (run, _) = RunDir::claim(&dir, "a = 1\n").unwrap();
        run.write("metrics.csv", b"x\n").unwrap();
        let refused = RunDir::attach(&dir);
        assert!(refused.is_err());
        drop(refused);
        run.make_dir("checkpoints").unwrap();
        let mut c = Checkpoint::new("test");
        c.put_count("step", 0);
        run.save_checkpoint(c).unwrap();
        drop(run);
        let leftover = crate::temp_sibling(&dir.join("checkpoints/params_00000100.safetensors"));
        std::fs::write(&leftover, b"half").unwrap();
        let run = RunDir::attach(&dir).unwrap();
        assert!(!leftover.exists() && run.join("metrics.csv").is_file() && run.join(CHECKPOINT).is_file());
        drop(run);
        assert!(dir.join("metrics.csv").is_file(), "dropping an attached run removes nothing");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_run_dropped_before_its_first_checkpoint_removes_only_what_it_made() {
        let dir = scratch("discard");
        let (run, _) = RunDir::claim(&dir, "a = 1\n").unwrap();
        drop(run);
        assert!(!dir.exists());
        // A run that existed before (died before its checkpoint) keeps its config.
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(CONFIG), "a = 1\n").unwrap();
        drop(RunDir::open(&dir).unwrap());
        assert_eq!(std::fs::read_to_string(dir.join(CONFIG)).unwrap(), "a = 1\n");
        // Once checkpointed, nothing is removed.
        let (run, _) = RunDir::claim(&dir, "a = 1\n").unwrap();
        run.make_dir("checkpoints").unwrap();
        let mut c = Checkpoint::new("test");
        c.put_count("step", 0);
        run.save_checkpoint(c).unwrap();
        run.write("metrics.csv", b"x\n").unwrap();
        drop(run);
        assert!(dir.join("metrics.csv").is_file());
    }
}
