//! The Python face's one error type: every Rust error becomes `butterfly.ButterflyError` carrying the
//! library's own one-line message.

use pyo3::PyErr;

pyo3::create_exception!(_native, ButterflyError, pyo3::exceptions::PyValueError);

#[derive(Debug, thiserror::Error)]
pub enum PyFaceError {
    #[error(transparent)]
    Env(#[from] butterfly_envs::EnvError),

    #[error(transparent)]
    Train(#[from] butterfly_train::TrainError),

    #[error(transparent)]
    Nn(#[from] butterfly_nn::NnError),

    #[error(transparent)]
    Store(#[from] butterfly_store::StoreError),

    #[error(transparent)]
    Report(#[from] butterfly_report::ReportError),

    #[error(transparent)]
    Select(#[from] butterfly_select::SelectError),

    #[error("{0}")]
    Invalid(String),
}

impl From<PyFaceError> for PyErr {
    fn from(e: PyFaceError) -> PyErr {
        ButterflyError::new_err(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, PyFaceError>;
