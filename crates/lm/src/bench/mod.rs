//! `butterfly bench lm`: our GPT's training and generation speed beside PyTorch's, and the same training
//! run in both engines compared by validation loss.

mod throughput;
mod torch_compare;
mod torch_gpt;

pub use throughput::{LmRates, LmShape, RECORDED_STEPS, measure, standard_shapes, train_flops_per_token};
pub use torch_compare::{ValidationComparison, compare_validation};
