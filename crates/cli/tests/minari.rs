//! Minari datasets both ways, against the real minari package in the set-up venv (issue 31): a dataset
//! that minari's DataCollector recorded trains `bc train` with its arrays intact; expert data exported by
//! `data export --format minari` opens in `minari.load_dataset` with butterfly's arrays; spoiled files are
//! one error line each. The Python side is tests/minari/minari_side.py.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{ok, one_error};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh directory that serves as MINARI_DATASETS_PATH.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-minari-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn butterfly(datasets: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_butterfly"));
    command.args(args).env("MINARI_DATASETS_PATH", datasets).output().unwrap()
}

/// The Python side (`minari_side.py ARGS`), which must succeed.
fn minari(datasets: &Path, args: &[&str]) {
    let python = repo().join(".venv/bin/python");
    assert!(python.is_file(), "{} is missing: run scripts/setup.sh", python.display());
    let script = repo().join("crates/cli/tests/minari/minari_side.py");
    let out = Command::new(python).arg(script).args(args).env("MINARI_DATASETS_PATH", datasets).output().unwrap();
    assert!(out.status.success(), "minari_side.py {args:?}:\n{}", String::from_utf8_lossy(&out.stderr));
}

/// A short BC config on `env` whose data is the Minari dataset `source`.
fn config(dir: &Path, env: &str, source: &str) -> PathBuf {
    let expert = repo().join(format!("experts/{env}.safetensors"));
    let text = format!(
        "env = \"{env}\"\nexpert = \"{}\"\nsteps = 20\nbatch_size = 16\n\
         [data]\nminari = \"{source}\"\ntrajectories = 3\nvalidation_trajectories = 1\nhorizon = 20\n\
         [network]\nhidden = [16]\n[schedule]\nlr = 1e-3\n\
         [eval]\nevery = 10\ninitial_conditions = 2\nhorizon = 30\nlog_every = 10\n",
        expert.display()
    );
    let path = dir.join(format!("{env}-{}.toml", source.replace('/', "_")));
    std::fs::write(&path, text).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Test A and C: a DataCollector dataset trains, row for row; spoiled copies and a task whose spaces
/// differ are one error line each, and leave no run behind.
#[test]
fn bc_trains_on_a_minari_dataset_and_spoiled_ones_are_one_error_line() {
    let datasets = scratch("read");
    let id = "test/hopper/random-v0";
    minari(&datasets, &["make", id]);
    let run = datasets.join("run");
    ok(&butterfly(&datasets, &["bc", "train", s(&config(&datasets, "Hopper-v4", id)), "--out", s(&run)]));
    minari(&datasets, &["check-read", id, s(&run.join("data/train.safetensors")), "0"]);
    minari(&datasets, &["check-read", id, s(&run.join("data/validation.safetensors")), "3"]);
    // A path works as the ID does.
    let by_path = datasets.join("run-by-path");
    let path = datasets.join(id);
    ok(&butterfly(&datasets, &["bc", "train", s(&config(&datasets, "Hopper-v4", s(&path))), "--out", s(&by_path)]));

    let cases: [(&str, &[&str]); 3] = [
        ("missing-group", &["episode_1", "is missing"]),
        ("wrong-shape", &["episode_0", "actions has shape [", "need ["]),
        ("dict-space", &["metadata.json", "observation space is Dict", "Box"]),
    ];
    for (how, want) in cases {
        let spoiled = format!("test/hopper/{how}-v0");
        minari(&datasets, &["break", id, &spoiled, how]);
        let out = datasets.join(format!("run-{how}"));
        one_error(
            &butterfly(&datasets, &["bc", "train", s(&config(&datasets, "Hopper-v4", &spoiled)), "--out", s(&out)]),
            want,
        );
        assert!(!out.join("checkpoint.safetensors").exists(), "{how}: a run was made");
    }
    let walker = config(&datasets, "Walker2d-v4", id);
    one_error(
        &butterfly(&datasets, &["bc", "train", s(&walker), "--out", s(&datasets.join("run-walker"))]),
        &["do not fit Walker2d-v4", "[11]", "17 observations"],
    );
    let missing = config(&datasets, "Hopper-v4", "test/hopper/absent-v0");
    one_error(
        &butterfly(&datasets, &["bc", "train", s(&missing), "--out", s(&datasets.join("run-absent"))]),
        &["test/hopper/absent-v0", "not found"],
    );
    let _ = std::fs::remove_dir_all(&datasets);
}

/// Test B: collected expert data, exported, opens in minari with butterfly's arrays (and its env can be
/// recovered); the ID taken, or one minari cannot parse, is one error line.
#[test]
fn exported_expert_data_opens_in_minari_with_the_same_arrays() {
    let datasets = scratch("export");
    let data = datasets.join("hopper.safetensors");
    let expert = repo().join("experts/Hopper-v4.safetensors");
    let collect = ["data", "collect", "--env", "Hopper-v4", "--expert", s(&expert), "--trajectories", "3"];
    ok(&butterfly(&datasets, &[&collect[..], &["--horizon", "40", "--out", s(&data)]].concat()));
    let id = "test/hopper/butterfly-v0";
    let export = ["data", "export", s(&data), "--format", "minari", "--id", id];
    ok(&butterfly(&datasets, &export));
    minari(&datasets, &["check-export", id, s(&data)]);
    one_error(&butterfly(&datasets, &export), &["already holds a Minari dataset"]);
    one_error(
        &butterfly(&datasets, &["data", "export", s(&data), "--format", "minari", "--id", "no version"]),
        &["not a Minari dataset ID"],
    );
    let _ = std::fs::remove_dir_all(&datasets);
}
