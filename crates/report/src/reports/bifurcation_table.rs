//! What `butterfly lm bifurcate` prints: per variant and pair of consecutive kept steps, how the greedy
//! continuations differ beside how the one-step (teacher-forced) predictions do.

use butterfly_lm::analysis::bifurcation::{BifurcationRow, Bifurcations};

use crate::runs::variant_order;
use crate::stats::moments::mean;

pub fn bifurcation_text(b: &Bifurcations, what: &str, tokens: usize) -> String {
    let rows = &b.rows;
    let mut out = format!(
        "{what}: greedy continuations of {tokens} tokens by consecutive kept iterates\n\
         {:<10} {:>13} {:>10} {:>9} {:>10} {:>9} {:>10} {:>8}\n",
        "variant", "steps", "first diff", "diverged", "differing", "edit", "teacher f.", "ampl."
    );
    let line = |r: &BifurcationRow, steps: String| {
        format!(
            "{:<10} {steps:>13} {:>10.1} {:>8.0}% {:>9.1}% {:>8.1}% {:>9.2}% {:>8}\n",
            r.variant,
            r.first_difference,
            100.0 * r.diverged,
            100.0 * r.differing_fraction,
            100.0 * r.edit_distance,
            100.0 * r.teacher_forced,
            r.amplification.map_or("-".into(), |a| format!("{a:.1}×"))
        )
    };
    for r in rows {
        out.push_str(&line(r, format!("{}→{}", r.from_step, r.step)));
    }
    // Per variant, the means over its second half of pairs.
    out.push_str("means over the second half of the pairs:\n");
    for name in variant_order(rows.iter().map(|r| r.variant.as_str())) {
        let mine: Vec<&BifurcationRow> = rows.iter().filter(|r| r.variant == name).collect();
        let summary = mean_row(&name, &mine[mine.len() / 2..]);
        out.push_str(&line(&summary, format!("{}…{}", summary.from_step, summary.step)));
    }
    for e in &b.examples {
        out.push_str(&format!("\nprompt {:?} (‖ marks where the two iterates' continuations part):\n", e.prompt));
        for (variant, a, c, _) in &e.continuations {
            out.push_str(&format!(
                "  {variant:<10} @{:<7} {a:?}\n  {variant:<10} @{:<7} {c:?}\n",
                e.steps.0, e.steps.1
            ));
        }
    }
    out
}

/// The means of `rows` (one variant's, in step order) as one row spanning them.
pub(crate) fn mean_row(variant: &str, rows: &[&BifurcationRow]) -> BifurcationRow {
    let of = |f: fn(&BifurcationRow) -> f64| mean(rows.iter().map(|r| f(r)));
    let amps: Vec<f64> = rows.iter().filter_map(|r| r.amplification).collect();
    BifurcationRow {
        variant: variant.to_string(),
        from_step: rows[0].from_step,
        step: rows[rows.len() - 1].step,
        first_difference: of(|r| r.first_difference),
        diverged: of(|r| r.diverged),
        differing_fraction: of(|r| r.differing_fraction),
        edit_distance: of(|r| r.edit_distance),
        teacher_forced: of(|r| r.teacher_forced),
        amplification: (!amps.is_empty()).then(|| mean(amps)),
    }
}
