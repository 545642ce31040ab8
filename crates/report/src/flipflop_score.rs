//! The line `butterfly lm score` prints.

use butterfly_lm::flipflop::FlipflopScore;

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
