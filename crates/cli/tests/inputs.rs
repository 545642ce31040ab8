//! Hostile input against the real binary (issue 27): values that reached job scripts verbatim, thread
//! counts and sizes no machine has, numbers that gave wrong answers with exit 0, runs listed twice. Each
//! is one error line, and nothing is made.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{ok, one_error};

fn butterfly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args).output().unwrap()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-inputs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn slurm_values_that_would_break_or_extend_the_job_scripts_are_refused_and_nothing_is_made() {
    let dir = scratch("slurm");
    let sweep = repo().join("configs/sweeps/linear.toml");
    let out = dir.join("out");
    let dry = |extra: &[&str]| {
        let mut args = vec!["sweep", s(&sweep), "--out", s(&out), "--slurm", "--dry-run"];
        args.extend(extra);
        butterfly(&args)
    };
    for (args, says) in [
        (&["--sbatch-arg=--account=lab\nrm -rf ~"][..], "--sbatch-arg"),
        (&["--sbatch-arg=account=lab"], "--sbatch-arg"),
        (&["--partition", "gpu\n#SBATCH --wrap=touch /tmp/x"], "--partition"),
        (&["--partition", ""], "--partition"),
        (&["--partition", "gpu,"], "--partition"),
        (&["--time", "abc"], "--time"),
        (&["--time", "25:99:99"], "--time"),
        (&["--time=-1"], "--time"),
        (&["--time", ""], "--time"),
        (&["--time", "1-24"], "--time"),
        (&["--mem", "lots"], "--mem"),
        (&["--mem", "8GB"], "--mem"),
    ] {
        one_error(&dry(args), &[says]);
        assert!(!out.exists(), "{args:?} made {}", out.display());
    }
    // A path that would put a line break into the task's command line.
    let broken = dir.join("out\nrm -rf ~");
    one_error(&butterfly(&["sweep", s(&sweep), "--out", s(&broken), "--slurm", "--dry-run"]), &["control character"]);
    assert!(!broken.exists());
    ok(&dry(&[
        "--time",
        "1-12:30",
        "--mem",
        "8G",
        "--partition",
        "gpu,debug",
        "--sbatch-arg=--account=lab",
        "--sbatch-arg=--comment=my \"first\" sweep #1",
    ]));
    let script = std::fs::read_to_string(out.join("slurm/array.sbatch")).unwrap();
    // Every line is the shebang, a comment or directive, or one of the script's three commands.
    for line in script.lines() {
        assert!(
            line.starts_with('#')
                || line.starts_with("set -euo")
                || line.starts_with("runs=(")
                || line.starts_with("exec "),
            "{line}\n{script}"
        );
    }
    for directive in
        ["#SBATCH --time=1-12:30\n", "#SBATCH --mem=8G\n", "#SBATCH --partition=gpu,debug\n", "#SBATCH --account=lab\n"]
    {
        assert!(script.contains(directive), "{directive}{script}");
    }
    // One quoted argument as sbatch reads it: the spaces, quotes and '#' stay in the comment.
    assert!(script.contains("#SBATCH \"--comment=my \\\"first\\\" sweep #1\"\n"), "{script}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn thread_counts_beyond_the_shared_bound_are_one_error_before_any_work() {
    let dir = scratch("threads");
    let expert = repo().join("experts/Hopper-v4.safetensors");
    let e = s(&expert);
    one_error(
        &butterfly(&["expert", "eval", "--env", "Hopper-v4", "--expert", e, "--episodes", "1", "--threads", "100000"]),
        &["threads = 100000", "use 1 to"],
    );
    let data = dir.join("data.safetensors");
    let collect = ["data", "collect", "--env", "Hopper-v4", "--expert", e, "--trajectories", "1", "--horizon", "5"];
    one_error(&butterfly(&[&collect[..], &["--threads", "100000", "--out", s(&data)]].concat()), &["threads = 100000"]);
    assert!(!data.exists());
    let config = repo().join("configs/linear-bc.toml");
    let run = dir.join("run");
    for key in ["threads", "eval.threads", "data.threads"] {
        let set = format!("{key}=100000");
        one_error(
            &butterfly(&["bc", "train", s(&config), "--set", &set, "--out", s(&run)]),
            &[&format!("{key} = 100000")],
        );
        assert!(!run.exists(), "--set {set} made the run directory");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sizes_no_machine_holds_are_one_error_and_nothing_is_made() {
    let dir = scratch("sizes");
    let expert = repo().join("experts/Hopper-v4.safetensors");
    one_error(
        &butterfly(&["expert", "eval", "--env", "Hopper-v4", "--expert", s(&expert), "--episodes", "100000000000"]),
        &["episodes", "memory"],
    );
    let flipflop = dir.join("ff.txt");
    for (flag, value) in [("--count", "1000000000000"), ("--length", "100000000000")] {
        one_error(&butterfly(&["lm", "flipflop", "generate", flag, value, "--out", s(&flipflop)]), &["memory"]);
        assert!(!flipflop.exists());
    }
    let corpus = dir.join("corpus.txt");
    std::fs::write(&corpus, "a small corpus\n").unwrap();
    let data = dir.join("data");
    for vocab in ["18446744073709551615", "65537", "256"] {
        let args = ["lm", "prepare", s(&corpus), "--tokenizer", "bpe", "--vocab-size", vocab, "--out", s(&data)];
        one_error(&butterfly(&args), &["vocab_size", "65536", vocab]);
        assert!(!data.exists(), "--vocab-size {vocab} made {}", data.display());
    }
    one_error(&butterfly(&["theory", "cliff", "--trials", "18446744073709551615"]), &["trials", "memory"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn exact_values_that_cannot_be_computed_are_refused_not_printed_as_zero_inf_or_nan() {
    for offset in ["1e10", "1e20"] {
        one_error(
            &butterfly(&["theory", "cliff", "--offset", offset, "--trials", "100"]),
            &["offset", "at most about"],
        );
    }
    one_error(
        &butterfly(&["theory", "linear", "--delta", "1", "--horizon", "600", "--trials", "100"]),
        &["horizon = 600", "1e150"],
    );
}

#[test]
fn a_policy_file_with_unordered_or_absurd_action_bounds_is_refused() {
    let dir = scratch("bounds");
    let expert = repo().join("experts/Hopper-v4.safetensors");
    for (low, high, says) in
        [("[1, 1, 1]", "[-1, -1, -1]", "not below action_high"), ("[-1e30, -1, -1]", "[1e30, 1, 1]", "within ±1e6")]
    {
        let mut file = butterfly_store::TensorFile::load(&expert).unwrap();
        file.set_meta("action_low", low);
        file.set_meta("action_high", high);
        let edited = dir.join("edited.safetensors");
        file.save(&edited).unwrap();
        one_error(
            &butterfly(&["expert", "eval", "--env", "Hopper-v4", "--expert", s(&edited), "--episodes", "1"]),
            &["action_", says],
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_run_listed_twice_is_refused() {
    let dir = scratch("twice");
    // A short linear run (as faults.rs shortens it).
    let text = std::fs::read_to_string(repo().join("configs/linear-bc.toml")).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        text.replace("steps = 20000", "steps = 2000")
            .replace("every = 2000 ", "every = 1000 ")
            .replace("burn_in = 10000", "burn_in = 1000")
            .replace("windows = [{ start = 10000, length = 50 }]", "windows = []"),
    )
    .unwrap();
    let run = dir.join("run");
    ok(&butterfly(&["bc", "train", s(&config), "--out", s(&run)]));
    let again = dir.join("./run/../run/");
    let compare = dir.join("compare");
    one_error(&butterfly(&["report", s(&run), s(&again), "--compare", s(&compare)]), &["same directory"]);
    assert!(!compare.exists() && !run.join("report.md").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
