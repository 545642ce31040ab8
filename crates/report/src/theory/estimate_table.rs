//! Monte Carlo estimates next to exact values, one line per quantity.

use std::fmt::Write as _;

use butterfly_theory::Estimate;

/// The header, then per quantity its estimate, interval and exact value, each line ending in `\n`.
pub(crate) fn estimate_table<'a>(confidence: f64, rows: impl Iterator<Item = (&'a str, Estimate, f64)>) -> String {
    let mut text = String::new();
    let ci = format!("{} % CI", confidence * 100.0);
    let _ = writeln!(text, "{:<16} {:>12} {:>27} {:>12}", "quantity", "estimate", ci, "exact");
    for (name, e, exact) in rows {
        let interval = format!("[{:.5e}, {:.5e}]", e.ci_low, e.ci_high);
        // Every trial on the same side of the cliff gives identical samples and a zero-width interval: the
        // normal approximation cannot see probabilities far below 1/trials.
        let mark = if e.ci_low == e.ci_high {
            "  (every trial gave this value: no interval)"
        } else if e.contains(exact) {
            ""
        } else {
            "  (outside the interval)"
        };
        let _ = writeln!(text, "{name:<16} {:>12.5e} {interval:>27} {exact:>12.5e}{mark}", e.mean);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_degenerate_and_missed_intervals() {
        let e = |mean: f64, lo: f64, hi: f64| Estimate { mean, ci_low: lo, ci_high: hi };
        let rows =
            [("inside", e(1.0, 0.5, 1.5), 1.2), ("outside", e(1.0, 0.5, 1.5), 2.0), ("flat", e(3.0, 3.0, 3.0), 3.0)];
        let text = estimate_table(0.95, rows.into_iter());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].contains("95 % CI"), "{text}");
        assert!(lines[1].starts_with("inside") && lines[1].ends_with("1.20000e0"), "{text}");
        assert!(lines[2].ends_with("(outside the interval)"), "{text}");
        assert!(lines[3].ends_with("(every trial gave this value: no interval)"), "{text}");
    }
}
