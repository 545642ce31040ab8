use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SacError {
    #[error(transparent)]
    Nn(#[from] butterfly_nn::NnError),

    #[error(transparent)]
    Env(#[from] butterfly_envs::EnvError),

    #[error(transparent)]
    Store(#[from] butterfly_store::StoreError),

    #[error(transparent)]
    Policy(#[from] butterfly_policy::PolicyError),

    #[error(transparent)]
    Train(#[from] butterfly_train::TrainError),

    #[error("config: {0}")]
    Config(String),

    #[error("{path}: {what}")]
    Checkpoint { path: PathBuf, what: String },

    #[error("cannot use {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}
