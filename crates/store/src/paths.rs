//! Lists of run directories given on a command line.

use std::path::{Path, PathBuf};

use crate::StoreError;

/// Refuses a list that names one directory twice (also through another spelling or a symlink): each
/// run would count twice (as two seeds, or two rows of a comparison).
pub fn ensure_distinct(paths: &[PathBuf]) -> Result<(), StoreError> {
    let mut seen: Vec<(PathBuf, &Path)> = Vec::with_capacity(paths.len());
    for path in paths {
        // A path that cannot be resolved is compared as written; reading it fails later with its own error.
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        if let Some((_, first)) = seen.iter().find(|(c, _)| *c == canonical) {
            return Err(StoreError::Duplicate { first: first.to_path_buf(), again: path.clone() });
        }
        seen.push((canonical, path));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_directory_under_two_spellings_is_refused() {
        let dir = std::env::temp_dir().join(format!("butterfly-distinct-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::create_dir_all(dir.join("b")).unwrap();
        assert!(ensure_distinct(&[dir.join("a"), dir.join("b")]).is_ok());
        let err = ensure_distinct(&[dir.join("a"), dir.join("b"), dir.join("b/../a/")]).unwrap_err().to_string();
        assert!(err.contains("same directory") && err.contains("b/../a"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
