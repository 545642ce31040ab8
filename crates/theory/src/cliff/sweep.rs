//! The cliff quantities over a grid of step sizes and EMA weights, with the 1/t schedule for comparison.

use serde::Serialize;

use super::{CliffConfig, CliffValues, Schedule, exact, simulate};
use crate::sweep::evaluate_all;
use crate::{Estimate, MonteCarlo, TheoryError};

/// One configuration of a sweep: its estimates and exact values at step T.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepRow {
    pub config: CliffConfig,
    pub estimates: CliffValues<Estimate>,
    pub exact: CliffValues<f64>,
}

/// Every constant step size in `etas`, then the 1/t schedule, each with every EMA weight in `gammas`; the
/// other parameters come from `base`. `on_row` sees each row when it is done (for progress). Every row uses
/// the same trial streams, so rows differ by their parameters, not by their noise.
pub fn sweep(
    base: &CliffConfig,
    etas: &[f64],
    gammas: &[f64],
    mc: &MonteCarlo,
    on_row: impl FnMut(&SweepRow),
) -> Result<Vec<SweepRow>, TheoryError> {
    let schedules = etas.iter().map(|&eta| Schedule::Constant { eta }).chain([Schedule::InverseT]);
    let configs: Vec<CliffConfig> = schedules
        .flat_map(|schedule| gammas.iter().map(move |&gamma| CliffConfig { schedule, gamma, ..*base }))
        .collect();
    evaluate_all(
        configs,
        CliffConfig::validate,
        |config| Ok(SweepRow { config, estimates: simulate(&config, mc)?, exact: exact(&config)? }),
        on_row,
    )
}
