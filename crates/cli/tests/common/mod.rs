//! What several test files of the binary share.

use std::ffi::OsStr;
use std::process::{Child, Command, Stdio};

/// The butterfly binary started on `args` with its output discarded: a process a test is about to kill.
pub fn spawn_quiet<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Child {
    Command::new(env!("CARGO_BIN_EXE_butterfly"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}
