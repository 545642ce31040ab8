//! `lm prepare`: documents → a trained tokenizer → token shards, with a fixed train/validation split.

use std::path::{Path, PathBuf};

use crate::corpus::{CorpusFormat, read_documents};
use crate::shard;
use crate::tokenizer::Tokenizer;
use crate::LmError;

pub const TRAIN_SHARD: &str = "train.bin";
pub const VAL_SHARD: &str = "val.bin";

#[derive(Debug, Clone)]
pub struct PrepareSpec {
    pub inputs: Vec<PathBuf>,
    pub format: CorpusFormat,
    /// None: one token per character; Some(n): byte-level BPE with n tokens.
    pub bpe_vocab: Option<usize>,
    /// The share of the token stream held out for validation (its end).
    pub val_fraction: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Prepared {
    pub documents: usize,
    pub train_tokens: usize,
    pub val_tokens: usize,
    pub vocab_size: usize,
    pub tokenizer: PathBuf,
}

/// Writes the tokenizer, `train.bin` and `val.bin` into `out` (made if missing). Every document is
/// preceded by the end-of-text token, as llm.c's TinyStories shards are.
pub fn prepare(spec: &PrepareSpec, out: &Path) -> Result<Prepared, LmError> {
    if spec.inputs.is_empty() {
        return Err(LmError::Config("prepare needs at least one input file".into()));
    }
    if !(spec.val_fraction > 0.0 && spec.val_fraction < 0.5) {
        return Err(LmError::Config(format!("val_fraction must be in (0, 0.5), got {}", spec.val_fraction)));
    }
    if let Some(n) = spec.bpe_vocab {
        crate::tokenizer::check_bpe_vocab(n)?;
    }
    let mut inputs = spec.inputs.clone();
    inputs.sort();
    let mut docs = Vec::new();
    for path in &inputs {
        docs.extend(read_documents(path, spec.format)?);
    }
    std::fs::create_dir_all(out).map_err(|e| LmError::Corpus { path: out.to_path_buf(), what: format!("cannot create: {e}") })?;
    let tokenizer = match spec.bpe_vocab {
        None => Tokenizer::train_char(&docs),
        Some(n) => Tokenizer::train_bpe(&docs, n, out)?,
    };
    let file = tokenizer.save(out)?;
    let eot = tokenizer.end_of_text();
    let mut tokens = Vec::new();
    for doc in &docs {
        tokens.push(eot);
        tokens.extend(tokenizer.encode(doc)?);
    }
    let cut = ((1.0 - spec.val_fraction) * tokens.len() as f64) as usize;
    shard::write(&out.join(TRAIN_SHARD), &tokens[..cut])?;
    shard::write(&out.join(VAL_SHARD), &tokens[cut..])?;
    Ok(Prepared {
        documents: docs.len(),
        train_tokens: cut,
        val_tokens: tokens.len() - cut,
        vocab_size: tokenizer.vocab_size(),
        tokenizer: file,
    })
}
