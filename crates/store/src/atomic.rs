use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::StoreError;

/// A temporary sibling of `path` that no other writer uses (process and a per-process counter in its
/// name), so that concurrent writers of one file never write into each other's temporary file.
pub fn temp_sibling(path: &Path) -> std::path::PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let k = COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}.{k}.tmp", std::process::id()))
}

/// Whether `name` is a file name [`temp_sibling`] makes (`.NAME.PID.K.tmp`): what a writer killed mid-write
/// leaves behind.
pub fn is_temp_sibling(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else { return false };
    let mut parts = inner.rsplitn(3, '.');
    let numbers = [parts.next(), parts.next()];
    numbers.iter().all(|p| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
        && parts.next().is_some_and(|rest| !rest.is_empty())
}

/// Writes `bytes` to `path` through a temporary sibling, fsync and rename: readers see the old file or
/// the new one, never a torn one; a failed write (a full disk) removes its temporary file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = temp_sibling(path);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        StoreError::Write { path: path.to_path_buf(), error: source }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_siblings_are_recognised_and_nothing_else() {
        let tmp = temp_sibling(Path::new("/run/checkpoints/params_00000100.safetensors"));
        assert!(is_temp_sibling(tmp.file_name().unwrap().to_str().unwrap()), "{}", tmp.display());
        for other in ["eval.csv", ".eval.csv", ".eval.csv.tmp", ".eval.csv.12.tmp", ".12.3.tmp", ".a.x.3.tmp"] {
            assert!(!is_temp_sibling(other), "{other}");
        }
    }
}
