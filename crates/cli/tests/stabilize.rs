//! `butterfly stabilize` on tiny BC runs of the linear system: a post-hoc EMA matches the same EMA tracked
//! directly, its variant is reported like any other, a rerun adds nothing, a run killed mid-way and rerun
//! writes the files of an uninterrupted one, and bad input is one line.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn butterfly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args).output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// An empty directory of this test process.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const MLP: &str = "hidden = [64, 64]";

/// Trains a 2 000-update run evaluated every `every` updates that tracks power EMAs of `widths`, in `dir`.
fn train(dir: &Path, name: &str, widths: &[&str], every: u64) -> PathBuf {
    train_network(dir, name, widths, every, MLP)
}

fn train_network(dir: &Path, name: &str, widths: &[&str], every: u64, network: &str) -> PathBuf {
    let stabilizers: String =
        widths.iter().map(|s| format!("[[stabilizers]]\nkind = \"power\"\nsigma_rel = {s}\n\n")).collect();
    let config = format!(
        "env = \"LinearSystem\"\nexpert = \"linear\"\nseed = 3\nsteps = 2000\nbatch_size = 64\n\n\
         [data]\ntrajectories = 20\nvalidation_trajectories = 4\nhorizon = 100\n\n\
         [network]\n{network}\n\n[schedule]\nlr = 1e-3\n\n{stabilizers}\
         [eval]\nevery = {every}\ninitial_conditions = 10\nhorizon = 100\nseed = 1\nthreads = 1\nwindows = []\n"
    );
    let (file, run) = (dir.join(format!("{name}.toml")), dir.join(name));
    std::fs::write(&file, config).unwrap();
    let out = butterfly(&["bc", "train", file.to_str().unwrap(), "--out", run.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    run
}

/// `column` (by header name) of `file`'s rows of `variant`, averaged per step, in step order.
fn by_step(file: &Path, variant: &str, column: &str) -> Vec<(u64, f64)> {
    let body = std::fs::read_to_string(file).unwrap();
    let mut lines = body.lines();
    let col = lines.next().unwrap().split(',').position(|c| c == column).unwrap();
    let mut out: Vec<(u64, f64, usize)> = Vec::new();
    for f in lines.map(|l| l.split(',').collect::<Vec<_>>()).filter(|f| f[1] == variant) {
        let (step, value): (u64, f64) = (f[0].parse().unwrap(), f[col].parse().unwrap());
        match out.last_mut() {
            Some((s, sum, n)) if *s == step => (*sum, *n) = (*sum + value, *n + 1),
            _ => out.push((step, value, 1)),
        }
    }
    out.into_iter().map(|(s, sum, n)| (s, sum / n as f64)).collect()
}

/// LAWA over one kept iterate is the raw iterate: its rows (`lawa_k1`) must be raw's, so the run's own
/// evaluation judges a post-hoc variant exactly as training judged the tracked ones.
fn assert_lawa_k1_is_raw(run: &Path, logs: &[(&str, &str)]) {
    for (file, column) in logs {
        let (lawa, raw) =
            (by_step(&run.join("posthoc").join(file), "lawa_k1", column), by_step(&run.join(file), "raw", column));
        assert!(!lawa.is_empty() && lawa == raw, "{file}: lawa_k1 {lawa:?}, raw {raw:?}");
    }
}

fn files_of(run: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = vec![run.join("posthoc/eval.csv"), run.join("posthoc/validation.csv")];
    let mut kept: Vec<PathBuf> =
        std::fs::read_dir(run.join("checkpoints")).unwrap().map(|e| e.unwrap().path()).collect();
    kept.sort();
    files.extend(kept);
    files.into_iter().map(|p| (p.strip_prefix(run).unwrap().to_path_buf(), std::fs::read(&p).unwrap())).collect()
}

#[test]
fn a_post_hoc_ema_is_the_tracked_one_is_reported_and_is_not_evaluated_twice() {
    let dir = scratch("butterfly-cli-stabilize");
    // Stabilizers do not touch training: both runs have the same iterates.
    let (two, one) = (train(&dir, "two", &["0.05", "0.15"], 100), train(&dir, "one", &["0.1"], 100));
    let out = butterfly(&["stabilize", two.to_str().unwrap(), "--sigma-rel", "0.1", "--lawa", "3", "1"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("60 (step, variant) pairs evaluated, 0 done before"), "{}", text(&out));
    assert_lawa_k1_is_raw(&two, &[("validation.csv", "val_loss"), ("eval.csv", "return")]);

    // Over the second half of the run (the report's window; early on, a few snapshots of iterates that move
    // fast fit the profile poorly), the rebuilt EMA's validation loss and J_H are the tracked one's, far
    // closer to them than the raw iterate's.
    for (file, column) in [("validation.csv", "val_loss"), ("eval.csv", "return")] {
        let rebuilt = by_step(&two.join("posthoc").join(file), "posthoc_s0.1", column);
        let (tracked, raw) = (by_step(&one.join(file), "power_s0.1", column), by_step(&one.join(file), "raw", column));
        assert_eq!(rebuilt.len(), 20, "{file}: every kept step");
        let gap = |a: &[(u64, f64)]| -> f64 {
            let pairs = a.iter().zip(&tracked).filter(|((s, _), _)| *s >= 1000);
            pairs.map(|((s, x), (t, y))| if s == t { (x - y).abs() } else { f64::NAN }).sum()
        };
        let (off, swing) = (gap(&rebuilt), gap(&raw));
        eprintln!("{file}: rebuilt σ_rel 0.10 is {off:.3e} from the tracked one over the run, raw {swing:.3e}");
        assert!(off < 0.1 * swing, "{file}: the rebuilt EMA is {off} from the tracked one, the raw iterate {swing}");
    }

    // `report` lists the new variants beside the tracked ones, and a comparison of runs shows them.
    let report = butterfly(&["report", two.to_str().unwrap()]);
    assert!(report.status.success(), "{}", text(&report));
    for variant in ["power_s0.05", "posthoc_s0.1", "lawa_k3"] {
        assert!(text(&report).contains(variant), "{variant} missing from:\n{}", text(&report));
    }
    let compare = dir.join("compare");
    let out =
        butterfly(&["report", two.to_str().unwrap(), one.to_str().unwrap(), "--compare", compare.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(std::fs::read_to_string(compare.join("compare.md")).unwrap().contains("posthoc_s0.1"));

    // A second invocation finds everything done and writes nothing.
    let before = files_of(&two);
    let again = butterfly(&["stabilize", two.to_str().unwrap(), "--lawa", "1", "3", "--sigma-rel", "0.1"]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("0 (step, variant) pairs evaluated, 60 done before"), "{}", text(&again));
    assert!(files_of(&two) == before, "a rerun changed the run's files");

    // Bad input: one line naming what is wrong, and nothing written.
    let plain = train(&dir, "plain", &[], 1000);
    let (t, p) = (two.to_str().unwrap(), plain.to_str().unwrap());
    for (args, says) in [
        (vec![p, "--sigma-rel", "0.1"], "tracked no power EMA"),
        (vec![t, "--sigma-rel", "0.5"], "0 < sigma_rel ≤ 0.2887"),
        (vec![t, "--lawa", "21"], "LAWA needs 1 ≤ k ≤ 20"),
        (vec![t, "--lawa", "2", "--steps", "150"], "kept no parameters at step 150 (kept: every 100 from 100 to 2000)"),
        (vec![t, "--tail", "2100"], "kept nothing from step 2100 on"),
        (vec![t, "--lawa", "2", "2"], "has 'lawa_k2' already"),
        (vec![t], "--sigma-rel"),
    ] {
        let out = butterfly(&[&["stabilize"], args.as_slice()].concat());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && said.contains(says), "{args:?}: {said}");
        assert_eq!(said.lines().filter(|l| l.starts_with("error")).count(), 1, "{said}");
    }
    assert!(files_of(&two) == before && !plain.join("posthoc").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn stabilize_killed_mid_run_and_rerun_writes_the_files_of_an_uninterrupted_one() {
    let dir = scratch("butterfly-cli-stabilize-kill");
    let (whole, killed) = (train(&dir, "whole", &["0.05", "0.15"], 40), train(&dir, "killed", &["0.05", "0.15"], 40));
    let args = |run: &Path| {
        ["stabilize", run.to_str().unwrap(), "--sigma-rel", "0.1", "0.2", "--lawa", "5", "--tail", "1000"]
            .map(String::from)
    };
    let out = butterfly(&args(&whole).each_ref().map(String::as_str));
    assert!(out.status.success(), "{}", text(&out));

    let mut child = common::spawn_quiet(args(&killed));
    // Killed as soon as its first step is written: far from its last (50 steps).
    let log = killed.join("posthoc/validation.csv");
    let start = Instant::now();
    while std::fs::read_to_string(&log).map_or(true, |t| t.lines().count() < 2) {
        assert!(child.try_wait().unwrap().is_none(), "stabilize ended before it could be killed");
        assert!(start.elapsed() < Duration::from_secs(60), "stabilize wrote nothing");
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let rows = std::fs::read_to_string(&log).unwrap().lines().count() - 1;
    let all = std::fs::read_to_string(whole.join("posthoc/validation.csv")).unwrap().lines().count() - 1;
    assert!(rows < all, "the kill came after the last step ({rows} rows)");

    let rerun = butterfly(&args(&killed).each_ref().map(String::as_str));
    assert!(rerun.status.success(), "{}", text(&rerun));
    assert!(text(&rerun).contains(&format!("{rows} done before")), "{}", text(&rerun));
    let (a, b) = (files_of(&whole), files_of(&killed));
    assert_eq!(a.iter().map(|f| &f.0).collect::<Vec<_>>(), b.iter().map(|f| &f.0).collect::<Vec<_>>());
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{} differs from the uninterrupted run's", name.display());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_transformer_imitator_and_the_lm_are_stabilized_by_the_same_code() {
    let dir = scratch("butterfly-cli-stabilize-kinds");
    let transformer = "kind = \"transformer\"\nwindow = 4\nn_layer = 1\nn_head = 2\nn_embd = 16";
    let bc = train_network(&dir, "transformer", &["0.05", "0.15"], 500, transformer);
    let out = butterfly(&["stabilize", bc.to_str().unwrap(), "--sigma-rel", "0.1", "--lawa", "1", "--tail", "1000"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_lawa_k1_is_raw(&bc, &[("validation.csv", "val_loss"), ("eval.csv", "return")]);

    // A flip-flop LM tracking two power EMAs, kept every 5 updates.
    let f = |name: &str| dir.join(name);
    let (corpus, data) = (f("train.txt"), f("data"));
    let (corpus, data) = (corpus.to_str().unwrap(), data.to_str().unwrap());
    let generate = ["lm", "flipflop", "generate", "--p", "0.8", "--length", "8", "--count", "200", "--out", corpus];
    assert!(butterfly(&generate).status.success());
    assert!(butterfly(&["lm", "prepare", corpus, "--format", "flipflop", "--out", data]).status.success());
    std::fs::write(
        f("lm.toml"),
        format!(
            "data = \"{}\"\nsteps = 20\nbatch_size = 4\nseq_len = 16\n[model]\nn_layer = 1\nn_head = 2\nn_embd = 8\n\
             context = 17\n[schedule]\nlr = 1e-3\n[[stabilizers]]\nkind = \"power\"\nsigma_rel = 0.05\n\
             [[stabilizers]]\nkind = \"power\"\nsigma_rel = 0.15\n[eval]\nevery = 5\nval_batches = 2\nlog_every = 5\n",
            data
        ),
    )
    .unwrap();
    let lm = f("lm");
    let out = butterfly(&["lm", "train", f("lm.toml").to_str().unwrap(), "--out", lm.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = butterfly(&["stabilize", lm.to_str().unwrap(), "--sigma-rel", "0.1", "--lawa", "1"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("8 (step, variant) pairs evaluated"), "{}", text(&out));
    assert_lawa_k1_is_raw(&lm, &[("validation.csv", "val_loss")]);
    // The LM's report and flip-flop scores take the post-hoc variants as any other.
    let report = butterfly(&["report", lm.to_str().unwrap()]);
    assert!(report.status.success() && text(&report).contains("posthoc_s0.1"), "{}", text(&report));
    let score = butterfly(&["lm", "score", lm.to_str().unwrap(), "--all-steps", "--flipflop", corpus]);
    assert!(score.status.success() && text(&score).contains("lawa_k1"), "{}", text(&score));
    std::fs::remove_dir_all(&dir).unwrap();
}
