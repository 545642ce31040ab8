//! What `butterfly lm score` prints: one score, or every kept step of a run with GVA metrics.

use butterfly_lm::analysis::flipflop_score::{FlipflopScore, StepScore};

use crate::runs::variant_order;
use crate::stats::moments::mean;
use crate::stats::oscillation::Oscillation;

/// `what`: reads, wrong reads and their rate, and the share of sequences read without a mistake.
pub fn flipflop_score_text(s: &FlipflopScore, what: &str) -> String {
    format!(
        "{what}: {} reads in {} sequences, {} wrong (error rate {:.4}); every read right in {:.1} % of the sequences\n",
        s.reads,
        s.sequences,
        s.read_errors,
        s.error_rate,
        100.0 * s.all_correct
    )
}

/// One variant's read-accuracy curve over the second half of a run's kept steps, with the GVA metrics
/// of a return curve (the "expert" is a perfect reader: accuracy 1).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FlipflopSummary {
    pub variant: String,
    pub from_step: u64,
    pub mean_error_rate: f64,
    pub oscillation: Option<Oscillation>,
}

/// The per-variant summaries of `rows` (every variant at every kept step).
pub fn flipflop_summaries(rows: &[StepScore]) -> Vec<FlipflopSummary> {
    let mut steps: Vec<u64> = rows.iter().map(|r| r.step).collect();
    steps.dedup();
    let from_step = steps[steps.len() / 2];
    variant_order(rows.iter().map(|r| r.variant.as_str()))
        .into_iter()
        .map(|v| {
            let errors: Vec<f64> =
                rows.iter().filter(|r| r.variant == v && r.step >= from_step).map(|r| r.score.error_rate).collect();
            let accuracy: Vec<f64> = errors.iter().map(|e| 1.0 - e).collect();
            FlipflopSummary {
                variant: v.clone(),
                from_step,
                mean_error_rate: mean(errors.iter().copied()),
                oscillation: Oscillation::of(&accuracy, 1.0),
            }
        })
        .collect()
}

/// The read error rate of every variant at every kept step, then the summaries.
pub fn flipflop_run_text(rows: &[StepScore], what: &str) -> String {
    let summaries = flipflop_summaries(rows);
    let names: Vec<&str> = summaries.iter().map(|s| s.variant.as_str()).collect();
    let mut out = format!("{what}: read error rate at every kept step\n{:>8}", "step");
    for n in &names {
        out.push_str(&format!(" {n:>12}"));
    }
    out.push('\n');
    let mut steps: Vec<u64> = rows.iter().map(|r| r.step).collect();
    steps.dedup();
    for step in steps {
        out.push_str(&format!("{step:>8}"));
        for n in &names {
            let e = rows.iter().find(|r| r.step == step && r.variant == *n).map(|r| r.score.error_rate);
            out.push_str(&e.map_or(format!(" {:>12}", "-"), |e| format!(" {e:>12.4}")));
        }
        out.push('\n');
    }
    for s in &summaries {
        let o = s.oscillation.map_or("-".to_string(), |o| {
            format!("osc {:.4}, spread {:.4}, below half right {:.0} %", o.osc, o.spread, 100.0 * o.collapse)
        });
        out.push_str(&format!(
            "{:<12} from step {}: mean error rate {:.4}; accuracy {o}\n",
            s.variant, s.from_step, s.mean_error_rate
        ));
    }
    out
}

/// `--json`: `{"steps": [{step, variant, sequences, reads, read_errors, error_rate, all_correct}], "summary":
/// [{variant, from_step, mean_error_rate, oscillation}]}`.
pub fn flipflop_run_json(rows: &[StepScore]) -> serde_json::Value {
    serde_json::json!({ "steps": rows, "summary": flipflop_summaries(rows) })
}
