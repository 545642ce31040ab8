//! PyTorch's side of `butterfly bench train`: `bench/torch_bc.py` on the same workload, with the first
//! Python that has torch.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use butterfly_gpt::ImitatorShape;
use serde::Deserialize;

use crate::ImitateError;

/// The Python helper, at the repository root.
const TORCH_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/torch_bc.py");
/// Exit status of `torch_bc.py` when torch cannot be imported.
const TORCH_MISSING: i32 = 3;

/// What `torch_bc.py` prints (medians over the repeats).
#[derive(Debug, Clone, Deserialize)]
pub struct TorchRates {
    /// By hidden width, as a decimal string.
    pub bc_steps_per_s: BTreeMap<String, f64>,
    pub infer_us_b20: f64,
    /// The same Transformer imitator (`--transformer`).
    pub transformer_steps_per_s: f64,
    pub transformer_infer_us_b20: f64,
}

/// Where to look for torch: `python` when given, else $BUTTERFLY_TORCH_PYTHON, else python3 on PATH and
/// then the repo's .venv.
pub fn torch_candidates(python: Option<&Path>) -> Vec<PathBuf> {
    match (python, std::env::var_os("BUTTERFLY_TORCH_PYTHON")) {
        (Some(p), _) => vec![p.to_path_buf()],
        (None, Some(p)) => vec![PathBuf::from(p)],
        (None, None) => {
            vec![PathBuf::from("python3"), Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python")]
        }
    }
}

/// Runs `torch_bc.py` with the first candidate that has torch, on MLPs of `widths` and the Transformer
/// imitator `transformer`; `None` when no candidate has torch.
pub fn run_torch(
    candidates: &[PathBuf],
    widths: &[usize],
    transformer: &ImitatorShape,
    steps: usize,
    repeats: usize,
    threads: usize,
) -> Result<Option<TorchRates>, ImitateError> {
    let script = Path::new(TORCH_SCRIPT);
    if !script.exists() {
        return Err(ImitateError::Torch(format!("{} is missing: run from a Butterfly checkout", script.display())));
    }
    let widths = widths.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(",");
    // `WINDOW,N_LAYER,N_HEAD,N_EMBD`, as torch_bc.py's --transformer reads it.
    let t = transformer;
    let transformer = format!("{},{},{},{}", t.window, t.n_layer, t.n_head, t.n_embd);
    for python in candidates {
        let out = match Command::new(python)
            .arg(script)
            .args(["--widths", &widths, "--steps", &steps.to_string()])
            .args(["--repeats", &repeats.to_string(), "--threads", &threads.to_string()])
            .args(["--transformer", &transformer])
            .output()
        {
            Ok(out) => out,
            // An interpreter that is not there is just a missing candidate.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(ImitateError::Io { path: python.clone(), source }),
        };
        match out.status.code() {
            Some(0) => {
                let text = String::from_utf8_lossy(&out.stdout);
                return serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| ImitateError::Torch(format!("torch_bc.py printed no JSON ({e}): {text}")));
            }
            Some(TORCH_MISSING) => continue,
            _ => {
                return Err(ImitateError::Torch(format!(
                    "{} {} failed: {}",
                    python.display(),
                    script.display(),
                    String::from_utf8_lossy(&out.stderr)
                )));
            }
        }
    }
    Ok(None)
}
