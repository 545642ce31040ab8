//! `butterfly select` as a user runs it: on a table of evaluations, on a BC run killed mid-way and rerun
//! (it resumes from its cache: the same answer, no rollout made twice), and on bad input (one line).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn butterfly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args).output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-cli-select-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn from_a_table_it_prints_the_choice_and_refuses_bad_input_in_one_line() {
    let dir = scratch("table");
    // Arm (step 2, ema) is best by 30 on every initial condition; the others differ by less than that.
    let mut text = String::from("step,variant,ic,return,length\n");
    for step in [1, 2, 3] {
        for variant in ["raw", "ema"] {
            for ic in 0..200 {
                let best = if (step, variant) == (2, "ema") { 30.0 } else { 0.0 };
                let r = 50.0 + (ic % 7) as f64 + step as f64 + best;
                text.push_str(&format!("{step},{variant},{ic},{r},100\n"));
            }
        }
    }
    let table = dir.join("evals.csv");
    std::fs::write(&table, text).unwrap();
    let v = json(&butterfly(&["select", "--from-csv", s(&table), "--epsilon", "1", "--delta", "0.05", "--json"]));
    assert_eq!((v["variant"].as_str(), v["step"].as_u64()), (Some("ema"), Some(2)), "{v}");
    assert_eq!(v["exhaustive_rollouts"], 1200);
    assert!(v["rollouts"].as_u64().unwrap() < 1200 && v["stop"] == "decided", "{v}");
    let (lower, estimate, upper) =
        (v["lower"].as_f64().unwrap(), v["estimate"].as_f64().unwrap(), v["upper"].as_f64().unwrap());
    assert!(lower <= estimate && estimate <= upper && (estimate - 85.0).abs() < 4.0, "{v}");
    let text = butterfly(&["select", "--from-csv", s(&table), "--epsilon", "1", "--delta", "0.05"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("chose ema at step 2: within ε = 1"));

    let broken = dir.join("broken.csv");
    std::fs::write(&broken, "step,variant,return\n1,raw,3\n").unwrap();
    let t = s(&table);
    for (args, says) in [
        (vec!["--from-csv", s(&broken), "--epsilon", "1", "--delta", "0.1"], "no 'ic' or 'episode' column"),
        (vec!["--from-csv", t, "--epsilon", "1", "--delta", "2"], "--delta must lie strictly between 0 and 1"),
        (vec!["--from-csv", t, "--epsilon", "1", "--delta", "0.1", "--steps", "9"], "no step 9 (have: 1, 2, 3)"),
        (vec!["--from-csv", t, "--epsilon", "1", "--delta", "0.1", "--range", "0,60"], "outside the range [0, 60]"),
        (vec!["--from-csv", t, "--epsilon", "1", "--delta", "0.1", "--range", "5"], "--range takes two numbers"),
    ] {
        let out = butterfly(&[&["select"], &args[..]].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(says) && err.trim().lines().count() == 1, "{args:?}: {err}");
    }
}

/// A short BC run on the linear system whose rollouts are long enough (horizon 1000) to kill a selection
/// in the middle.
fn linear_run(dir: &Path) -> PathBuf {
    let config = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/linear-bc.toml"))
        .unwrap()
        .replace("steps = 20000 ", "steps = 4000 ")
        .replace("every = 2000 ", "every = 1000 ")
        .replace("windows = [{ start = 10000, length = 50 }]", "windows = []")
        .replace("horizon = 100\nseed = 1", "horizon = 1000\nseed = 1");
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    let run = dir.join("run");
    let out = butterfly(&["bc", "train", s(&path), "--out", s(&run)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    run
}

fn data_rows(run: &Path) -> usize {
    std::fs::read_to_string(run.join("select/seed3/rollouts.csv")).map_or(0, |t| t.lines().count().saturating_sub(1))
}

#[test]
fn a_killed_selection_resumes_with_the_same_answer_and_no_rollout_repeated() {
    let dir = scratch("killed");
    let whole = linear_run(&dir);
    let killed = dir.join("killed");
    let out = Command::new("cp").args(["-r", s(&whole), s(&killed)]).output().unwrap();
    assert!(out.status.success());
    let args = |run: &Path| {
        let run = s(run).to_string();
        ["select", &run, "--epsilon", "0.5", "--delta", "0.1", "--seed", "3", "--range", "-100,0", "--budget", "8000"]
            .map(String::from)
            .to_vec()
    };
    let uninterrupted =
        json(&Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args(&whole)).arg("--json").output().unwrap());

    let mut child = common::spawn_quiet(args(&killed));
    let start = Instant::now();
    while data_rows(&killed) < 800 {
        assert!(start.elapsed() < Duration::from_secs(120), "no rollouts appeared");
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(child.try_wait().unwrap().is_none(), "the selection must still be going when it is killed");
    child.kill().unwrap();
    child.wait().unwrap();
    let kept = data_rows(&killed);
    assert!(kept >= 800 && (kept as u64) < uninterrupted["rollouts"].as_u64().unwrap());

    let resumed =
        json(&Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args(&killed)).arg("--json").output().unwrap());
    for key in ["variant", "step", "estimate", "lower", "upper", "rollouts", "exhaustive_rollouts", "stop"] {
        assert_eq!(resumed[key], uninterrupted[key], "{key}");
    }
    // What the killed selection rolled out was read back, not repeated: the cache holds each rollout once,
    // row for row what the uninterrupted selection wrote.
    assert!(resumed["cached_rollouts"].as_u64().unwrap() >= kept as u64 - 1, "{resumed}");
    assert_eq!(uninterrupted["cached_rollouts"], 0);
    let cache = |run: &Path| std::fs::read_to_string(run.join("select/seed3/rollouts.csv")).unwrap();
    assert_eq!(cache(&killed), cache(&whole));
    assert_eq!(data_rows(&whole) as u64, uninterrupted["rollouts"].as_u64().unwrap());

    // --export writes the choice with the selection in its metadata.
    let policy = dir.join("chosen.safetensors");
    let out = Command::new(env!("CARGO_BIN_EXE_butterfly"))
        .args(args(&killed))
        .args(["--export", s(&policy)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta = butterfly_store::TensorFile::load(&policy).unwrap().metadata;
    assert_eq!(meta["selection_epsilon"], "0.5");
    assert_eq!(meta["selection_rollouts"], uninterrupted["rollouts"].to_string());
    assert_eq!(meta["variant"], uninterrupted["variant"].as_str().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_users_own_evaluator_is_called_per_checkpoint_and_seed() {
    let dir = scratch("evaluate");
    // Each "checkpoint" holds its mean; the evaluator adds what the seed makes of the initial condition.
    for (name, mean) in [("a", 50), ("b", 80), ("c", 60)] {
        std::fs::write(dir.join(name), mean.to_string()).unwrap();
    }
    let cmd = "echo \"evaluating $(cat {checkpoint})\" >&2; echo $(( $(cat {checkpoint}) + {seed} % 17 ))";
    let files: Vec<String> = ["a", "b", "c"].iter().map(|n| s(&dir.join(n)).to_string()).collect();
    let mut args = vec!["select", "--evaluate", cmd, "--epsilon", "1", "--delta", "0.05", "--range", "0,100", "--json"];
    args.push("--checkpoints");
    args.extend(files.iter().map(String::as_str));
    let v = json(&butterfly(&args));
    assert_eq!((v["variant"].as_str(), v["step"].as_u64()), (Some(files[1].as_str()), Some(1)), "{v}");
    assert!(v["stop"] == "decided" && v["exhaustive_rollouts"] == 60, "{v}");

    let out = butterfly(&[
        "select",
        "--evaluate",
        "echo oops {checkpoint}",
        "--checkpoints",
        &files[0],
        &files[1],
        "--epsilon",
        "1",
        "--delta",
        "0.1",
        "--range",
        "0,100",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    // Progress lines may come first; the error is one line.
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert!(!out.status.success() && errors.len() == 1 && errors[0].contains("where one return was expected"), "{err}");
}

#[test]
fn exhaustive_rolls_every_arm_out_and_a_race_after_it_reads_the_cache() {
    let dir = scratch("exhaustive");
    let run = linear_run(&dir);
    let args = |extra: &[&str]| {
        let mut a = vec!["select", s(&run), "--epsilon", "0.5", "--delta", "0.1", "--seed", "4", "--range", "-100,0"];
        a.extend_from_slice(extra);
        a.push("--json");
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let exhaustive =
        json(&Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args(&["--exhaustive", "6"])).output().unwrap());
    let arms = exhaustive["arms"].as_u64().unwrap();
    assert!(arms >= 8, "{exhaustive}");
    assert_eq!(exhaustive["stop"], "exhausted");
    assert_eq!(exhaustive["rollouts"].as_u64(), Some(6 * arms));
    assert_eq!(exhaustive["exhaustive_rollouts"].as_u64(), Some(6 * arms));

    // The table holds every arm on the six initial conditions, and the choice is its best mean.
    let table = run.join("select/seed4/exhaustive-6.csv");
    let text = std::fs::read_to_string(&table).unwrap();
    let mut sums: std::collections::BTreeMap<(u64, String), (f64, u32)> = Default::default();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let e = sums.entry((f[1].parse().unwrap(), f[2].to_string())).or_default();
        e.0 += f[3].parse::<f64>().unwrap();
        e.1 += 1;
    }
    assert_eq!(sums.len() as u64, arms);
    assert!(sums.values().all(|&(_, n)| n == 6));
    let ((step, variant), (best, _)) =
        sums.iter().max_by(|a, b| (a.1.0).total_cmp(&b.1.0)).map(|(k, v)| (k.clone(), *v)).unwrap();
    assert_eq!((exhaustive["step"].as_u64(), exhaustive["variant"].as_str()), (Some(step), Some(variant.as_str())));
    assert!((exhaustive["estimate"].as_f64().unwrap() - best / 6.0).abs() < 1e-9);

    // Rerun, it reads everything back; a race with the same seed starts from the same initial conditions.
    let again =
        json(&Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args(&["--exhaustive", "6"])).output().unwrap());
    assert_eq!(again["cached_rollouts"].as_u64(), Some(6 * arms));
    let race = json(&Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args(&[])).output().unwrap());
    let first_rounds = race["rollouts"].as_u64().unwrap().min(6 * arms);
    assert!(race["cached_rollouts"].as_u64().unwrap() >= first_rounds.min(arms), "{race}");

    // The table is what --from-csv races on.
    let from_table =
        json(&butterfly(&["select", "--from-csv", s(&table), "--epsilon", "0.5", "--delta", "0.1", "--json"]));
    assert_eq!(from_table["exhaustive_rollouts"].as_u64(), Some(6 * arms));
    assert!(exhaustive["estimate"].as_f64().unwrap() - from_table["estimate"].as_f64().unwrap() <= 0.5 + 1e-9);

    let out = butterfly(&["select", s(&run), "--epsilon", "1", "--delta", "0.1", "--exhaustive", "0"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.trim().lines().count() == 1 && err.contains("at least one"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
