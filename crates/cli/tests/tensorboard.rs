//! TensorBoard event files beside the CSVs, read back by TensorBoard's own reader: a BC run killed and
//! resumed holds every scalar of an uninterrupted one once, equal to its CSVs; a SAC run started again and
//! resumed holds each evaluation once. (The LM trainer's are checked in lm.rs.)

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{kill_after_first_checkpoint, ok, tensorboard_scalars};

fn butterfly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args).output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-cli-tensorboard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every (step, value) of every tag, with no step twice within a tag.
fn once_each(scalars: &BTreeMap<String, Vec<(u64, f64)>>) {
    for (tag, points) in scalars {
        let mut steps: Vec<u64> = points.iter().map(|p| p.0).collect();
        steps.dedup();
        assert_eq!(steps.len(), points.len(), "{tag} repeats a step: {points:?}");
    }
}

#[test]
fn a_killed_bc_run_resumes_to_the_scalars_of_an_uninterrupted_one() {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/linear-bc.toml");
    let (whole, killed) = (scratch("whole"), scratch("killed"));
    ok(&butterfly(&["bc", "train", s(&config), "--out", s(&whole)]));
    kill_after_first_checkpoint(&["bc", "train", s(&config), "--out", s(&killed)], &killed);
    ok(&butterfly(&["bc", "train", "--resume", s(&killed)]));

    let (a, b) = (tensorboard_scalars(&whole), tensorboard_scalars(&killed));
    once_each(&b);
    for tag in ["train/loss", "train/lr", "J_H/raw", "val_loss/raw", "perf/updates_per_s"] {
        assert!(b.contains_key(tag), "no {tag} in {:?}", b.keys());
    }
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (tag, points) in &a {
        // Speeds are the clock's; every other number is the run's own, bit for bit.
        let steps = |p: &[(u64, f64)]| p.iter().map(|p| p.0).collect::<Vec<_>>();
        if tag.starts_with("perf/") {
            assert_eq!(steps(points), steps(&b[tag]), "{tag}");
        } else {
            assert!(points == &b[tag], "{tag} differs after the kill and resume");
        }
    }
    // J_H per variant is the mean over the initial conditions in eval.csv (stored as f32).
    let eval = std::fs::read_to_string(killed.join("eval.csv")).unwrap();
    let raw_2000: Vec<f64> = eval
        .lines()
        .filter(|l| l.starts_with("2000,raw,"))
        .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
        .collect();
    let mean = raw_2000.iter().sum::<f64>() / raw_2000.len() as f64;
    assert_eq!(b["J_H/raw"][0], (2000, mean as f32 as f64));
    let evaluations = eval.lines().filter(|l| l.contains(",raw,0,")).count();
    assert_eq!(b["J_H/raw"].len(), evaluations);
}

#[test]
fn a_resumed_sac_run_logs_each_evaluation_once() {
    let dir = scratch("sac");
    let mut args = vec!["expert", "train", "--env", "Hopper-v4", "--out", s(&dir), "--eval-every", "200"];
    args.extend(["--eval-episodes", "2", "--checkpoint-every", "100", "--steps", "200"]);
    ok(&butterfly(&args));
    // Again (nothing to do), then on to 400 updates.
    ok(&butterfly(&args));
    ok(&butterfly(&["expert", "train", "--resume", s(&dir), "--steps", "400"]));
    let scalars = tensorboard_scalars(&dir);
    once_each(&scalars);
    let steps: Vec<u64> = scalars["eval/mean_return"].iter().map(|p| p.0).collect();
    assert_eq!(steps, [200, 400]);
    assert!(!scalars["train/episode_return"].is_empty() && scalars.contains_key("perf/steps_per_s"));
}
