//! The crate's one error type.

use thiserror::Error;

/// Everything that can go wrong in the engine: all of it is a caller mistake (shapes, configs,
/// restored state), so each message says what was expected.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum NnError {
    #[error("invalid network spec: {0}")]
    InvalidSpec(String),
    #[error("{what}: expected {expected} values, got {got}")]
    Shape { what: &'static str, expected: usize, got: usize },
    #[error("backward called without a forward pass on the same batch")]
    NoForward,
    #[error("invalid optimizer config: {0}")]
    InvalidOptimizer(String),
    #[error("invalid learning-rate schedule: {0}")]
    InvalidSchedule(String),
    #[error("{0}")]
    InvalidThreads(String),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, NnError>;

/// Checks a slice length, naming the argument in the error.
pub(crate) fn check_len(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got { Ok(()) } else { Err(NnError::Shape { what, expected, got }) }
}
