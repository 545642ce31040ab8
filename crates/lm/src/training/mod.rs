//! `lm train`: the LM learner on the shared training loop, and the run that checks its inputs and resumes.

mod judge;
mod learner;
pub(crate) mod trainer;

pub use judge::LmJudge;
pub use learner::{IterateLossRow, LmLearner};
pub use trainer::{Inputs, Lm, LmTrainer, tokens_per_step};
