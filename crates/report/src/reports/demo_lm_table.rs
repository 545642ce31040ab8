//! The table `butterfly demo lm` prints when it is done: per test set and variant, the read error and the
//! accuracy's oscillation with their intervals over seeds, and where the report is.

use std::fmt::Write;
use std::path::Path;

use crate::FlipflopStudy;

pub fn demo_lm_text(out: &Path, study: &FlipflopStudy, report: &Path) -> String {
    let mut s = format!("demo lm finished: {}\n", out.display());
    let _ = writeln!(s, "  {:<18} {:<8} {:>24} {:>24}", "test set", "variant", "read error", "accuracy osc");
    for r in &study.rows {
        let _ = writeln!(s, "  {:<18} {:<8} {:>24} {:>24}", r.set, r.variant, r.error.show(4), r.osc.show(4));
    }
    let _ = write!(s, "  report: {}", report.display());
    s
}
