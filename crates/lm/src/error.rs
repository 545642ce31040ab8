use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LmError {
    #[error("config: {0}")]
    Config(String),

    #[error("tokenizer: {0}")]
    Tokenizer(String),

    #[error("{path}: {what}")]
    Shard { path: PathBuf, what: String },

    #[error("{path}: {what}")]
    Corpus { path: PathBuf, what: String },

    #[error("{path}: {what}")]
    RunDir { path: PathBuf, what: String },

    #[error("reference (PyTorch): {0}")]
    Reference(String),

    #[error(transparent)]
    Gpt(#[from] butterfly_gpt::GptError),

    #[error(transparent)]
    Nn(#[from] butterfly_nn::NnError),

    #[error(transparent)]
    Store(#[from] butterfly_store::StoreError),

    #[error(transparent)]
    Train(#[from] butterfly_train::TrainError),
}
