/// Invalid parameters for a toy model, each message saying which value to fix.
#[derive(Debug, thiserror::Error)]
pub enum TheoryError {
    #[error("{name} must be {expected}, got {value}")]
    OutOfRange { name: &'static str, expected: &'static str, value: f64 },
    #[error("{name} must be at least {min}, got {value}")]
    TooSmall { name: &'static str, min: usize, value: usize },
    #[error(transparent)]
    TooLarge(#[from] butterfly_store::StoreError),
    #[error("{name} = {value} is beyond what can be computed: {why}")]
    Uncomputable { name: &'static str, value: f64, why: String },
    #[error("cannot start the Monte Carlo threads: {0}")]
    Threads(String),
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
    /// Checks that `vectors` vectors of `dim` f64 on each of `threads` Monte Carlo threads fit in memory.
    pub(crate) fn check_fits(dim: usize, vectors: usize, threads: usize) -> Result<(), Self> {
        let per_thread = (dim as u128).saturating_mul(vectors as u128);
        let what = format!("the iterates of the Monte Carlo trials (dim = {dim})");
        butterfly_store::memory::ensure_fits(&[(&what, per_thread.saturating_mul(threads as u128), 8)])?;
        Ok(())
    }

    pub(crate) fn check_count(name: &'static str, value: usize, min: usize) -> Result<(), Self> {
        if value >= min { Ok(()) } else { Err(Self::TooSmall { name, min, value }) }
    }
}
