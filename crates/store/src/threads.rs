//! The one bound on every thread count a user can type (command-line flags and config keys alike): a
//! count far beyond the machine's cores only oversubscribes it, and a huge one spends minutes creating
//! threads before any work starts.

use crate::StoreError;

/// Threads per core allowed: a little oversubscription can help I/O-bound or uneven work; more cannot.
const PER_CORE: usize = 4;
/// Whatever the machine, never more than this.
const CEILING: usize = 256;

/// The cores this process may use (1 when the platform cannot tell).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The largest thread count accepted here: 4 × the available parallelism, at most 256.
pub fn max_threads() -> usize {
    cores().saturating_mul(PER_CORE).min(CEILING)
}

/// `n` when it is in 1..=[`max_threads`]; otherwise an error naming `what` (the flag or key) and the range.
pub fn check_threads(what: &str, n: usize) -> Result<usize, StoreError> {
    let max = max_threads();
    if (1..=max).contains(&n) { Ok(n) } else { Err(StoreError::Threads { what: what.to_string(), value: n, max }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_outside_one_to_the_bound_are_refused_with_the_range() {
        let max = max_threads();
        assert!((PER_CORE..=CEILING).contains(&max), "{max}");
        assert_eq!(check_threads("threads", 1).unwrap(), 1);
        assert_eq!(check_threads("threads", max).unwrap(), max);
        for bad in [0, max + 1, 100_000, usize::MAX] {
            let err = check_threads("eval.threads", bad).unwrap_err().to_string();
            assert!(err.contains("eval.threads") && err.contains(&format!("1 to {max}")), "{err}");
        }
    }
}
