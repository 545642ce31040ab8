//! The cliff loss of paper §4.3: a horizon-one BC problem whose training loss is convex but whose rollout
//! reward is discontinuous.
//!
//! From the paper: the *training loss* is ℓ_BC(θ) = ½‖θ − μ‖², and the *rollout reward* is
//!
//! ```text
//! J(θ) = −‖θ − μ‖²   if ‖θ − μ‖ ≤ ε,
//!        −C          otherwise,                                        (4.2)
//! ```
//!
//! with C ≫ ε² > 0, so J(θ*) = J(μ) = 0 and the reward gap J(θ*) − J(θ) is ‖θ − μ‖² below the cliff and C past
//! it. SGD on a noisy BC loss runs θ_{t+1} = θ_t − η(θ_t − μ + w_t) with w_t ~ N(0, I), and the EMA of its
//! iterates (eq. 4.1) is θ̃_0 = θ_0, θ̃_{t+1} = (1 − γ_t)·θ̃_t + γ_t·θ_{t+1}, where γ is the weight of the new
//! iterate (here constant). Proposition 4.1: from θ_0 = μ in one dimension, E[ℓ_BC(θ_T)] = Θ(η) while
//! E[ℓ_BC(θ̃_T)] = Θ(γ); for η > c₁ε and γ·log(C/γ) ≤ c₂ε the SGD iterate's expected reward gap is at least C/2
//! while the EMA's is O(γ).
//!
//! Everything depends on θ only through the error e = θ − μ, so the simulation runs on e (μ = 0).

mod exact;
mod simulate;
mod sweep;

use serde::Serialize;

pub use exact::{IterateLaw, exact, iterate_laws, stationary_variances};
pub use simulate::simulate;
pub use sweep::{SweepRow, sweep};

use crate::TheoryError;

/// The SGD step size η_t used for the step from θ_t to θ_{t+1}.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// η_t = η.
    Constant { eta: f64 },
    /// η_t = 1/(t + 1): then θ_T = μ − (w_0 + … + w_{T−1})/T is the sample mean whatever θ_0, the maximum
    /// likelihood estimate of μ (the paper's footnote 8), whose error variance 1/T vanishes.
    InverseT,
}

impl Schedule {
    pub fn step_size(&self, t: usize) -> f64 {
        match *self {
            Self::Constant { eta } => eta,
            Self::InverseT => 1.0 / (t as f64 + 1.0),
        }
    }

    /// A short label for tables and legends.
    pub fn label(&self) -> String {
        match *self {
            Self::Constant { eta } => format!("eta={eta}"),
            Self::InverseT => "eta=1/t".to_string(),
        }
    }
}

/// One cliff problem and the optimizer run on it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CliffConfig {
    pub schedule: Schedule,
    /// The EMA weight of the new iterate, constant over steps.
    pub gamma: f64,
    /// ε: the radius of the cliff's edge around μ.
    pub eps: f64,
    /// C: the reward lost past the cliff.
    pub cost: f64,
    /// d: the dimension of θ.
    pub dim: usize,
    /// T: the step at which iterates are evaluated.
    pub steps: usize,
    /// ‖θ_0 − μ‖, along the first coordinate axis (the dynamics are isotropic, so only the length matters).
    pub offset: f64,
}

impl CliffConfig {
    pub fn validate(&self) -> Result<(), TheoryError> {
        if let Schedule::Constant { eta } = self.schedule {
            // |1 − η| < 1 keeps the SGD recursion stable.
            TheoryError::check("eta", eta, "in (0, 2)", |v| v > 0.0 && v < 2.0)?;
        }
        TheoryError::check("gamma", self.gamma, "in (0, 1]", |v| v > 0.0 && v <= 1.0)?;
        TheoryError::check("eps", self.eps, "positive", |v| v > 0.0)?;
        TheoryError::check("cost", self.cost, "positive", |v| v > 0.0)?;
        TheoryError::check("offset", self.offset, "non-negative", |v| v >= 0.0)?;
        TheoryError::check_count("dim", self.dim, 1)?;
        TheoryError::check_count("steps", self.steps, 1)?;
        exact::check_computable(self)
    }

    /// The reward gap J(θ*) − J(θ) = −J(θ) of eq. 4.2 at squared distance ‖θ − μ‖² = `sq_dist`.
    pub fn reward_gap(&self, sq_dist: f64) -> f64 {
        if sq_dist <= self.eps * self.eps { sq_dist } else { self.cost }
    }
}

/// ℓ_BC(θ) = ½‖θ − μ‖² at squared distance `sq_dist`.
pub fn bc_loss(sq_dist: f64) -> f64 {
    0.5 * sq_dist
}

/// The four quantities reported at step T, for the SGD iterate θ_T and the EMA θ̃_T: estimates or exact values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CliffValues<T> {
    pub sgd_bc_loss: T,
    pub ema_bc_loss: T,
    pub sgd_reward_gap: T,
    pub ema_reward_gap: T,
}

impl<T> CliffValues<T> {
    /// The quantities with their names, in the order of the fields.
    pub fn named(&self) -> [(&'static str, &T); 4] {
        [
            ("sgd_bc_loss", &self.sgd_bc_loss),
            ("ema_bc_loss", &self.ema_bc_loss),
            ("sgd_reward_gap", &self.sgd_reward_gap),
            ("ema_reward_gap", &self.ema_reward_gap),
        ]
    }
}
