use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    #[error(transparent)]
    Env(#[from] butterfly_envs::EnvError),

    #[error(transparent)]
    Imitate(#[from] butterfly_imitate::ImitateError),

    #[error(transparent)]
    Lm(#[from] butterfly_lm::LmError),

    #[error(transparent)]
    Report(#[from] butterfly_report::ReportError),

    #[error(transparent)]
    Select(#[from] butterfly_select::SelectError),

    #[error(transparent)]
    Store(#[from] butterfly_store::StoreError),

    #[error(transparent)]
    Train(#[from] butterfly_train::TrainError),

    /// Bad options for a study, in one line.
    #[error("{0}")]
    Options(String),

    #[error("{path}: {what}")]
    Path { path: PathBuf, what: String },

    #[error("a run panicked")]
    Panicked,
}
