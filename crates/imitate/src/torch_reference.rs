//! PyTorch's side of `butterfly bench train`: `bench/torch_bc.py` on the same workload, with the first
//! Python that has torch.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use butterfly_gpt::ImitatorShape;
use serde::Deserialize;

use crate::ImitateError;

/// The Python helpers, at the repository root.
const BENCH_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench");
/// Exit status of the helpers when torch cannot be imported.
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
    let widths = widths.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(",");
    // `WINDOW,N_LAYER,N_HEAD,N_EMBD`, as torch_bc.py's --transformer reads it.
    let t = transformer;
    let transformer = format!("{},{},{},{}", t.window, t.n_layer, t.n_head, t.n_embd);
    let (steps, repeats, threads) = (steps.to_string(), repeats.to_string(), threads.to_string());
    let args = ["--widths", &widths, "--steps", &steps, "--repeats", &repeats, "--threads", &threads];
    run_torch_script(candidates, "torch_bc.py", &[&args[..], &["--transformer", &transformer]].concat())
}

/// Runs `bench/SCRIPT ARGS` with the first candidate Python that has torch and parses the one JSON object
/// it prints; `None` when no candidate has torch (the script exits with 3 then).
pub fn run_torch_script<T: serde::de::DeserializeOwned>(
    candidates: &[PathBuf],
    script: &str,
    args: &[&str],
) -> Result<Option<T>, ImitateError> {
    let script = Path::new(BENCH_DIR).join(script);
    if !script.exists() {
        return Err(ImitateError::Torch(format!("{} is missing: run from a Butterfly checkout", script.display())));
    }
    for python in candidates {
        let out = match Command::new(python).arg(&script).args(args).output() {
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
                    .map_err(|e| ImitateError::Torch(format!("{} printed no JSON ({e}): {text}", script.display())));
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
