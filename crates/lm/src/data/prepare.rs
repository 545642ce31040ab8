//! `lm prepare`: documents → a trained tokenizer → token shards, with a fixed train/validation split.
//!
//! A prepared set is made whole in a private temporary directory beside the target and renamed into
//! place, so that a failed prepare leaves the target as it was, two concurrent prepares never mix, and a
//! set holds exactly one tokenizer, named in its `manifest.json`.

use std::path::{Path, PathBuf};

use crate::LmError;
use crate::data::corpus::{CorpusFormat, read_documents};
use crate::data::shard;
use crate::data::tokenizer::{BPE_FILE, CHAR_FILE, Tokenizer, check_bpe_vocab};

pub const TRAIN_SHARD: &str = "train.bin";
pub const VAL_SHARD: &str = "val.bin";
pub const MANIFEST: &str = "manifest.json";

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

/// What a prepared set holds (`manifest.json`).
#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    /// The tokenizer's file name inside the set.
    tokenizer: String,
    train: String,
    val: String,
}

/// The tokenizer file of a prepared data directory or a run: the one its manifest names, else (sets
/// prepared before manifests, and runs) the one tokenizer file it holds.
pub fn tokenizer_file(dir: &Path) -> Result<PathBuf, LmError> {
    if let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST)) {
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| LmError::Corpus { path: dir.join(MANIFEST), what: format!("is not a manifest ({e})") })?;
        let file = dir.join(&manifest.tokenizer);
        if !file.is_file() {
            let what = format!(
                "names {}, which is missing: prepare the data again with `butterfly lm prepare`",
                manifest.tokenizer
            );
            return Err(LmError::Corpus { path: dir.join(MANIFEST), what });
        }
        return Ok(file);
    }
    [BPE_FILE, CHAR_FILE].iter().map(|f| dir.join(f)).find(|p| p.is_file()).ok_or_else(|| LmError::RunDir {
        path: dir.to_path_buf(),
        what: format!("holds no {BPE_FILE} or {CHAR_FILE}: prepare the data with `butterfly lm prepare`"),
    })
}

/// Writes the tokenizer, `train.bin`, `val.bin` and the manifest into `out`, all at once. `out` may be
/// missing or empty; a directory that holds a prepared set is replaced only with `force`; anything else
/// (a run, a user's files) is refused. Every document is preceded by the end-of-text token, as llm.c's
/// TinyStories shards are.
pub fn prepare(spec: &PrepareSpec, out: &Path, force: bool) -> Result<Prepared, LmError> {
    if spec.inputs.is_empty() {
        return Err(LmError::Config("prepare needs at least one input file".into()));
    }
    if !(spec.val_fraction > 0.0 && spec.val_fraction < 0.5) {
        return Err(LmError::Config(format!("val_fraction must be in (0, 0.5), got {}", spec.val_fraction)));
    }
    if let Some(n) = spec.bpe_vocab {
        check_bpe_vocab(n)?;
    }
    check_target(out, force)?;
    let mut inputs = spec.inputs.clone();
    inputs.sort();
    let mut docs = Vec::new();
    for path in &inputs {
        docs.extend(read_documents(path, spec.format)?);
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|e| LmError::Corpus { path: parent.to_path_buf(), what: format!("cannot create: {e}") })?;
    let staging = butterfly_store::temp_sibling(out);
    std::fs::create_dir(&staging)
        .map_err(|e| LmError::Corpus { path: staging.clone(), what: format!("cannot create: {e}") })?;
    let made = write_set(spec, &docs, &staging).and_then(|prepared| {
        move_into_place(&staging, out, force)?;
        Ok(prepared)
    });
    let _ = std::fs::remove_dir_all(&staging);
    let mut prepared = made?;
    prepared.tokenizer = out.join(prepared.tokenizer.file_name().unwrap_or_default());
    Ok(prepared)
}

/// Refuses a target inside a run, a non-empty directory that is not a prepared set, and a prepared set
/// without `force`.
fn check_target(out: &Path, force: bool) -> Result<(), LmError> {
    let refuse = |what: &str| Err(LmError::Corpus { path: out.to_path_buf(), what: what.into() });
    if butterfly_store::enclosing_run(out).is_some() {
        return refuse("is (inside) a run directory: prepare data elsewhere");
    }
    if out.exists() && !out.is_dir() {
        return refuse("is a file: name a directory");
    }
    let Ok(mut entries) = std::fs::read_dir(out) else { return Ok(()) };
    if entries.next().is_none() {
        return Ok(());
    }
    if !out.join(TRAIN_SHARD).is_file() {
        return refuse("is not empty and holds no prepared set: choose a new or empty directory");
    }
    if !force {
        return refuse("holds a prepared set: pass --force to replace it, or choose another --out");
    }
    Ok(())
}

/// The whole set, written into `dir`.
fn write_set(spec: &PrepareSpec, docs: &[String], dir: &Path) -> Result<Prepared, LmError> {
    let tokenizer = match spec.bpe_vocab {
        None => Tokenizer::train_char(docs),
        Some(n) => Tokenizer::train_bpe(docs, n, dir)?,
    };
    let file = tokenizer.save(dir)?;
    let eot = tokenizer.end_of_text();
    let mut tokens = Vec::new();
    for doc in docs {
        tokens.push(eot);
        tokens.extend(tokenizer.encode(doc)?);
    }
    let cut = ((1.0 - spec.val_fraction) * tokens.len() as f64) as usize;
    shard::write(&dir.join(TRAIN_SHARD), &tokens[..cut])?;
    shard::write(&dir.join(VAL_SHARD), &tokens[cut..])?;
    let name = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let manifest = Manifest { tokenizer: name, train: TRAIN_SHARD.into(), val: VAL_SHARD.into() };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| LmError::Config(e.to_string()))?;
    butterfly_store::write_atomic(&dir.join(MANIFEST), text.as_bytes())?;
    Ok(Prepared {
        documents: docs.len(),
        train_tokens: cut,
        val_tokens: tokens.len() - cut,
        vocab_size: tokenizer.vocab_size(),
        tokenizer: file,
    })
}

/// Renames the staged set onto `out` (a missing or empty directory is replaced in one rename); a
/// prepared set there is first moved aside (only with `force`), then removed.
fn move_into_place(staging: &Path, out: &Path, force: bool) -> Result<(), LmError> {
    let fail = |e: std::io::Error| LmError::Corpus {
        path: out.to_path_buf(),
        what: format!("cannot move the prepared set into place: {e}"),
    };
    match std::fs::rename(staging, out) {
        Ok(()) => Ok(()),
        Err(_) if out.is_dir() => {
            // Another set got there first (or was there): replace it only when asked to.
            check_target(out, force)?;
            let aside = butterfly_store::temp_sibling(out);
            std::fs::rename(out, &aside).map_err(fail)?;
            let placed = std::fs::rename(staging, out).map_err(fail);
            if placed.is_err() {
                let _ = std::fs::rename(&aside, out);
            }
            let _ = std::fs::remove_dir_all(&aside);
            placed
        }
        Err(e) => Err(fail(e)),
    }
}
