//! Figures 2 and 3 of the paper at its own setting (configs/paper/figure2.toml, figure3.toml) as sweeps on
//! Figure 1's config: the rows of interventions and the five tasks, each run resumable, then the sweep's
//! report (paired intervals, the comparison figure). The quick version is the same pipeline at a tenth of
//! the updates, with the EMA alone and one seed.

use std::path::Path;

use butterfly_imitate::{Stabilizer, Sweep};
use butterfly_report::SweepSummary;
use butterfly_train::TrainingConfig;

use crate::figure1::{FIGURE1, QUICK_EVERY, QUICK_STEPS};
use crate::watch::Watch;
use crate::{StudyError, report_sweep, train_sweep};

/// A figure of the paper that is a sweep of Figure 1's setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperSweep {
    /// Interventions: data size, fresh data, aggressive decay, large batch by accumulation, tuned momentum.
    Figure2,
    /// The EMA against the raw iterate on the five tasks.
    Figure3,
}

impl PaperSweep {
    /// The sweep file, relative to the repository root.
    pub fn file_name(self) -> &'static str {
        self.file().0
    }

    fn file(self) -> (&'static str, &'static str) {
        match self {
            PaperSweep::Figure2 => ("configs/paper/figure2.toml", include_str!("../../../configs/paper/figure2.toml")),
            PaperSweep::Figure3 => ("configs/paper/figure3.toml", include_str!("../../../configs/paper/figure3.toml")),
        }
    }
}

/// The figure's sweep: its seeds, or `seeds`; with `quick`, 15 000 updates (J_H every 1 000), the EMA alone
/// and seed 0 unless `seeds` says otherwise.
pub fn paper_sweep(figure: PaperSweep, quick: bool, seeds: Option<&[u64]>) -> Result<Sweep, StudyError> {
    let (name, text) = figure.file();
    let seeds = seeds.or(quick.then_some(&[0][..]));
    if seeds.is_some_and(<[u64]>::is_empty) {
        return Err(StudyError::Options("--seeds needs at least one seed".into()));
    }
    let mut sweep = Sweep::from_texts(Path::new(name), text, FIGURE1, &[], seeds)?;
    if quick {
        for run in &mut sweep.runs {
            let config = &mut run.config;
            config.scale_budget(QUICK_STEPS);
            config.eval.every = QUICK_EVERY;
            config.stabilizers.retain(|s| s.build(&[]).is_ok_and(|e| e.name() == "ema"));
            config.validate()?;
        }
    }
    Ok(sweep)
}

/// Trains every run of `sweep` under `out` (`jobs` side by side; finished ones are skipped, others
/// resumed) and writes its report, the oscillation window starting after every burn-in.
pub fn run_paper_sweep(
    sweep: &Sweep,
    out: &Path,
    jobs: usize,
    assets: Option<&Path>,
    watch: &dyn Watch,
) -> Result<SweepSummary, StudyError> {
    let runs: Vec<_> = sweep.runs.iter().collect();
    train_sweep(&runs, out, jobs, assets, watch)?;
    let burn_in = sweep.runs.iter().flat_map(|r| r.config.stabilizers.iter().map(|s| s.burn_in())).max();
    report_sweep(sweep, out, Some(burn_in.unwrap_or(0)), watch)
}

#[cfg(test)]
mod tests {
    use butterfly_imitate::{BcConfig, Head};
    use butterfly_nn::Decay;

    use super::*;

    /// Every run is at Figure 1's setting but for its row's change; the Walker2d / data-1000 runs are
    /// Figure 1's own runs (configs/paper/figure1-seeds.toml), so they can be copied rather than retrained.
    #[test]
    fn the_sweeps_keep_the_papers_setting_and_reuse_figure1s_runs() {
        let figure1 = Sweep::load(Path::new("../../configs/paper/figure1-seeds.toml"), &[], None).unwrap();
        for (figure, runs, reused) in [(PaperSweep::Figure2, 21, "data-1000"), (PaperSweep::Figure3, 25, "walker2d")] {
            let sweep = paper_sweep(figure, false, None).unwrap();
            assert_eq!(sweep.runs.len(), runs, "{figure:?}");
            for run in &sweep.runs {
                let c = &run.config;
                assert_eq!((c.data.horizon, c.data.seed, c.eval.initial_conditions), (1000, Some(0), 20));
                assert_eq!((c.steps, c.eval.every), (150_000, 5_000));
                if run.variant == reused {
                    assert_eq!(c, &figure1.runs[run.seed as usize].config, "{} is Figure 1's run", run.id());
                } else {
                    assert_eq!(c.stabilizers.len(), 1, "{}: raw and the EMA", run.id());
                }
            }
            let row = |name: &str| -> &BcConfig { &sweep.runs.iter().find(|r| r.variant == name).unwrap().config };
            match figure {
                PaperSweep::Figure2 => {
                    assert!(row("fresh-data").data.stream && row("accumulate-4").accumulation == 4);
                    assert_eq!(row("data-50").data.trajectories, 50);
                    assert_eq!(row("lr-1-over-t").schedule.decay, Decay::InverseTime { rate: 1e-3 });
                }
                PaperSweep::Figure3 => {
                    assert_eq!(
                        (row("humanoid").env.as_str(), row("humanoid").network.output),
                        ("Humanoid-v4", Head::Tanh)
                    );
                    assert_eq!(row("ant").network.output, Head::Linear);
                }
            }
        }
    }

    #[test]
    fn the_quick_sweeps_are_a_tenth_of_the_updates_with_the_ema_alone() {
        let quick = paper_sweep(PaperSweep::Figure3, true, None).unwrap();
        assert_eq!(quick.runs.len(), 5, "one seed of each task");
        for run in &quick.runs {
            let c = &run.config;
            assert_eq!((c.steps, c.eval.every, c.seed, c.data.trajectories), (15_000, 1_000, 0, 1000));
            assert_eq!(c.schedule.decay, Decay::Cosine { steps: 15_000, final_lr: 0.0 });
            assert_eq!(c.stabilizers.len(), 1);
        }
        let two = paper_sweep(PaperSweep::Figure2, true, Some(&[4, 5])).unwrap();
        assert_eq!(two.runs.len(), 14);
        assert!(paper_sweep(PaperSweep::Figure2, false, Some(&[])).is_err());
    }
}
