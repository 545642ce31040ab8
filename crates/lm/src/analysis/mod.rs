//! What a trained run's kept models do: sampling, bifurcations of greedy generations (after training, and at
//! every iterate of the windows while training), and flip-flop scores.

pub mod bifurcation;
pub mod flipflop_score;
pub(crate) mod generator;
pub(crate) mod kept_model;
mod sample;
pub mod window_probe;

pub use kept_model::load_variant;
pub use sample::{SampleSpec, sample};
