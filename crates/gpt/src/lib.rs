//! A GPT on flat parameters, in the hand-written style of llm.c: one parameter vector θ with a table
//! of named offsets (nanoGPT's `state_dict` names and shapes), one activation struct sized for (B, T),
//! and ops that are forward/backward pairs over slices. Token and position embeddings, pre-LayerNorm
//! blocks of causal multi-head self-attention and a 4× MLP with tanh-approximate GELU, a final
//! LayerNorm and a head tied to the token embedding; dropout in training where nanoGPT has it.

pub mod bench;
mod config;
mod decode;
mod error;
mod gpt;
pub mod imitator;
mod imitator_packed;
pub mod model;
pub mod ops;
mod params;
pub mod trunk;

pub use config::GptConfig;
pub use decode::Decoder;
pub use error::GptError;
pub use gpt::Gpt;
pub use imitator::{ImitatorShape, ImitatorTable, TransformerNet};
pub use imitator_packed::PackedImitator;
pub use ops::dropout::Dropout;
pub use params::{BlockOffsets, ParamTable, ParamTensor};
pub use trunk::{Trunk, TrunkParams, TrunkShape};

#[cfg(test)]
mod tests;
