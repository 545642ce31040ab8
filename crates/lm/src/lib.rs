//! Language models trained by next-token prediction (paper §4.2): a GPT is a behaviour cloner whose
//! rollout is its own generation. Tokenizers, corpora, token shards, the LM learner on the shared
//! training loop, and sampling.

pub mod bench;
pub mod bifurcation;
mod config;
pub mod corpus;
mod error;
mod export;
pub mod flipflop;
mod learner;
pub mod prepare;
mod sample;
pub mod shard;
pub mod tokenizer;
pub mod torch_compare;
mod trainer;
pub mod window_probe;
pub mod windows;

pub use butterfly_train::kept_steps;
pub use config::{EvalConfig, LmConfig, ModelConfig};
pub use error::LmError;
pub use export::export;
pub use learner::{IterateLossRow, LmLearner};
pub use prepare::{PrepareSpec, Prepared, prepare, tokenizer_file};
pub use sample::{SampleSpec, load_variant, sample};
pub use trainer::{Inputs, Lm, LmTrainer, tokens_per_step};
