//! The cliff loss at one configuration: Monte Carlo estimates, exact values and the iterates' laws.

use std::fmt::Write as _;

use butterfly_theory::cliff::{self, CliffConfig, CliffValues, IterateLaw, Schedule};
use butterfly_theory::{Estimate, MonteCarlo, TheoryError};
use serde::Serialize;

use super::estimate_table::estimate_table;

/// What `butterfly theory cliff` reports: serialized for `--json`, [`CliffPoint::text`] otherwise.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CliffPoint {
    pub config: CliffConfig,
    pub monte_carlo: MonteCarlo,
    #[serde(flatten)]
    pub estimates: CliffValues<Estimate>,
    pub exact: CliffValues<f64>,
    /// The laws of θ_T − μ and θ̃_T − μ: N(mean·e_1, variance·I).
    pub laws: Laws,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Laws {
    pub sgd: IterateLaw,
    pub ema: IterateLaw,
}

impl CliffPoint {
    /// Simulates `config` and works out its exact values.
    pub fn evaluate(config: CliffConfig, monte_carlo: MonteCarlo) -> Result<Self, TheoryError> {
        let estimates = cliff::simulate(&config, &monte_carlo)?;
        let exact = cliff::exact(&config)?;
        let [sgd, ema] = cliff::iterate_laws(&config)?;
        Ok(Self { config, monte_carlo, estimates, exact, laws: Laws { sgd, ema } })
    }

    /// The setting, the table of estimates against exact values, the variances at step T and, for a constant
    /// step size, the noise floors they tend to.
    pub fn text(&self) -> String {
        let (config, mc) = (&self.config, &self.monte_carlo);
        let mut text = format!(
            "cliff: {}, gamma={}, eps={}, C={}, d={}, T={}, offset={}; {} trials, seed {}\n",
            config.schedule.label(),
            config.gamma,
            config.eps,
            config.cost,
            config.dim,
            config.steps,
            config.offset,
            mc.trials,
            mc.seed
        );
        let rows = self.estimates.named().into_iter().zip(self.exact.named()).map(|((name, e), (_, x))| (name, *e, *x));
        text.push_str(&estimate_table(mc.confidence, rows));
        let (sgd, ema) = (self.laws.sgd.variance, self.laws.ema.variance);
        let _ = writeln!(text, "per-coordinate variance at step T: SGD {sgd:.4e}, EMA {ema:.4e}");
        if let Schedule::Constant { eta } = config.schedule {
            let [v, v_ema] = cliff::stationary_variances(eta, config.gamma);
            let _ = writeln!(text, "noise floors as T → ∞: SGD η/(2 − η) = {v:.4e}, EMA {v_ema:.4e}");
        }
        text
    }
}
