//! The Python interpreter of the reference implementations (Gymnasium in the set-up venv).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// `$VIRTUAL_ENV/bin/python`, else this checkout's `.venv/bin/python` (made by scripts/setup.sh).
pub fn venv_python() -> anyhow::Result<PathBuf> {
    let candidates: Vec<PathBuf> = std::env::var_os("VIRTUAL_ENV")
        .map(|v| PathBuf::from(v).join("bin/python"))
        .into_iter()
        .chain([PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python")])
        .collect();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .with_context(|| format!("no Python venv with Gymnasium at {candidates:?}; run scripts/setup.sh"))
}

/// Runs an embedded Python script (`python - ARGS`), returning its stdout.
pub fn run_script(python: &Path, script: &str, args: &[String]) -> anyhow::Result<String> {
    let mut child = Command::new(python)
        .arg("-")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", python.display()))?;
    child.stdin.take().expect("piped stdin").write_all(script.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or("no message");
        bail!("reference Python script failed: {last}");
    }
    Ok(String::from_utf8(out.stdout)?)
}
