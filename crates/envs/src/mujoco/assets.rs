//! Where Gymnasium's model XML files are: Butterfly reads the very files the reference envs load.

use std::path::{Path, PathBuf};

use crate::EnvError;

/// Environment variable naming the `gymnasium/envs/mujoco/assets` directory explicitly.
pub const ASSETS_ENV_VAR: &str = "BUTTERFLY_GYM_ASSETS";

/// Finds the assets directory: an explicit directory, else `$BUTTERFLY_GYM_ASSETS`, else the gymnasium
/// package of the active venv (`$VIRTUAL_ENV`), else that of this checkout's `.venv`.
pub fn find_assets_dir(explicit: Option<&Path>) -> Result<PathBuf, EnvError> {
    if let Some(dir) = explicit {
        return check(dir.to_path_buf(), "--assets");
    }
    if let Some(dir) = std::env::var_os(ASSETS_ENV_VAR) {
        return check(PathBuf::from(dir), ASSETS_ENV_VAR);
    }
    let mut venvs: Vec<PathBuf> = std::env::var_os("VIRTUAL_ENV").map(PathBuf::from).into_iter().collect();
    // The workspace root is two levels above this crate; set-up puts the venv there.
    venvs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    for venv in &venvs {
        if let Some(dir) = assets_in_venv(venv) {
            return Ok(dir);
        }
    }
    let looked: Vec<String> = venvs.iter().map(|v| v.display().to_string()).collect();
    Err(EnvError::AssetsNotFound { detail: format!("no gymnasium package in {}", looked.join(" or ")) })
}

fn assets_in_venv(venv: &Path) -> Option<PathBuf> {
    let lib = std::fs::read_dir(venv.join("lib")).ok()?;
    let mut pythons: Vec<PathBuf> = lib.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    pythons.sort();
    pythons
        .into_iter()
        .map(|p| p.join("site-packages/gymnasium/envs/mujoco/assets"))
        .find(|dir| dir.join("walker2d.xml").is_file())
}

fn check(dir: PathBuf, source: &str) -> Result<PathBuf, EnvError> {
    if dir.join("walker2d.xml").is_file() {
        Ok(dir)
    } else {
        Err(EnvError::AssetsNotFound {
            detail: format!("{source} names {}, which holds no walker2d.xml", dir.display()),
        })
    }
}
