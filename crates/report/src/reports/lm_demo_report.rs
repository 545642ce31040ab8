//! `report.md` of `butterfly demo lm`: the flip-flop study over seeds (the read error of every evaluated
//! iterate, raw and EMA, in and out of distribution) and the bifurcating generations of neighbouring
//! iterates of a GPT on the default corpus.

use std::path::{Path, PathBuf};

use butterfly_lm::analysis::bifurcation::Bifurcations;
use butterfly_store::write_atomic;

use crate::ReportError;
use crate::reports::bifurcation_table::bifurcation_text;
use crate::reports::flipflop_study::{FlipflopStudy, flipflop_study_markdown};
use crate::reports::lm_report::{LmSummary, window_generations_table};

/// Writes `dir/report.md` and returns its path; figures are linked relative to `dir`.
pub fn write_lm_demo_report(
    dir: &Path,
    study: &FlipflopStudy,
    generation: &LmSummary,
    bifurcations: &Bifurcations,
    tokens: usize,
) -> Result<PathBuf, ReportError> {
    let rel = |p: &Path| p.strip_prefix(dir).unwrap_or(p).display().to_string();
    let mut md = format!(
        "# Butterfly effects in generation\n\n\
         ## The flip-flop language: an exactly scored rollout\n\n\
         A small GPT learns FFL(0.8) (write / ignore / read a bit; a read must repeat the last written bit). Every \
         evaluated iterate is scored by its greedy prediction at every read, on held-out sequences of FFL(0.8) and \
         out of distribution on sparse FFL(0.98) and dense FFL(0.1). The oscillation is the mean change of the read \
         accuracy between consecutive evaluations, as for J_H. Seeds: {:?}.\n\n![flip-flop]({})\n\n",
        study.seeds,
        rel(&study.figure)
    );
    md.push_str(&flipflop_study_markdown(study));
    md.push_str(&format!("\nEvery score: `{}`.\n\n## Generations of neighbouring iterates\n\n", rel(&study.csv)));
    md.push_str(
        "A character GPT on Shakespeare at a constant learning rate, raw beside two EMAs (one seed). Greedy \
         continuations of fixed validation prompts by consecutive kept iterates: where they first differ, the \
         share that diverge, the differing tokens, beside the teacher-forced disagreement of the same two \
         iterates (the one-step surrogate) and the ratio of the two.\n\n",
    );
    md.push_str("| variant | final val loss | best (step) |\n|---|---|---|\n");
    for v in &generation.variants {
        md.push_str(&format!("| {} | {:.4} | {:.4} ({}) |\n", v.name, v.final_loss, v.best_loss, v.best_step));
    }
    if !generation.window_generations.is_empty() {
        md.push_str(&window_generations_table(&generation.window_generations));
    }
    md.push_str(&format!(
        "\nConsecutive kept iterates (the evaluation cadence):\n\n```\n{}```\n\nFigure 4 of that run and its own report: `{}`.\n",
        bifurcation_text(bifurcations, "greedy", tokens),
        rel(&generation.dir.join("report.md"))
    ));
    let path = dir.join("report.md");
    write_atomic(&path, md.as_bytes())?;
    Ok(path)
}
