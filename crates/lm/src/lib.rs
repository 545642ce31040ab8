//! Language models trained by next-token prediction (paper §4.2): a GPT is a behaviour cloner whose
//! rollout is its own generation. `data` turns corpora into token shards, `training` trains on them with
//! the shared loop, `analysis` reads what a run kept (sampling, bifurcations, flip-flop scores), `bench`
//! measures the engine against PyTorch; the config, the error and the PyTorch export serve them all.

pub mod analysis;
pub mod bench;
mod config;
pub mod data;
mod error;
mod export;
pub mod training;

pub use analysis::{SampleSpec, load_variant, sample};
pub use config::{EvalConfig, LmConfig, ModelConfig, WindowGenerations};
pub use data::prepare::{PrepareSpec, Prepared, prepare, tokenizer_file};
pub use error::LmError;
pub use export::export;
pub use training::{Inputs, IterateLossRow, Lm, LmJudge, LmLearner, LmTrainer, tokens_per_step};
