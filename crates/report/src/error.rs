use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot draw {path}: {message}")]
    Draw { path: PathBuf, message: String },
    #[error("chart \"{title}\" has no point to draw{hint}")]
    Empty { title: String, hint: &'static str },
    #[error("series \"{series}\" has {points} points but {intervals} intervals")]
    IntervalCount { series: String, points: usize, intervals: usize },
    #[error("the embedded DejaVu Sans font does not parse")]
    Font,
    #[error("{path}: {what}")]
    Run { path: PathBuf, what: String },
    #[error("flip-flop study: {0}")]
    Study(String),
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
    #[error(transparent)]
    Store(#[from] butterfly_store::StoreError),
    /// A run's generations could not be compared (`report --generations`).
    #[error(transparent)]
    Lm(#[from] butterfly_lm::LmError),
    /// An argument no report can be made of (its message names it).
    #[error("{0}")]
    Invalid(String),
    #[error("CSV row {row} has {got} fields, the header {expected}")]
    RowWidth { row: usize, got: usize, expected: usize },
}
