//! What `butterfly sweep` prints after its report: one line per variant and curve, then the files written.

use std::fmt::Write as _;

use crate::reports::sweep_report::SweepSummary;
use crate::stats::over_seeds::OverSeeds;

impl SweepSummary {
    /// Final J_H and the oscillation metrics as mean±std over seeds, then one line per file.
    pub fn table(&self) -> String {
        let show = |x: Option<OverSeeds>, digits: usize| OverSeeds::shown(x, digits, "±", "-");
        let mut text = String::new();
        let _ = writeln!(
            text,
            "{:<20} {:<26} {:>5} {:>16} {:>14} {:>14} {:>14}",
            "variant", "curve", "seeds", "final J_H", "osc", "spread", "falls"
        );
        for c in &self.curves {
            let _ = writeln!(
                text,
                "{:<20} {:<26} {:>5} {:>16} {:>14} {:>14} {:>14}",
                c.variant,
                c.curve,
                c.seeds,
                show(c.final_return, 1),
                show(c.osc, 3),
                show(c.spread, 3),
                show(c.falls, 3)
            );
        }
        for f in &self.files {
            let _ = writeln!(text, "  {}", f.display());
        }
        text
    }
}
