use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ImitateError {
    #[error(transparent)]
    Nn(#[from] butterfly_nn::NnError),

    #[error(transparent)]
    Env(#[from] butterfly_envs::EnvError),

    #[error(transparent)]
    Store(#[from] butterfly_store::StoreError),

    #[error(transparent)]
    Policy(#[from] butterfly_policy::PolicyError),

    #[error(transparent)]
    Minari(#[from] butterfly_minari::MinariError),

    #[error("config: {0}")]
    Config(String),

    #[error("{path}: {what}")]
    Data { path: PathBuf, what: String },

    #[error("{path}: {what}")]
    RunDir { path: PathBuf, what: String },

    #[error("cannot use {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },

    #[error(transparent)]
    Train(#[from] butterfly_train::TrainError),

    #[error("{0}")]
    Torch(String),
}
