use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    // The I/O error is part of the one-line message (not a `source`, which `{:#}` would print again).
    #[error("cannot write {path}: {error}")]
    Write { path: PathBuf, error: std::io::Error },

    #[error("cannot read {path}: {error}")]
    Read { path: PathBuf, error: std::io::Error },

    #[error("{path} is not a valid safetensors file ({reason}); it may be truncated or corrupt")]
    Corrupt { path: PathBuf, reason: String },

    #[error("{path} is shorter than its checkpoint recorded ({reason}): it was truncated or edited")]
    ShortLog { path: PathBuf, reason: String },

    #[error("{path} {what}")]
    RunDir { path: PathBuf, what: String },

    #[error("{path}: {what}")]
    Checkpoint { path: PathBuf, what: String },

    #[error("{path} line {line}: {what}")]
    Log { path: PathBuf, line: usize, what: String },

    #[error("{what} would need {need} of memory; this machine has {limit}: make it smaller")]
    TooLarge { what: String, need: String, limit: String },

    #[error("{path} has no tensor '{name}'")]
    MissingTensor { path: PathBuf, name: String },

    #[error("{path}: tensor '{name}' is {got}, expected {expected}")]
    TensorType { path: PathBuf, name: String, got: String, expected: String },

    #[error("{path} has no metadata entry '{key}'")]
    MissingMetadata { path: PathBuf, key: String },

    #[error("{path}: metadata '{key}' = '{value}' is invalid: {reason}")]
    BadMetadata { path: PathBuf, key: String, value: String, reason: String },

    #[error("{what} = {value}: use 1 to {max} threads (4 per core of this machine, at most 256)")]
    Threads { what: String, value: usize, max: usize },

    #[error("{again} names the same directory as {first}: list each run once")]
    Duplicate { first: PathBuf, again: PathBuf },
}
