//! The linear quantities over a grid of error sizes δ and horizons H.

use serde::Serialize;

use super::{LinearConfig, LinearValues, exact, simulate};
use crate::sweep::evaluate_all;
use crate::{Estimate, MonteCarlo, TheoryError};

/// One configuration of a sweep: its estimates and exact values.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepRow {
    pub config: LinearConfig,
    pub estimates: LinearValues<Estimate>,
    pub exact: LinearValues<f64>,
}

/// Every δ in `deltas`, each with every horizon in `horizons`, in dimension `dim`. `on_row` sees each row when
/// it is done (for progress). Every row uses the same trial streams, so rows differ by their parameters, not
/// by their noise.
pub fn sweep(
    deltas: &[f64],
    horizons: &[usize],
    dim: usize,
    mc: &MonteCarlo,
    on_row: impl FnMut(&SweepRow),
) -> Result<Vec<SweepRow>, TheoryError> {
    let configs: Vec<LinearConfig> = deltas
        .iter()
        .flat_map(|&delta| horizons.iter().map(move |&horizon| LinearConfig { delta, horizon, dim }))
        .collect();
    evaluate_all(
        configs,
        LinearConfig::validate,
        |config| Ok(SweepRow { config, estimates: simulate(&config, mc)?, exact: exact(&config)? }),
        on_row,
    )
}
