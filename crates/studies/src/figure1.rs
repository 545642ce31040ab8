//! Figure 1 at the paper's own setting (configs/paper/, docs/paper-setting.md) as a study: seeds side by
//! side on one shared N = H = 1000 dataset, every iterate of a window for the first two seeds, the reward
//! landscapes of the first seed near the end, and the report with paired intervals. The quick version is
//! the same pipeline at a tenth of the updates, with the EMA alone.

use std::path::PathBuf;

use butterfly_imitate::{BcConfig, Window};
use butterfly_train::TrainingConfig;

use crate::StudyError;
use crate::bc_study::Study;

pub(crate) const FIGURE1: &str = include_str!("../../../configs/paper/figure1.toml");

/// The quick figure's updates and evaluation cadence.
pub(crate) const QUICK_STEPS: u64 = 15_000;
pub(crate) const QUICK_EVERY: u64 = 1_000;

/// The study of `seeds` (default: ten, or 0 and 1 when `quick`) under `out`, `jobs` runs side by side.
pub fn figure1_study<'a>(
    quick: bool,
    seeds: Option<Vec<u64>>,
    out: &std::path::Path,
    jobs: usize,
    assets: Option<&'a std::path::Path>,
) -> Result<Study<'a>, StudyError> {
    let mut config = BcConfig::from_toml(FIGURE1)?;
    // The zoom (every iterate from 40K) for the first two seeds, and the landscapes' steps, at the full budget.
    let (mut zoom, mut landscape) = (Window { start: 40_000, length: 1_000, variants: vec![] }, [115_000, 120_000]);
    if quick {
        let full = config.steps;
        config.scale_budget(QUICK_STEPS);
        config.eval.every = QUICK_EVERY;
        config.stabilizers.retain(|s| s.build(&[]).is_ok_and(|e| butterfly_imitate::Stabilizer::name(&e) == "ema"));
        zoom = Window { start: zoom.start * QUICK_STEPS / full, length: 20, variants: vec![] };
        landscape = landscape.map(|s| s * QUICK_STEPS / full / QUICK_EVERY * QUICK_EVERY);
        if landscape[0] == landscape[1] {
            landscape[0] -= QUICK_EVERY;
        }
    } else {
        // Eleven variants make every iterate eleven times dearer: the zoom judges the raw iterate and the EMA.
        zoom.variants = vec!["raw".into(), "ema".into()];
    }
    config.validate()?;
    let seeds = seeds.unwrap_or_else(|| if quick { vec![0, 1] } else { (0..10).collect() });
    if seeds.is_empty() {
        return Err(StudyError::Options("--seeds needs at least one seed".into()));
    }
    let runs: Vec<(BcConfig, PathBuf)> = seeds
        .iter()
        .enumerate()
        .map(|(k, &seed)| {
            let mut c = config.clone();
            c.seed = seed;
            if k < 2 {
                c.eval.windows = vec![zoom.clone()];
            }
            (c, out.join(format!("seed{seed}")))
        })
        .collect();
    Ok(Study {
        label: "figure1",
        title: "Figure 1 at the paper's setting",
        runs,
        out: out.to_path_buf(),
        jobs,
        landscape_steps: Some(landscape.to_vec()),
        grid: if quick { 5 } else { 11 },
        landscape_rollouts: Some(if quick { 10 } else { 20 }),
        // After every burn-in, and over the whole run: the decay anneals the swings away at the end.
        window_start: Some(config.stabilizers.iter().map(|s| s.burn_in()).max().unwrap_or(0)),
        assets,
    })
}

#[cfg(test)]
mod tests {
    use butterfly_nn::Decay;

    use super::*;

    #[test]
    fn the_quick_figure_keeps_the_papers_data_initial_conditions_and_schedule() {
        let out = std::path::Path::new("/nonexistent/figure1");
        let quick = figure1_study(true, None, out, 2, None).unwrap();
        assert_eq!(quick.runs.len(), 2);
        let (c, dir) = &quick.runs[0];
        assert_eq!(dir, &out.join("seed0"));
        assert_eq!((c.data.trajectories, c.data.horizon, c.data.seed), (1000, 1000, Some(0)));
        assert_eq!((c.eval.initial_conditions, c.eval.horizon), (20, 1000));
        assert_eq!((c.steps, c.eval.every), (15_000, 1_000));
        assert_eq!(c.schedule.decay, Decay::Cosine { steps: 15_000, final_lr: 0.0 }, "lr reaches 0 at the last update");
        assert_eq!(c.stabilizers.len(), 1);
        assert_eq!((c.eval.windows[0].start, c.eval.windows[0].length), (4_000, 20));
        assert_eq!(quick.landscape_steps, Some(vec![11_000, 12_000]));
        assert!(quick.runs[1].0.eval.windows.len() == 1 && quick.runs[1].0.seed == 1);

        let full = figure1_study(false, Some(vec![3, 4, 5]), out, 2, None).unwrap();
        let (c, _) = &full.runs[0];
        assert_eq!((c.steps, c.eval.every, c.stabilizers.len(), c.seed), (150_000, 5_000, 10, 3));
        assert_eq!(c.eval.windows[0].variants, ["raw", "ema"]);
        assert!(full.runs[2].0.eval.windows.is_empty(), "the zoom is for the first two seeds");
        assert_eq!(full.landscape_steps, Some(vec![115_000, 120_000]));
    }
}
