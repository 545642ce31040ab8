//! The command line as a user meets it: help everywhere, one clear error line for bad input with nothing
//! written, and the machine-readable benchmark summary.

use std::path::PathBuf;
use std::process::{Command, Output};

fn butterfly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args).output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a failing command and returns its single stderr line.
fn one_error_line(args: &[&str]) -> String {
    let out = butterfly(args);
    assert!(!out.status.success(), "{args:?} should fail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{args:?}: expected one error line, got:\n{stderr}");
    assert!(lines[0].starts_with("error: "), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
    lines[0].to_string()
}

/// The subcommands a `--help` page lists under "Commands:", as clap prints them.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect()
}

#[test]
fn every_subcommand_has_help() {
    // Walks the command tree as clap itself prints it, so a new command cannot be missed.
    let mut pending: Vec<Vec<String>> = vec![vec![]];
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = butterfly(&args);
        assert!(out.status.success(), "{args:?}");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("Usage: butterfly"), "{args:?}");
        for sub in subcommands(&help) {
            pending.push(path.iter().cloned().chain([sub]).collect());
        }
        seen += 1;
    }
    assert!(seen >= 20, "only {seen} commands found");
}

fn replay_error(name: &str, input: &str) -> String {
    let dir = scratch(name);
    let json = dir.join("in.json");
    let csv = dir.join("out.csv");
    std::fs::write(&json, input).unwrap();
    let line = one_error_line(&["env", "replay", json.to_str().unwrap(), "--out", csv.to_str().unwrap()]);
    assert!(!csv.exists(), "{name}: a failed replay must not leave an output file");
    line
}

#[test]
fn unknown_env_names_the_known_ones() {
    let line = replay_error("unknown", r#"{"env": "Walker2d-v3", "qpos": [], "qvel": [], "actions": []}"#);
    assert!(line.contains("Walker2d-v3") && line.contains("Walker2d-v4"), "{line}");
}

#[test]
fn wrong_action_length_is_reported_with_its_step() {
    let qpos = format!("[{}]", ["0.0"; 9].join(","));
    let qvel = format!("[{}]", ["0.0"; 9].join(","));
    let input =
        format!(r#"{{"env": "Walker2d-v4", "qpos": {qpos}, "qvel": {qvel}, "actions": [[0,0,0,0,0,0],[0,0]]}}"#);
    let line = replay_error("action-len", &input);
    assert!(line.contains("action 1") && line.contains("expected 6"), "{line}");
}

#[test]
fn wrong_state_length_is_reported() {
    let line = replay_error("state-len", r#"{"env": "Hopper-v4", "qpos": [1.25], "qvel": [], "actions": []}"#);
    assert!(line.contains("qpos") && line.contains("expected 6"), "{line}");
}

#[test]
fn malformed_json_is_reported() {
    let line = replay_error("malformed", r#"{"env": "Hopper-v4", "qpos": [1.25,"#);
    assert!(line.contains("not a valid replay description"), "{line}");
    let line = replay_error("unknown-key", r#"{"env": "Hopper-v4", "qpos": [], "qvel": [], "actions": [], "seed": 1}"#);
    assert!(line.contains("seed"), "{line}");
}

#[test]
fn missing_model_files_name_the_fix() {
    let empty = scratch("no-assets");
    let line = one_error_line(&["env", "list", "--assets", empty.to_str().unwrap()]);
    assert!(line.contains("scripts/setup.sh"), "{line}");
}

#[test]
fn bench_env_json_has_the_documented_keys() {
    let out = butterfly(&[
        "bench",
        "env",
        "--json",
        "--env",
        "Hopper-v4",
        "--steps",
        "200",
        "--repeats",
        "1",
        "--vector-envs",
        "4",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = &rows.as_array().unwrap()[0];
    assert_eq!(row["env"], "Hopper-v4");
    for key in ["env_steps_per_s", "raw_limit_steps_per_s", "vector_steps_per_s", "gymnasium_steps_per_s"] {
        assert!(row[key].as_f64().is_some_and(|v| v > 0.0), "{key}: {row}");
    }
}

#[test]
fn bench_study_times_a_whole_study_and_splits_it() {
    let args = ["bench", "study", "--setting", "paper", "--updates", "200", "--trajectories", "3", "--no-torch"];
    let out = butterfly(&[&args[..], &["--json"]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["updates"].as_u64(), v["trajectories"].as_u64(), v["eval_every"].as_u64()),
        (Some(200), Some(3), Some(200))
    );
    assert!(v["torch_s"].is_null() && v["ratio"].is_null(), "{v}");
    let b = &v["butterfly"];
    let part = |k: &str| b[k].as_f64().unwrap();
    assert!(["data_s", "training_s", "evaluation_s"].iter().all(|k| part(k) > 0.0), "{v}");
    // The parts are the whole: the split comes from the run's own timing.csv inside the measured wall time.
    let parts = part("data_s") + part("training_s") + part("evaluation_s");
    assert!((parts - v["butterfly_s"].as_f64().unwrap()).abs() < 1e-6, "{v}");
    assert!(b["final"]["raw"].as_f64().is_some() && b["final"]["ema"].as_f64().is_some(), "{v}");
    let line = one_error_line(&["bench", "study", "--threads", "0", "--no-torch"]);
    assert!(line.contains("threads"), "{line}");
}

#[test]
fn bench_sac_measures_the_chosen_task() {
    let out = butterfly(&["bench", "sac", "--json", "--env", "Hopper-v4", "--steps", "5", "--repeats", "1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["env"], "Hopper-v4");
    for key in ["updates_per_s", "update_only_per_s"] {
        assert!(v[key].as_f64().is_some_and(|r| r > 0.0), "{key}: {v}");
    }
    let line = one_error_line(&["bench", "sac", "--env", "Hopper-v9", "--steps", "5"]);
    assert!(line.contains("Hopper-v9"), "{line}");
}
