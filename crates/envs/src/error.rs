use std::path::PathBuf;

/// Everything that can go wrong in this crate; each message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    #[error("unknown environment '{name}': choose one of {known}")]
    UnknownEnv { name: String, known: String },

    #[error("{env}: action has {got} entries, expected {expected}")]
    ActionDim { env: String, got: usize, expected: usize },

    #[error("{env}: action entry {index} is {value}; actions must be finite numbers")]
    NonFiniteAction { env: String, index: usize, value: f64 },

    #[error("{env}: state has {got} entries, expected {expected} ({what})")]
    StateDim { env: String, got: usize, expected: usize, what: &'static str },

    #[error(
        "cannot find Gymnasium's MuJoCo model files ({detail}); run scripts/setup.sh, or point \
         --assets / BUTTERFLY_GYM_ASSETS at gymnasium/envs/mujoco/assets"
    )]
    AssetsNotFound { detail: String },

    #[error("cannot load MuJoCo model {path}: {reason}")]
    ModelLoad { path: PathBuf, reason: String },

    #[error("cannot build a thread pool: {0}")]
    ThreadPool(String),

    #[error(transparent)]
    Store(#[from] butterfly_store::StoreError),

    #[error("no Python venv with Gymnasium at {0}; run scripts/setup.sh")]
    NoVenv(String),

    #[error("cannot start {python}: {source}")]
    PythonStart { python: PathBuf, source: std::io::Error },

    #[error("reference Python script failed: {0}")]
    ReferenceFailed(String),

    #[error("unexpected output of a reference Python script: {0}")]
    ReferenceOutput(String),

    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}
