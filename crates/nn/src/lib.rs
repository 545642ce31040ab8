//! Butterfly's flat-parameter MLP engine.
//!
//! Every policy, critic and imitator is an [`Mlp`] layout over one contiguous parameter vector θ
//! (`Vec<f32>`, PyTorch's tensor order and names: see [`Layout`]), so EMA, perturbations and
//! checkpoints are plain vector operations. [`Mlp::forward`]/[`Mlp::backward`] run over OpenBLAS
//! with fused bias/norm/activation passes; [`Optimizer`] updates θ in one pass and keeps its state
//! in a flat vector too; [`Schedule`] gives the learning rate of each update; [`PackedMlp`] freezes
//! one θ for low-latency rollout inference. The engine is generic over [`Float`] (f32 for
//! training, f64 for the finite-difference gradient checks).
//!
//! Threads: a [`Threads`] value (one by default) is given to each network and optimizer a run makes;
//! two or more split their passes in two with the run's helper thread. Every GEMM runs on the calling
//! thread. No float reduction is ever split across threads, so for a fixed count every result is
//! bit-identical from run to run.

pub mod activation;
pub mod bench;
pub mod error;
mod fast_math;
pub mod float;
mod gemm;
mod helper;
mod kernel;
pub mod layer_norm;
pub mod layout;
pub mod loss;
pub mod mlp;
pub mod optimizer;
pub mod packed;
pub mod schedule;
pub mod squash;
mod threads;

pub use activation::Activation;
pub use error::{NnError, Result};
pub use float::Float;
pub use gemm::{GemmScalar, Operand, gemm, gemm_backend, gemm_strided};
pub use layout::{Layout, LinearSlot, MlpSpec, NamedTensor, NormSlot};
pub use loss::mse;
pub use mlp::Mlp;
pub use optimizer::{Optimizer, OptimizerConfig, OptimizerKind};
pub use packed::{PackedLinear, PackedMlp};
pub use schedule::{Decay, Schedule};
pub use squash::{squash_backward, squash_forward};
pub use threads::Threads;
