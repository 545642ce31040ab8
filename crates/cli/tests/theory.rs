//! `butterfly theory` as a user meets it: help, the JSON summaries, the sweeps' files, one-line errors.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn butterfly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args).output().unwrap()
}

fn json(args: &[&str]) -> Value {
    let out = butterfly(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-theory-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn every_theory_subcommand_has_help() {
    for path in [&["theory"][..], &["theory", "cliff"], &["theory", "linear"]] {
        let mut args = path.to_vec();
        args.push("--help");
        let out = butterfly(&args);
        assert!(out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: butterfly theory"), "{args:?}");
    }
}

/// Each quantity as {mean, ci_low, ci_high} with ci_low ≤ mean ≤ ci_high, and an exact value of the same name.
fn check_estimates(summary: &Value, names: &[&str]) {
    for name in names {
        let e = &summary[name];
        let (mean, lo, hi) =
            (e["mean"].as_f64().unwrap(), e["ci_low"].as_f64().unwrap(), e["ci_high"].as_f64().unwrap());
        assert!(lo <= mean && mean <= hi, "{name}: {e}");
        let exact = summary["exact"][name].as_f64().unwrap();
        // Fixed seed: deterministic; 4 half-widths keeps a 95 % interval's chance miss from failing the test.
        assert!((mean - exact).abs() <= 4.0 * (hi - lo) / 2.0, "{name}: {e} vs exact {exact}");
    }
}

#[test]
fn cliff_json_has_estimates_and_exact_values() {
    let args =
        ["theory", "cliff", "--eta", "0.3", "--gamma", "0.05", "--dim", "2", "--steps", "200", "--trials", "2000"];
    let summary = json(&[&args[..], &["--seed", "5", "--json"]].concat());
    check_estimates(&summary, &["sgd_bc_loss", "ema_bc_loss", "sgd_reward_gap", "ema_reward_gap"]);
    assert_eq!(summary["config"]["schedule"]["eta"], 0.3);
    assert_eq!(summary["monte_carlo"]["trials"], 2000);
    // The same seed gives the same numbers.
    assert_eq!(summary, json(&[&args[..], &["--seed", "5", "--json"]].concat()));
}

#[test]
fn linear_json_has_estimates_and_exact_values() {
    let summary = json(&["theory", "linear", "--delta", "0.1", "--horizon", "30", "--trials", "2000", "--json"]);
    check_estimates(&summary, &["bc_loss", "reward_gap"]);
    assert!((summary["exact"]["bc_loss"].as_f64().unwrap() - 30.0 * 0.01).abs() < 1e-12);
}

#[test]
fn sweeps_write_a_csv_row_per_configuration_and_plots() {
    let dir = scratch("sweep");
    let out = dir.join("cliff");
    let args =
        ["theory", "cliff", "--sweep", "--etas", "0.1,0.5", "--gammas", "0.01", "--steps", "50", "--trials", "100"];
    let summary = json(&[&args[..], &["--out", out.to_str().unwrap(), "--json"]].concat());
    let csv = std::fs::read_to_string(out.join("cliff_sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 3, "{csv}");
    assert!(lines[0].starts_with("schedule,eta,gamma,") && lines[3].starts_with("inverse_t,,0.01,"), "{csv}");
    assert_eq!(summary["rows"].as_array().unwrap().len(), 3);
    for stem in ["cliff_reward_gap", "cliff_bc_loss"] {
        assert!(out.join(format!("{stem}.png")).exists() && out.join(format!("{stem}.svg")).exists(), "{stem}");
    }
    let out = dir.join("linear");
    let args = ["theory", "linear", "--sweep", "--deltas", "0.1", "--horizons", "5,10", "--trials", "100"];
    butterfly(&[&args[..], &["--out", out.to_str().unwrap()]].concat());
    assert_eq!(std::fs::read_to_string(out.join("linear_sweep.csv")).unwrap().lines().count(), 3);
    assert!(out.join("linear_vs_horizon.png").exists() && out.join("linear_vs_delta.svg").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_values_are_one_line_errors() {
    for (args, expected) in [
        (&["theory", "cliff", "--eta", "2.5"][..], "eta must be in (0, 2), got 2.5"),
        (&["theory", "cliff", "--trials", "1"], "the number of trials must be at least 2, got 1"),
        (&["theory", "linear", "--delta=-0.1"], "delta must be in [0, 1], got -0.1"),
        (
            &["theory", "cliff", "--sweep", "--etas", "0.1,3", "--out", "/nonexistent/never"],
            "eta must be in (0, 2), got 3",
        ),
    ] {
        let out = butterfly(args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim(), format!("error: {expected}"), "{args:?}");
    }
    // Sweep lists without --sweep are a usage error, not silently ignored.
    let out = butterfly(&["theory", "cliff", "--etas", "0.1"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--sweep"));
}
