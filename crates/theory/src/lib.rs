//! The paper's two toy models of gradient variance amplification (GVA), as simulations next to their exact
//! values, so that a user can see the mechanism before training anything.
//!
//! - [`cliff`]: SGD with constant step size on a quadratic BC loss, whose rollout reward falls off a cliff
//!   (paper §4.3, eq. 4.2 and Proposition 4.1): the SGD iterate keeps a noise floor of order η that pushes it
//!   over the cliff, the EMA of the iterates (eq. 4.1) a floor of order γ that does not.
//! - [`linear`]: a marginally stable linear system in the spirit of Proposition 3.1 (§3.3): a δ-Lipschitz
//!   policy error costs O(Hδ²) in BC loss but an e^{Ω(Hδ)} rollout cost gap.
//!
//! Monte Carlo trials run in parallel, each with its own random stream derived from the seed and the trial
//! index, and are summed in trial order: the numbers depend on the seed only, not on the thread count.

pub mod chi_squared;
pub mod cliff;
mod error;
pub mod estimate;
pub mod linear;
pub mod monte_carlo;
mod sweep;

pub use error::TheoryError;
pub use estimate::Estimate;
pub use monte_carlo::MonteCarlo;
