//! `butterfly sweep` on the linear system: every (variant, seed) run trained, reported side by side,
//! listed for a cluster, skipped when finished, and refused when the sweep file no longer matches.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn butterfly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args).output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A copy of configs/sweeps/linear.toml next to its base, shortened, in a scratch directory.
fn sweep_file(dir: &Path, steps: u64) -> PathBuf {
    let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    std::fs::create_dir_all(dir.join("sweeps")).unwrap();
    std::fs::copy(configs.join("linear-bc.toml"), dir.join("linear-bc.toml")).unwrap();
    let sweep = std::fs::read_to_string(configs.join("sweeps/linear.toml")).unwrap();
    let sweep = sweep.replace("steps = 6000", &format!("steps = {steps}"));
    let path = dir.join("sweeps/linear.toml");
    std::fs::write(&path, sweep).unwrap();
    path
}

#[test]
fn sweep_trains_reports_lists_and_resumes() {
    let dir = std::env::temp_dir().join(format!("butterfly-cli-sweep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sweep = sweep_file(&dir, 2000);
    let out = dir.join("out");
    let (s, o) = (sweep.to_str().unwrap(), out.to_str().unwrap());

    let listed = butterfly(&["sweep", s, "--out", o, "--list"]);
    assert!(listed.status.success(), "{}", text(&listed));
    let commands = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert_eq!(commands.lines().count(), 6, "{commands}");
    assert!(commands.contains("--only batch-512/seed1 --no-report"), "{commands}");
    assert_eq!(std::fs::read_to_string(out.join("commands.txt")).unwrap(), commands);
    assert!(!out.join("baseline").exists(), "--list trains nothing");
    // Overrides on the command line apply to every run and travel with the listed commands.
    let overridden =
        butterfly(&["sweep", s, "--out", dir.join("other").to_str().unwrap(), "--list", "--set", "eval.horizon=7"]);
    assert!(overridden.status.success(), "{}", text(&overridden));
    assert!(
        String::from_utf8_lossy(&overridden.stdout).lines().all(|l| l.ends_with("--no-report --set 'eval.horizon=7'"))
    );
    // Other seeds than the file's: the runs and the listed commands follow them.
    let more = butterfly(&["sweep", s, "--out", dir.join("more").to_str().unwrap(), "--list", "--seeds", "7,8"]);
    assert!(more.status.success(), "{}", text(&more));
    let more = String::from_utf8_lossy(&more.stdout).to_string();
    assert!(more.contains("--only baseline/seed7 ") && more.contains("--only cosine-decay/seed8 "), "{more}");
    assert!(!more.contains("seed0") && more.lines().all(|l| l.ends_with("--no-report --seeds '7,8'")), "{more}");
    let typo =
        butterfly(&["sweep", s, "--out", dir.join("typo").to_str().unwrap(), "--list", "--set", "eval.horizn=7"]);
    assert!(!typo.status.success() && text(&typo).contains("horizn"), "{}", text(&typo));

    // One cluster task: one run, no report.
    let one = butterfly(&["sweep", s, "--out", o, "--only", "baseline/seed1", "--no-report"]);
    assert!(one.status.success(), "{}", text(&one));
    assert!(out.join("baseline/seed1/eval.csv").is_file() && !out.join("baseline/seed0").exists());
    assert!(!out.join("sweep.md").exists());

    let all = butterfly(&["sweep", s, "--out", o]);
    assert!(all.status.success(), "{}", text(&all));
    assert!(text(&all).contains("baseline/seed1: finished earlier"), "{}", text(&all));
    for run in ["baseline/seed0", "batch-512/seed1", "cosine-decay/seed0"] {
        assert!(out.join(run).join("report.md").is_file(), "{run}");
    }
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    // 3 variants × 2 seeds × (raw + one EMA), after the header.
    assert_eq!(csv.lines().count(), 13, "{csv}");
    assert!(csv.lines().nth(1).unwrap().starts_with("baseline,0,raw,"), "{csv}");
    let md = std::fs::read_to_string(out.join("sweep.md")).unwrap();
    assert!(md.contains("| cosine-decay | raw | 2 |") && md.contains(" ± "), "{md}");
    // Stabilizers against raw, paired by seed, with an interval over the two seeds.
    assert!(md.contains("paired by seed") && md.contains("| cosine-decay | ema_a0.7_min0.001_b1000 | 2 |"), "{md}");
    assert_eq!(&std::fs::read(out.join("panels.png")).unwrap()[1..4], b"PNG");
    // The comparison figure: one row per variant, the final held-out loss beside the oscillation metrics.
    let comparison = std::fs::read_to_string(out.join("comparison.svg")).unwrap();
    for word in ["baseline", "batch-512", "cosine-decay", "falls", "final held-out BC loss"] {
        assert!(comparison.contains(word), "{word} missing from comparison.svg");
    }
    assert!(md.contains("![comparison](comparison.png)") && md.contains("final held-out loss"), "{md}");
    // What each intervention does to the raw iterate, against the first variant's (unpaired, Welch).
    assert!(md.contains("| cosine-decay | 2 |") && md.contains("- batch-512 (raw iterate): "), "{md}");

    // Seeds differ; a run's files are the same as those of the same config trained alone.
    let eval = |run: &str| std::fs::read(out.join(run).join("eval.csv")).unwrap();
    assert_ne!(eval("baseline/seed0"), eval("baseline/seed1"));
    let alone = dir.join("alone");
    let trained = butterfly(&[
        "bc",
        "train",
        out.join("baseline/seed1/config.toml").to_str().unwrap(),
        "--out",
        alone.to_str().unwrap(),
    ]);
    assert!(trained.status.success(), "{}", text(&trained));
    assert_eq!(std::fs::read(alone.join("eval.csv")).unwrap(), eval("baseline/seed1"));

    // Runs side by side give the files of runs one after another.
    let side = dir.join("side");
    let jobs = butterfly(&["sweep", s, "--out", side.to_str().unwrap(), "--jobs", "3"]);
    assert!(jobs.status.success(), "{}", text(&jobs));
    assert_eq!(std::fs::read(side.join("sweep.csv")).unwrap(), csv.as_bytes());
    assert_eq!(std::fs::read(side.join("batch-512/seed1/eval.csv")).unwrap(), eval("batch-512/seed1"));

    let json = butterfly(&["sweep", s, "--out", o, "--report-only", "--json"]);
    assert!(json.status.success(), "{}", text(&json));
    assert!(String::from_utf8_lossy(&json.stdout).contains("\"variant\": \"batch-512\""));

    // The sweep file changed under existing runs: one clear line, nothing overwritten.
    let changed = sweep_file(&dir, 3000);
    let refused = butterfly(&["sweep", changed.to_str().unwrap(), "--out", o, "--only", "baseline/seed0"]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("holds a run of another config"), "{}", text(&refused));
    let unknown = butterfly(&["sweep", s, "--out", o, "--only", "nope"]);
    assert!(!unknown.status.success() && text(&unknown).contains("no run is named 'nope'"), "{}", text(&unknown));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_sweep_killed_at_the_start_of_a_run_completes_when_rerun() {
    let dir = std::env::temp_dir().join(format!("butterfly-cli-sweep-killed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sweep = sweep_file(&dir, 2000);
    let out = dir.join("out");
    let (s, o) = (sweep.to_str().unwrap(), out.to_str().unwrap());
    let run = out.join("baseline/seed0");
    let mut child = Command::new(env!("CARGO_BIN_EXE_butterfly"))
        .args(["sweep", s, "--out", o, "--only", "baseline/seed0", "--no-report"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !run.join("config.toml").exists() {
        assert!(start.elapsed() < std::time::Duration::from_secs(60), "the run did not start");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // However far it got, and also when nothing but its config is left, the rerun completes the run.
    let rerun = butterfly(&["sweep", s, "--out", o, "--only", "baseline/seed0", "--no-report"]);
    assert!(rerun.status.success(), "{}", text(&rerun));
    let alone = dir.join("alone");
    let config = run.join("config.toml");
    let trained = butterfly(&["bc", "train", config.to_str().unwrap(), "--out", alone.to_str().unwrap()]);
    assert!(trained.status.success(), "{}", text(&trained));
    let stripped = out.join("baseline/seed1");
    std::fs::create_dir_all(&stripped).unwrap();
    let seed1 = std::fs::read_to_string(&config).unwrap().replace("seed = 0\n", "seed = 1\n");
    std::fs::write(stripped.join("config.toml"), seed1).unwrap();
    // A report while a run has not reached its first evaluation leaves that run out and says so.
    let early = butterfly(&["sweep", s, "--out", o, "--report-only"]);
    assert!(early.status.success(), "{}", text(&early));
    assert!(text(&early).contains("not evaluated yet") && text(&early).contains("baseline/seed1"), "{}", text(&early));
    let rerun = butterfly(&["sweep", s, "--out", o, "--only", "baseline/seed1", "--no-report"]);
    assert!(rerun.status.success(), "{}", text(&rerun));
    for name in ["metrics.csv", "eval.csv", "validation.csv"] {
        assert_eq!(std::fs::read(alone.join(name)).unwrap(), std::fs::read(run.join(name)).unwrap(), "{name}");
    }
    assert!(stripped.join("eval.csv").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn runs_of_different_thread_counts_train_side_by_side_as_they_train_alone() {
    let dir = std::env::temp_dir().join(format!("butterfly-cli-sweep-threads-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    sweep_file(&dir, 2000);
    // Batches of 64 rows: on two threads every layer of every pass is split with the run's helper thread.
    let sweep = dir.join("sweeps/threads.toml");
    std::fs::write(
        &sweep,
        "base = \"../linear-bc.toml\"\nseeds = [0]\nset = { steps = 1500, eval = { every = 500, windows = [] } }\n\
         [[variants]]\nname = \"one\"\nset = { threads = 1 }\n[[variants]]\nname = \"two\"\nset = { threads = 2 }\n",
    )
    .unwrap();
    let out = dir.join("out");
    let jobs =
        butterfly(&["sweep", sweep.to_str().unwrap(), "--out", out.to_str().unwrap(), "--jobs", "2", "--no-report"]);
    assert!(jobs.status.success(), "{}", text(&jobs));
    let config_of = |variant: &str| std::fs::read_to_string(out.join(variant).join("seed0/config.toml")).unwrap();
    assert_eq!(config_of("one").replacen("threads = 1", "threads = 2", 1), config_of("two"), "only threads differ");
    for variant in ["one", "two"] {
        let run = out.join(variant).join("seed0");
        let config = run.join("config.toml");
        let alone = dir.join(format!("alone-{variant}"));
        let trained = butterfly(&["bc", "train", config.to_str().unwrap(), "--out", alone.to_str().unwrap()]);
        assert!(trained.status.success(), "{}", text(&trained));
        for name in ["metrics.csv", "eval.csv", "validation.csv"] {
            let (a, b) = (std::fs::read(alone.join(name)).unwrap(), std::fs::read(run.join(name)).unwrap());
            assert!(a.len() > 100 && a == b, "{variant}: {name} differs from the run trained alone");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
