use std::path::PathBuf;

/// Every failure is one line naming the file (and episode) at fault.
#[derive(Debug, thiserror::Error)]
pub enum MinariError {
    #[error("Minari dataset {id}: not found ({path} has no data/metadata.json)")]
    NotFound { id: String, path: PathBuf },

    #[error("{0:?} is not a Minari dataset ID: (namespace/)name-vN, of letters, digits, '_' and '-'")]
    Id(String),

    #[error("{path}: {what}")]
    Metadata { path: PathBuf, what: String },

    #[error("{path}: {which} space is {kind}; butterfly reads Box observation and action spaces only")]
    Space { path: PathBuf, which: &'static str, kind: String },

    #[error("{path}: episode_{episode}: {what}")]
    Episode { path: PathBuf, episode: usize, what: String },

    #[error("{path}: {what}")]
    Hdf5 { path: PathBuf, what: String },

    #[error("{path} already holds a Minari dataset; remove it or choose another --id or --out")]
    Exists { path: PathBuf },

    #[error("cannot use {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}
