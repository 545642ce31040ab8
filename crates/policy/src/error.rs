use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error(transparent)]
    Store(#[from] butterfly_store::StoreError),

    #[error(transparent)]
    Nn(#[from] butterfly_nn::NnError),

    #[error(transparent)]
    Env(#[from] butterfly_envs::EnvError),

    #[error("{path}: {what}")]
    Invalid { path: PathBuf, what: String },

    #[error("{path} is a policy for {found}, not {expected}")]
    WrongEnv { path: PathBuf, found: String, expected: String },
}
