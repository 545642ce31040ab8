//! The one rule for every file a command writes at a user's `--out`: nothing inside a run directory
//! (runs are written by the run layer alone), and no existing file replaced unless the user says
//! `--force` (a directory never is).

use std::path::{Path, PathBuf};

use crate::StoreError;
use crate::run_dir::{CHECKPOINT, CONFIG};

/// The run directory `path` is in, or is: the nearest of it and its ancestors holding a run's config and
/// checkpoint folder.
pub fn enclosing_run(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let checkpoints = Path::new(CHECKPOINT).parent()?;
    absolute.ancestors().find(|dir| dir.join(CONFIG).is_file() && dir.join(checkpoints).is_dir()).map(Path::to_path_buf)
}

/// Checks that a command may write the file `path`, before it computes anything.
pub fn check_output(path: &Path, force: bool) -> Result<(), StoreError> {
    let refuse = |what: String| Err(StoreError::RunDir { path: path.to_path_buf(), what });
    if let Some(run) = enclosing_run(path) {
        return refuse(format!("is inside the run directory {}: write outputs outside runs", run.display()));
    }
    if path.is_dir() {
        return refuse("is a directory: name a file".into());
    }
    if path.exists() && !force {
        return refuse("exists: choose another --out, or pass --force to replace it".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_runs_existing_files_and_directories() {
        let root = std::env::temp_dir().join(format!("butterfly-output-{}", std::process::id()));
        let run = root.join("run");
        std::fs::create_dir_all(run.join("checkpoints")).unwrap();
        std::fs::write(run.join(CONFIG), "a = 1\n").unwrap();
        for inside in [run.join("config.toml"), run.join("checkpoints/params_00000001.safetensors"), run.join("x.pt")] {
            let err = check_output(&inside, true).unwrap_err().to_string();
            assert!(err.contains("inside the run directory"), "{err}");
        }
        let mine = root.join("mine.safetensors");
        check_output(&mine, false).unwrap();
        std::fs::write(&mine, "mine").unwrap();
        assert!(check_output(&mine, false).unwrap_err().to_string().contains("--force"));
        check_output(&mine, true).unwrap();
        assert!(check_output(&root, true).unwrap_err().to_string().contains("is a directory"));
        let _ = std::fs::remove_dir_all(&root);
    }
}
