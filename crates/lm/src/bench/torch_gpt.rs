//! PyTorch's side of the LM benchmark and comparison: bench/torch_gpt.py run on a model, its parameters and
//! token batches handed over as files.

use std::path::Path;

use butterfly_gpt::GptConfig;

use crate::{LmError, export};

const TORCH_GPT: &str = include_str!("../../../../bench/torch_gpt.py");

/// Rows `[B, T+1]` as the model's inputs (each row's first T tokens) and targets (its last T).
pub(crate) fn split_rows(rows: &[u32], t: usize) -> (Vec<u32>, Vec<u32>) {
    let tokens = rows.chunks_exact(t + 1).flat_map(|r| r[..t].to_vec()).collect();
    let targets = rows.chunks_exact(t + 1).flat_map(|r| r[1..].to_vec()).collect();
    (tokens, targets)
}

/// Little-endian bytes of tokens, as bench/torch_gpt.py reads them.
pub(crate) fn token_bytes(tokens: &[u32]) -> Vec<u8> {
    tokens.iter().flat_map(|t| t.to_le_bytes()).collect()
}

/// Runs bench/torch_gpt.py in `mode` on `model` from the parameters `theta` with batches of `batch` ×
/// `seq`: each of `files` (flag, bytes) is written to a temporary directory and passed by its path.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_torch(
    python: &Path,
    mode: &str,
    model: &GptConfig,
    theta: &[f32],
    (batch, seq, threads): (usize, usize, usize),
    files: &[(&str, Vec<u8>)],
    extra: &[(&str, String)],
) -> Result<serde_json::Value, LmError> {
    let dir = std::env::temp_dir().join(format!("butterfly-torch-gpt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| LmError::Reference(format!("{}: {e}", dir.display())))?;
    let result = (|| {
        let params = dir.join("params.safetensors");
        export(theta, model, &params)?;
        let mut args = vec![mode.to_string(), "--params".into(), params.display().to_string()];
        for (name, value) in [
            ("n_layer", model.n_layer),
            ("n_head", model.n_head),
            ("n_embd", model.n_embd),
            ("vocab", model.vocab_size),
            ("context", model.context),
            ("batch", batch),
            ("seq", seq),
            ("threads", threads),
        ] {
            args.extend([format!("--{name}"), value.to_string()]);
        }
        for (flag, bytes) in files {
            let path = dir.join(format!("{flag}.bin"));
            butterfly_store::write_atomic(&path, bytes)?;
            args.extend([format!("--{flag}"), path.display().to_string()]);
        }
        for (flag, value) in extra {
            args.extend([format!("--{flag}"), value.clone()]);
        }
        butterfly_envs::reference_python::run_script(python, TORCH_GPT, &args)
            .map_err(|e| LmError::Reference(e.to_string()))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
