//! A model a run kept: its config, and the parameters of one variant at one kept step with the model's
//! shape and the run's tokenizer.

use std::path::Path;

use butterfly_gpt::GptConfig;
use butterfly_train::{Kept, kept_parameters};

use crate::data::prepare::tokenizer_file;
use crate::data::tokenizer::Tokenizer;
use crate::{LmConfig, LmError};

/// The config of the LM run in `run`.
pub fn run_config(run: &Path) -> Result<LmConfig, LmError> {
    let text = std::fs::read_to_string(run.join(butterfly_store::run_dir::CONFIG)).map_err(|_| LmError::RunDir {
        path: run.to_path_buf(),
        what: "is not an LM run directory (no config.toml)".into(),
    })?;
    LmConfig::from_toml(&text)
}

/// The parameters of `variant` at `step` (default: the last kept) of the run in `run`, with the model's
/// shape and the run's tokenizer.
pub fn load_variant(run: &Path, variant: &str, step: Option<u64>) -> Result<(Vec<f32>, GptConfig, Tokenizer), LmError> {
    let config = run_config(run)?;
    let tokenizer = Tokenizer::load(&tokenizer_file(run)?)?;
    let Kept { theta, .. } = kept_parameters(run, variant, step)?;
    let m = &config.model;
    let cfg = GptConfig {
        vocab_size: tokenizer.vocab_size(),
        context: m.context,
        n_layer: m.n_layer,
        n_head: m.n_head,
        n_embd: m.n_embd,
    };
    Ok((theta, cfg, tokenizer))
}
