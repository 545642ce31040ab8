//! Butterfly's cache directory: shared expert datasets, the MuJoCo library, corpora and long runs.

use std::path::PathBuf;

/// `$BUTTERFLY_HOME`, else `$XDG_CACHE_HOME/butterfly`, else `~/.cache/butterfly` (the place
/// scripts/setup.sh uses too); None without a home.
pub fn cache_dir() -> Option<PathBuf> {
    std::env::var_os("BUTTERFLY_HOME").map(PathBuf::from).or_else(|| {
        std::env::var_os("XDG_CACHE_HOME")
            .map(|c| PathBuf::from(c).join("butterfly"))
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/butterfly")))
    })
}
