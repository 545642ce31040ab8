/// Invalid parameters for a toy model, each message saying which value to fix.
#[derive(Debug, thiserror::Error)]
pub enum TheoryError {
    #[error("{name} must be {expected}, got {value}")]
    OutOfRange { name: &'static str, expected: &'static str, value: f64 },
    #[error("{name} must be at least {min}, got {value}")]
    TooSmall { name: &'static str, min: usize, value: usize },
}

impl TheoryError {
    /// Checks `ok(value)` for a real parameter, naming it and its valid range otherwise.
    pub(crate) fn check(
        name: &'static str,
        value: f64,
        expected: &'static str,
        ok: impl Fn(f64) -> bool,
    ) -> Result<(), Self> {
        if value.is_finite() && ok(value) { Ok(()) } else { Err(Self::OutOfRange { name, expected, value }) }
    }

    /// Checks that a count is at least `min`.
    pub(crate) fn check_count(name: &'static str, value: usize, min: usize) -> Result<(), Self> {
        if value >= min { Ok(()) } else { Err(Self::TooSmall { name, min, value }) }
    }
}
