//! The Python interpreter of the reference implementations (Gymnasium in the set-up venv), and running an
//! embedded script with it that prints one JSON object.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::EnvError;

/// `$VIRTUAL_ENV/bin/python`, else this checkout's `.venv/bin/python` (made by scripts/setup.sh).
pub fn venv_python() -> Result<PathBuf, EnvError> {
    // The workspace root is two levels above this crate; set-up puts the venv there.
    let candidates: Vec<PathBuf> = std::env::var_os("VIRTUAL_ENV")
        .map(|v| PathBuf::from(v).join("bin/python"))
        .into_iter()
        .chain([PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python")])
        .collect();
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| EnvError::NoVenv(format!("{candidates:?}")))
}

/// Runs an embedded Python script (`python - ARGS`), returning the JSON object it prints.
pub fn run_script(python: &Path, script: &str, args: &[String]) -> Result<serde_json::Value, EnvError> {
    let start = |source| EnvError::PythonStart { python: python.to_path_buf(), source };
    let mut child = Command::new(python)
        .arg("-")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(start)?;
    child.stdin.take().expect("piped stdin").write_all(script.as_bytes()).map_err(start)?;
    let out = child.wait_with_output().map_err(start)?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or("no message");
        return Err(EnvError::ReferenceFailed(last.to_string()));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).map_err(|e| EnvError::ReferenceOutput(format!("{e} in {text}")))
}
