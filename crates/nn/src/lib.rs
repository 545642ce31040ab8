//! Butterfly's flat-parameter MLP engine.
//!
//! Every policy, critic and imitator is an [`Mlp`] layout over one contiguous parameter vector θ
//! (`Vec<f32>`, PyTorch's tensor order and names), so EMA, perturbations and checkpoints are plain
//! vector operations. Forward/backward run over a fast GEMM with fused bias/norm/activation passes;
//! optimizers update θ in one pass and keep their state in a flat vector too. The engine is generic
//! over [`Float`] (f32 for training, f64 for gradient checks).

pub mod activation;
pub mod bench;
pub mod error;
pub mod float;
mod gemm;
mod helper;
mod kernel;
mod layer_norm;
pub mod layout;
pub mod loss;
pub mod mlp;
pub mod optimizer;
pub mod packed;
pub mod schedule;

pub use activation::Activation;
pub use error::{NnError, Result};
pub use float::Float;
pub use gemm::{num_threads, set_num_threads};
pub use layout::{Layout, LinearSlot, MlpSpec, NamedTensor, NormSlot};
pub use loss::mse;
pub use mlp::Mlp;
pub use packed::PackedMlp;
pub use optimizer::{Optimizer, OptimizerConfig, OptimizerKind};
pub use schedule::{Decay, Schedule};
