//! Sizes checked before anything is allocated or created: a config that needs more memory than the
//! machine has is one error line naming the limit, not an allocation abort after a directory was made.

use crate::StoreError;

/// Bytes of physical memory (MemTotal of /proc/meminfo; where that cannot be read, no limit but the
/// address space).
pub fn physical_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            kib.checked_mul(1024)
        })
        .unwrap_or(u64::MAX)
}

/// Adds up `(what, elements, bytes per element)` without overflow and checks the total against the
/// machine's memory; the error names the largest part, the need and the limit.
pub fn ensure_fits(parts: &[(&str, u128, u128)]) -> Result<(), StoreError> {
    let sizes: Vec<(&str, u128)> = parts.iter().map(|&(what, n, size)| (what, n.saturating_mul(size))).collect();
    let need = sizes.iter().fold(0u128, |acc, &(_, b)| acc.saturating_add(b));
    let limit = physical_memory() as u128;
    if need <= limit {
        return Ok(());
    }
    let (largest, _) = sizes.iter().copied().max_by_key(|&(_, b)| b).unwrap_or(("the run", need));
    Err(StoreError::TooLarge { what: largest.to_string(), need: human(need), limit: human(limit) })
}

fn human(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit + 1 == UNITS.len() && value >= 1024.0 {
        format!("{value:.3e} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_beyond_the_machine_name_the_largest_part() {
        assert!(ensure_fits(&[("parameters", 1000, 4)]).is_ok());
        let err =
            ensure_fits(&[("parameters", 1000, 4), ("hidden layers", 10u128.pow(16), 4)]).unwrap_err().to_string();
        assert!(err.contains("hidden layers") && err.contains("memory"), "{err}");
        assert!(ensure_fits(&[("x", u128::MAX, u128::MAX)]).is_err());
    }
}
