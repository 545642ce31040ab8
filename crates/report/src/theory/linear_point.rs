//! The linear system at one configuration: Monte Carlo estimates next to the closed forms.

use std::fmt::Write as _;

use butterfly_theory::linear::{self, LinearConfig, LinearValues};
use butterfly_theory::{Estimate, MonteCarlo, TheoryError};
use serde::Serialize;

use super::estimate_table::estimate_table;

/// What `butterfly theory linear` reports: serialized for `--json`, [`LinearPoint::text`] otherwise.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinearPoint {
    pub config: LinearConfig,
    pub monte_carlo: MonteCarlo,
    #[serde(flatten)]
    pub estimates: LinearValues<Estimate>,
    pub exact: LinearValues<f64>,
}

impl LinearPoint {
    /// Simulates `config` and works out its closed forms.
    pub fn evaluate(config: LinearConfig, monte_carlo: MonteCarlo) -> Result<Self, TheoryError> {
        let estimates = linear::simulate(&config, &monte_carlo)?;
        let exact = linear::exact(&config)?;
        Ok(Self { config, monte_carlo, estimates, exact })
    }

    /// The setting, the table of estimates against exact values, and the amplification factor.
    pub fn text(&self) -> String {
        let (c, mc, e, x) = (&self.config, &self.monte_carlo, &self.estimates, &self.exact);
        let mut text = format!(
            "linear: delta={}, H={}, d={}; {} trials, seed {}\n",
            c.delta, c.horizon, c.dim, mc.trials, mc.seed
        );
        let rows = [("bc_loss", e.bc_loss, x.bc_loss), ("reward_gap", e.reward_gap, x.reward_gap)];
        text.push_str(&estimate_table(mc.confidence, rows.into_iter()));
        let _ = writeln!(text, "amplification (gap / BC loss): {:.4e}", x.reward_gap / x.bc_loss);
        text
    }
}
