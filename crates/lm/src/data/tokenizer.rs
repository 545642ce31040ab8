//! Tokenizers: byte-level BPE trained with the `tokenizers` crate (saved as the `tokenizer.json` that
//! Python's `tokenizers` loads), or one token per character. Both reserve the end-of-text token that
//! separates documents.

use std::collections::BTreeMap;
use std::path::Path;

use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{
    AddedToken, DecoderWrapper, NormalizerWrapper, PostProcessorWrapper, PreTokenizerWrapper, TokenizerBuilder,
    TokenizerImpl,
};

use crate::LmError;

pub const END_OF_TEXT: &str = "<|endoftext|>";
/// The file a run's tokenizer is kept in: `tokenizer.json` (BPE) or `char_tokenizer.json`.
pub const BPE_FILE: &str = "tokenizer.json";
pub const CHAR_FILE: &str = "char_tokenizer.json";

pub enum Tokenizer {
    /// Token k is the k-th distinct character of the training text, in sorted order; the end-of-text
    /// token comes after them.
    Char {
        chars: Vec<char>,
        ids: BTreeMap<char, u32>,
    },
    Bpe(Box<tokenizers::Tokenizer>),
}

/// A byte-level BPE has the 256 bytes and the end-of-text token at least; the token shards store 16-bit
/// ids, so at most 65536 tokens (a larger request also made the trainer allocate for it up front: a
/// capacity overflow or tens of gigabytes).
pub fn check_bpe_vocab(vocab_size: usize) -> Result<(), LmError> {
    if (257..=1 << 16).contains(&vocab_size) {
        Ok(())
    } else {
        Err(LmError::Config(format!(
            "a byte-level BPE's vocab_size must be in 257..=65536 (16-bit token ids), got {vocab_size}"
        )))
    }
}

fn err(e: impl std::fmt::Display) -> LmError {
    LmError::Tokenizer(e.to_string())
}

impl Tokenizer {
    pub fn train_char(texts: &[String]) -> Self {
        let mut chars: Vec<char> = texts.iter().flat_map(|t| t.chars()).collect();
        chars.sort_unstable();
        chars.dedup();
        Self::from_chars(chars)
    }

    fn from_chars(chars: Vec<char>) -> Self {
        let ids = chars.iter().enumerate().map(|(k, &c)| (c, k as u32)).collect();
        Self::Char { chars, ids }
    }

    /// Byte-level BPE (GPT-2's pre-tokenization, no prefix space) with `vocab_size` tokens, the
    /// end-of-text token included; deterministic for the same texts.
    pub fn train_bpe(texts: &[String], vocab_size: usize, dir: &Path) -> Result<Self, LmError> {
        check_bpe_vocab(vocab_size)?;
        let byte_level = ByteLevel::new(false, true, true);
        let mut bpe: TokenizerImpl<BPE, NormalizerWrapper, PreTokenizerWrapper, PostProcessorWrapper, DecoderWrapper> =
            TokenizerBuilder::new()
                .with_model(BPE::default())
                .with_pre_tokenizer(Some(byte_level.into()))
                .with_decoder(Some(byte_level.into()))
                .build()
                .map_err(err)?;
        let mut trainer = BpeTrainerBuilder::new()
            .show_progress(false)
            .vocab_size(vocab_size)
            .min_frequency(2)
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .special_tokens(vec![AddedToken::from(END_OF_TEXT, true)])
            .build();
        bpe.train(&mut trainer, texts.iter()).map_err(err)?;
        // Through the file, so that what is used is exactly what Python loads.
        let path = dir.join(BPE_FILE);
        bpe.save(&path, false).map_err(err)?;
        Self::load(&path)
    }

    /// A tokenizer saved by [`Tokenizer::save`] (or any `tokenizer.json` with an end-of-text token).
    pub fn load(path: &Path) -> Result<Self, LmError> {
        let bad = |what: String| LmError::Tokenizer(format!("{}: {what}", path.display()));
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        if path.file_name().is_some_and(|n| n == CHAR_FILE) {
            let chars: Vec<char> =
                serde_json::from_str::<CharFile>(&text).map_err(|e| bad(e.to_string()))?.chars.chars().collect();
            let mut sorted = chars.clone();
            sorted.sort_unstable();
            sorted.dedup();
            if sorted != chars || chars.is_empty() {
                return Err(bad("the characters must be distinct, sorted and at least one".into()));
            }
            return Ok(Self::from_chars(chars));
        }
        let tok: tokenizers::Tokenizer = text.parse().map_err(|e| bad(format!("not a tokenizer.json ({e})")))?;
        if tok.token_to_id(END_OF_TEXT).is_none() {
            return Err(bad(format!("has no {END_OF_TEXT} token")));
        }
        Ok(Self::Bpe(Box::new(tok)))
    }

    /// Writes the tokenizer into `dir` (`tokenizer.json` or `char_tokenizer.json`); returns the file.
    pub fn save(&self, dir: &Path) -> Result<std::path::PathBuf, LmError> {
        match self {
            Self::Char { chars, .. } => {
                let path = dir.join(CHAR_FILE);
                let text = serde_json::to_string(&CharFile { kind: "char".into(), chars: chars.iter().collect() })
                    .map_err(err)?;
                butterfly_store::write_atomic(&path, text.as_bytes())?;
                Ok(path)
            }
            Self::Bpe(tok) => {
                let path = dir.join(BPE_FILE);
                let text = tok.to_string(false).map_err(err)?;
                butterfly_store::write_atomic(&path, text.as_bytes())?;
                Ok(path)
            }
        }
    }

    pub fn vocab_size(&self) -> usize {
        match self {
            Self::Char { chars, .. } => chars.len() + 1,
            Self::Bpe(tok) => tok.get_vocab_size(true),
        }
    }

    pub fn end_of_text(&self) -> u32 {
        match self {
            Self::Char { chars, .. } => chars.len() as u32,
            Self::Bpe(tok) => tok.token_to_id(END_OF_TEXT).expect("checked at load"),
        }
    }

    /// The tokens of `text`; a character the tokenizer cannot encode is an error naming it.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, LmError> {
        match self {
            Self::Char { ids, .. } => text
                .chars()
                .map(|c| {
                    ids.get(&c)
                        .copied()
                        .ok_or_else(|| LmError::Tokenizer(format!("the character {c:?} is not in the vocabulary")))
                })
                .collect(),
            Self::Bpe(tok) => Ok(tok.encode(text, false).map_err(err)?.get_ids().to_vec()),
        }
    }

    pub fn decode(&self, tokens: &[u32]) -> String {
        match self {
            Self::Char { chars, .. } => tokens
                .iter()
                .map(|&t| chars.get(t as usize).map_or(END_OF_TEXT.to_string(), |c| c.to_string()))
                .collect(),
            Self::Bpe(tok) => tok.decode(tokens, false).unwrap_or_default(),
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CharFile {
    kind: String,
    chars: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("butterfly-tok-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn char_and_bpe_round_trip_through_their_files() {
        let texts: Vec<String> =
            (0..40).map(|k| format!("Once upon a time, a little fox number {k} found a shiny stone.\n")).collect();
        let dir = scratch("rt");
        let chars = Tokenizer::train_char(&texts);
        let loaded = Tokenizer::load(&chars.save(&dir).unwrap()).unwrap();
        let ids = loaded.encode("a fox").unwrap();
        assert_eq!(loaded.decode(&ids), "a fox");
        assert!(loaded.encode("ZZ").unwrap_err().to_string().contains("'Z'"));
        assert_eq!(loaded.end_of_text() as usize, loaded.vocab_size() - 1);

        let bpe = Tokenizer::train_bpe(&texts, 300, &dir).unwrap();
        assert!((257..=300).contains(&bpe.vocab_size()), "{}", bpe.vocab_size());
        let text = "Once upon a time, a fox found a stone.";
        let ids = bpe.encode(text).unwrap();
        assert!(ids.len() < text.len(), "merges shorten the text");
        assert_eq!(bpe.decode(&ids), text);
        assert_eq!(bpe.encode(END_OF_TEXT).unwrap(), vec![bpe.end_of_text()]);
        let again = Tokenizer::train_bpe(&texts, 300, &scratch("again")).unwrap();
        assert_eq!(again.encode(text).unwrap(), ids, "training is deterministic");
        std::fs::write(dir.join("bad.json"), "{").unwrap();
        assert!(Tokenizer::load(&dir.join("bad.json")).is_err());
    }
}
