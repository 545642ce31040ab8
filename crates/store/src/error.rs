use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },

    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },

    #[error("{path} is not a valid safetensors file ({reason}); it may be truncated or corrupt")]
    Corrupt { path: PathBuf, reason: String },

    #[error("{path} is shorter than its checkpoint recorded ({reason}): it was truncated or edited")]
    ShortLog { path: PathBuf, reason: String },

    #[error("{path} has no tensor '{name}'")]
    MissingTensor { path: PathBuf, name: String },

    #[error("{path}: tensor '{name}' is {got}, expected {expected}")]
    TensorType { path: PathBuf, name: String, got: String, expected: String },

    #[error("{path} has no metadata entry '{key}'")]
    MissingMetadata { path: PathBuf, key: String },

    #[error("{path}: metadata '{key}' = '{value}' is invalid: {reason}")]
    BadMetadata { path: PathBuf, key: String, value: String, reason: String },
}
