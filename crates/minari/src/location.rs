//! Where a dataset lives: a directory given as is, or an ID under the datasets root, by the rule the
//! minari package itself follows (`$MINARI_DATASETS_PATH`, else `~/.minari/datasets`), so that both
//! find the same files.

use std::path::PathBuf;

use crate::MinariError;

/// `$MINARI_DATASETS_PATH`, else `~/.minari/datasets`.
pub fn datasets_root() -> PathBuf {
    match std::env::var_os("MINARI_DATASETS_PATH") {
        Some(root) => PathBuf::from(root),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".minari").join("datasets"),
    }
}

/// The directory of `id_or_path`: an existing directory as is, else the ID under [`datasets_root`]; either
/// must hold `data/metadata.json`.
pub fn locate(id_or_path: &str) -> Result<PathBuf, MinariError> {
    let given = PathBuf::from(id_or_path);
    let dir = if given.is_dir() { given } else { datasets_root().join(id_or_path) };
    if !dir.join("data").join("metadata.json").is_file() {
        return Err(MinariError::NotFound { id: id_or_path.to_string(), path: dir });
    }
    Ok(dir)
}

/// IDs minari's `load_dataset` parses: `(namespace/)name-vN`, each part of letters, digits, `_` and `-`.
pub fn check_id(id: &str) -> Result<(), MinariError> {
    let bad = || MinariError::Id(id.to_string());
    let (name, version) = id.rsplit_once("-v").ok_or_else(bad)?;
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit()) || !name.split('/').all(word) {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_id;

    #[test]
    fn ids_are_those_minari_parses() {
        for good in ["hopper-v0", "mujoco/hopper/expert-v2", "butterfly/Hopper-v4/expert-v0"] {
            assert!(check_id(good).is_ok(), "{good}");
        }
        for bad in ["hopper", "hopper-v", "/hopper-v0", "a//b-v0", "a b-v0", "../x-v0", "x-v1a"] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }
}
