use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    /// A setting no selection can run with (ε, δ, range, budget, filters).
    #[error("{0}")]
    Spec(String),
    /// An outcome outside the range the confidence bounds assume: the guarantee would not hold.
    #[error(
        "a return of {value} (step {step}, {variant}) lies outside the range [{low}, {high}] the bounds assume; \
         rerun with a --range that covers it"
    )]
    OutOfRange { value: f64, step: u64, variant: String, low: f64, high: f64 },
    /// A table of outcomes that cannot be read as one.
    #[error("{path}: {what}")]
    Table { path: PathBuf, what: String },
}
