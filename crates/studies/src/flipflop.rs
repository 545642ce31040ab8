//! The flip-flop study over seeds: every kept iterate of each run scored exactly on test sets of the
//! flip-flop language, then the study's figure, CSV and intervals (`butterfly lm flipflop study`, and the
//! first half of `butterfly demo lm`).

use std::path::{Path, PathBuf};

use butterfly_lm::LmConfig;
use butterfly_lm::analysis::flipflop_score;
use butterfly_report::{FlipflopSeed, FlipflopStudy, write_flipflop_study};

use crate::StudyError;
use crate::watch::Watch;

/// Scores every kept iterate of each run (labelled by its config's seed) on each test set (label,
/// sequences) on `threads`, and writes the study into `out`.
pub fn flipflop_study(
    runs: &[PathBuf],
    tests: &[(String, Vec<String>)],
    out: &Path,
    threads: usize,
    watch: &dyn Watch,
) -> Result<FlipflopStudy, StudyError> {
    butterfly_store::ensure_distinct(runs)?;
    for run in runs {
        // The oscillation is taken over the second half of the kept evaluations: it needs two there.
        let kept = butterfly_train::kept_steps(run).len();
        if kept < 3 {
            return Err(StudyError::Path {
                path: run.clone(),
                what: format!(
                    "kept {kept} evaluation(s); a study needs 3 or more (two in the second half): train longer or \
                     evaluate more often"
                ),
            });
        }
    }
    let mut seeds = Vec::new();
    for run in runs {
        let not_lm = |what: String| StudyError::Path { path: run.clone(), what };
        let text = std::fs::read_to_string(run.join(butterfly_store::run_dir::CONFIG))
            .map_err(|_| not_lm("is not an LM run directory".into()))?;
        let seed = LmConfig::from_toml(&text).map_err(|e| not_lm(e.to_string()))?.seed;
        watch.note(&format!("scoring every kept iterate of {} on {} test sets ...", run.display(), tests.len()));
        let sets = tests
            .iter()
            .map(|(label, seqs)| Ok((label.clone(), flipflop_score::score_run(run, seqs, threads)?)))
            .collect::<Result<Vec<_>, StudyError>>()?;
        seeds.push(FlipflopSeed { seed, sets });
    }
    Ok(write_flipflop_study(&seeds, out)?)
}
