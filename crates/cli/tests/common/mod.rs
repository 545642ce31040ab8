//! What several test files of the binary share (each test binary uses some of it, hence no dead-code
//! warnings).
#![allow(dead_code)]

use std::ffi::OsStr;
use std::process::{Child, Command, Output, Stdio};

/// The butterfly binary started on `args` with its output discarded: a process a test is about to kill.
pub fn spawn_quiet<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Child {
    Command::new(env!("CARGO_BIN_EXE_butterfly"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Asserts a failure with exactly one line on stderr, `error: …` containing every one of `want` (lines
/// saying that data is being collected aside); returns the line.
pub fn one_error(out: &Output, want: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should fail; stderr:\n{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("collecting")).collect();
    assert_eq!(lines.len(), 1, "expected one error line, got:\n{stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    for w in want {
        assert!(lines[0].contains(w), "'{w}' missing from: {}", lines[0]);
    }
    lines[0].to_string()
}

/// Asserts success, showing stderr otherwise.
pub fn ok(out: &Output) {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The scalars of a run's TensorBoard event files (`RUN/tensorboard`) as TensorBoard's own Python reader
/// loads them: tag → (step, value) in file order.
pub fn tensorboard_scalars(run: &std::path::Path) -> std::collections::BTreeMap<String, Vec<(u64, f64)>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("crates/cli/tests/tensorboard/read_scalars.py"))
        .arg(run.join("tensorboard"))
        .output()
        .expect("the set-up venv's python (scripts/setup.sh)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Starts `butterfly ARGS` training into `run` and kills it (SIGKILL) once its first checkpoint after step
/// 0 is on disk, while it is still going: a run to resume.
pub fn kill_after_first_checkpoint(args: &[&str], run: &std::path::Path) {
    let mut child = spawn_quiet(args);
    let start = std::time::Instant::now();
    while !run.join("checkpoints/latest.safetensors").exists() {
        assert!(start.elapsed() < std::time::Duration::from_secs(60), "no checkpoint appeared");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(child.try_wait().unwrap().is_none(), "the run must still be going when it is killed");
    child.kill().unwrap();
    child.wait().unwrap();
}
