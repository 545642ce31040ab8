//! Which checkpoint to deploy, with the fewest rollouts (docs/selection.md). The arms are the (step,
//! variant) pairs whose parameters a run kept; a race of successive elimination rolls every arm still in
//! it out from common initial conditions, so that arms are compared on paired outcomes, and stops once one
//! arm is within ε of the best with probability ≥ 1 − δ (anytime-valid empirical-Bernstein confidence
//! sequences, union-bounded over every pair and arm), when a finite set of initial conditions is used up,
//! or at a budget. Where outcomes come from is the caller's: a table here, rollouts of a BC run in
//! `butterfly_studies`.

mod arm;
mod confidence;
mod error;
mod race;
mod selection;
mod table;

pub use arm::{Arm, ArmFilter};
pub use confidence::ConfidenceSequence;
pub use error::SelectError;
pub use race::{Race, RaceSpec, Stop, Verdict};
pub use selection::{Request, Selection, run_selection};
pub use table::OutcomeTable;
