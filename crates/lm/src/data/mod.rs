//! What a model learns from: corpora read as documents, tokenizers, llm.c token shards and the prepared sets
//! that hold them, the flip-flop language, and where training windows start in a shard.

pub mod corpus;
pub mod flipflop;
pub mod prepare;
pub mod shard;
pub mod tokenizer;
pub mod windows;
