//! Faults a user meets, against the real binary: two writers in one run directory, a directory that is
//! not a run, runs killed before their first checkpoint, damaged checkpoints, data and logs, and sizes no
//! machine has. Each ends in one error line with nothing lost, or in the files of an uninterrupted run.

mod common;

use common::{ok, one_error};

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use butterfly_store::{Checkpoint, Tensor, TensorFile};

fn butterfly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args).output().unwrap()
}

fn spawn(args: &[&str]) -> Child {
    common::spawn_quiet(args)
}

/// A child process killed when the test ends, pass or fail.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-faults-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The linear-system BC config, with `edit` applied to its text, written into `dir`.
fn linear_config(dir: &Path, edit: impl Fn(String) -> String) -> PathBuf {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/linear-bc.toml")).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, edit(text)).unwrap();
    path
}

/// A short linear run: 3000 updates, a checkpoint every 1000.
fn short(text: String) -> String {
    text.replace("steps = 20000", "steps = 3000")
        .replace("every = 2000 ", "every = 1000 ")
        .replace("burn_in = 10000", "burn_in = 1000")
        .replace("windows = [{ start = 10000, length = 50 }]", "windows = [{ start = 1500, length = 20 }]")
}

const LOGS: [&str; 4] = ["metrics.csv", "eval.csv", "validation.csv", "iterates.csv"];

fn same_logs(a: &Path, b: &Path) {
    for name in LOGS.iter().chain(&["expert.csv", "config.toml", "data/train.safetensors"]) {
        assert!(std::fs::read(a.join(name)).unwrap() == std::fs::read(b.join(name)).unwrap(), "{name} differs");
    }
}

fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "{} did not appear", path.display());
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_second_writer_is_refused_and_a_dead_writers_lock_is_taken_over() {
    let dir = scratch("race");
    let config = linear_config(&scratch("race-config"), |t| t.replace("steps = 20000", "steps = 2000000"));
    let out = dir.join("run");
    let mut first = Running(spawn(&["bc", "train", s(&config), "--out", s(&out)]));
    wait_for(&out.join("config.toml"));
    for second in
        [butterfly(&["bc", "train", s(&config), "--out", s(&out)]), butterfly(&["bc", "train", "--resume", s(&out)])]
    {
        one_error(&second, &["in use by process", &first.0.id().to_string()]);
    }
    // The lock is the directory's own: with its label removed, a second writer is still refused.
    std::fs::remove_file(out.join("run.lock")).unwrap();
    one_error(&butterfly(&["bc", "train", "--resume", s(&out), "--stop-at", "1"]), &["is in use by"]);
    one_error(&butterfly(&["bc", "train", s(&config), "--out", s(&out), "--stop-at", "1"]), &["is in use by"]);
    assert!(first.0.try_wait().unwrap().is_none(), "the first writer goes on");
    drop(first);
    // The killed writer's lock is taken over; its checkpoint continues.
    ok(&butterfly(&["bc", "train", "--resume", s(&out), "--stop-at", "1"]));
}

#[test]
fn a_directory_that_is_not_a_run_is_left_alone() {
    let dir = scratch("foreign");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("metrics.csv"), "my own numbers\n").unwrap();
    std::fs::write(dir.join("data/train.safetensors"), "mine").unwrap();
    let config = linear_config(&scratch("foreign-config"), short);
    one_error(&butterfly(&["bc", "train", s(&config), "--out", s(&dir)]), &["not empty", "holds no butterfly run"]);
    assert_eq!(std::fs::read_to_string(dir.join("metrics.csv")).unwrap(), "my own numbers\n");
    assert_eq!(std::fs::read_to_string(dir.join("data/train.safetensors")).unwrap(), "mine");
    assert!(!dir.join("run.lock").exists(), "a refusal leaves no lock file behind");
    // A run of another config is refused as well.
    let run = scratch("foreign-run");
    ok(&butterfly(&["bc", "train", s(&config), "--out", s(&run), "--stop-at", "10"]));
    let other = linear_config(&scratch("foreign-other"), |t| short(t).replace("seed = 0", "seed = 1"));
    one_error(&butterfly(&["bc", "train", s(&other), "--out", s(&run)]), &["another config"]);
    // --set changes the config a run is started with: the same file with another seed is another config.
    one_error(&butterfly(&["bc", "train", s(&config), "--set", "seed=1", "--out", s(&run)]), &["another config"]);
    one_error(
        &butterfly(&["bc", "train", s(&config), "--set", "sede=1", "--out", s(&scratch("foreign-typo"))]),
        &["sede"],
    );
    // --seed N is --set seed=N: the same refusal, and a new directory takes the run with that seed.
    one_error(&butterfly(&["bc", "train", s(&config), "--seed", "1", "--out", s(&run)]), &["another config"]);
    let seeded = scratch("foreign-seeded");
    ok(&butterfly(&["bc", "train", s(&config), "--seed", "7", "--out", s(&seeded), "--stop-at", "1"]));
    assert!(std::fs::read_to_string(seeded.join("config.toml")).unwrap().contains("seed = 7"));
    one_error(&butterfly(&["bc", "train", "--resume", s(&seeded), "--seed", "8"]), &["resumed run keeps"]);
}

#[test]
fn an_edited_config_is_refused_on_resume_naming_the_changed_keys() {
    let dir = scratch("edited");
    let config = linear_config(&scratch("edited-config"), short);
    ok(&butterfly(&["bc", "train", s(&config), "--out", s(&dir), "--stop-at", "1000"]));
    let stored = dir.join("config.toml");
    let text = std::fs::read_to_string(&stored).unwrap();
    let edited = text.replace("seed = 0", "seed = 5").replace("steps = 3000", "steps = 4000");
    assert_ne!(edited, text);
    std::fs::write(&stored, &edited).unwrap();
    let metrics = std::fs::read(dir.join("metrics.csv")).unwrap();
    // The run's length is the one key a resume may change: only the seed is named.
    let line =
        one_error(&butterfly(&["bc", "train", "--resume", s(&dir)]), &["config.toml", "edited", "(changed: seed)"]);
    assert!(!line.contains("steps"), "{line}");
    assert_eq!(std::fs::read(dir.join("metrics.csv")).unwrap(), metrics, "nothing touched");
    std::fs::write(&stored, &text).unwrap();
    ok(&butterfly(&["bc", "train", "--resume", s(&dir), "--steps", "4000", "--stop-at", "2000"]));
    assert!(std::fs::read_to_string(&stored).unwrap().contains("steps = 4000"));
    one_error(&butterfly(&["bc", "train", "--resume", s(&dir), "--steps", "1500"]), &["checkpointed at step 2000"]);
}

#[test]
fn runs_that_died_before_their_first_checkpoint_resume_to_the_files_of_an_uninterrupted_one() {
    let config = linear_config(&scratch("early-config"), short);
    let whole = scratch("early-whole");
    ok(&butterfly(&["bc", "train", s(&config), "--out", s(&whole)]));

    // Stopped at step 0, and a run that died before any checkpoint was written (only its config left).
    let (stopped, died) = (scratch("early-stopped"), scratch("early-died"));
    ok(&butterfly(&["bc", "train", s(&config), "--out", s(&stopped), "--stop-at", "0"]));
    ok(&butterfly(&["bc", "train", s(&config), "--out", s(&died), "--stop-at", "0"]));
    std::fs::remove_dir_all(died.join("checkpoints")).unwrap();
    std::fs::remove_file(died.join("metrics.csv")).unwrap();
    // And one killed by SIGKILL as soon as its directory appeared.
    let killed = scratch("early-killed");
    let mut child = spawn(&["bc", "train", s(&config), "--out", s(&killed)]);
    wait_for(&killed.join("config.toml"));
    child.kill().unwrap();
    child.wait().unwrap();
    for dir in [&stopped, &died, &killed] {
        ok(&butterfly(&["bc", "train", "--resume", s(dir)]));
        same_logs(&whole, dir);
    }
}

#[test]
fn a_run_killed_inside_a_long_window_resumes_from_its_last_evaluated_block() {
    // Every iterate of 1500–2099 judged over horizon 1000: long enough to be killed in the middle.
    let long_window = |t: String| {
        short(t)
            .replace("windows = [{ start = 1500, length = 20 }]", "windows = [{ start = 1500, length = 600 }]")
            .replace("horizon = 100\nseed = 1", "horizon = 1000\nseed = 1")
    };
    let config = linear_config(&scratch("window-config"), long_window);
    let whole = scratch("window-whole");
    ok(&butterfly(&["bc", "train", s(&config), "--out", s(&whole)]));

    let killed = scratch("window-killed");
    let child = Running(spawn(&["bc", "train", s(&config), "--out", s(&killed)]));
    let iterates = |run: &Path| std::fs::read_to_string(run.join("iterates.csv")).map_or(0, |t| t.lines().count());
    let start = Instant::now();
    // Three blocks of 16 iterates, each row one (iterate, variant, initial condition): 4 variants, 20 ICs.
    while iterates(&killed) < 1 + 3 * 16 * 4 * 20 {
        assert!(start.elapsed() < Duration::from_secs(120), "the window did not get going");
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(child);
    let meta = TensorFile::load(&killed.join("checkpoints/latest.safetensors")).unwrap().metadata;
    let step: u64 = meta["step"].parse().unwrap();
    assert!(step > 1500 && step < 2000, "the last checkpoint is at {step}, not inside the window");
    ok(&butterfly(&["bc", "train", "--resume", s(&killed)]));
    same_logs(&whole, &killed);
}

/// A name, how it breaks the config, and what the error line must say.
type BrokenConfig = (&'static str, fn(String) -> String, &'static [&'static str]);

#[test]
fn failures_before_training_leave_no_directory() {
    let base = scratch("nodir");
    let cases: [BrokenConfig; 5] = [
        ("hidden0", |t| t.replace("hidden = [64, 64]", "hidden = [0]"), &["hidden", "at least 1"]),
        ("huge-net", |t| t.replace("hidden = [64, 64]", "hidden = [100000000, 100000000]"), &["memory", "hidden"]),
        ("huge-batch", |t| t.replace("batch_size = 64", "batch_size = 1000000000000"), &["memory", "batch_size"]),
        ("eval-threads", |t| t.replace("threads = 2", "threads = 0"), &["eval.threads"]),
        ("huge-data", |t| t.replace("trajectories = 20 ", "trajectories = 100000000000 "), &["memory", "trajectories"]),
    ];
    for (name, edit, want) in cases {
        let config = linear_config(&base.join(format!("{name}-config")), edit);
        let out = base.join(name);
        one_error(&butterfly(&["bc", "train", s(&config), "--out", s(&out)]), want);
        assert!(!out.exists(), "{name}: a failed start left {}", out.display());
    }
    // Divergence at the first update: the step-0 checkpoint it names exists.
    let config = linear_config(&base.join("diverge-config"), |t| {
        t.replace("lr = 1e-3", "lr = 1e30").replace("kind = \"adam\"", "kind = \"sgd\"")
    });
    let out = base.join("diverge");
    one_error(&butterfly(&["bc", "train", s(&config), "--out", s(&out)]), &["diverged", "step 0"]);
    assert!(out.join("checkpoints/latest.safetensors").is_file());
}

#[test]
fn damaged_checkpoints_data_and_logs_are_refused_before_anything_is_touched() {
    let config = linear_config(&scratch("damage-config"), short);
    let good = scratch("damage-good");
    ok(&butterfly(&["bc", "train", s(&config), "--out", s(&good), "--stop-at", "1500"]));
    let ckpt = "checkpoints/latest.safetensors";
    type Damage = fn(&Path);
    let cases: [(&str, Damage, &[&str]); 7] = [
        ("data-byte", |d| flip_last_byte(&d.join("data/train.safetensors")), &["train.safetensors", "checksum"]),
        (
            "version",
            |d| {
                let path = d.join("checkpoints/latest.safetensors");
                let mut f = TensorFile::load(&path).unwrap();
                f.set_meta("format", "butterfly-bc-checkpoint-9");
                f.save(&path).unwrap();
            },
            &["checkpoint-9", "checkpoint-3"],
        ),
        (
            "zeroed-rng",
            |d| {
                let path = d.join("checkpoints/latest.safetensors");
                let mut f = TensorFile::load(&path).unwrap();
                f.tensors.get_mut("rng").unwrap().1 = Tensor::U64(vec![0; 7]);
                f.save(&path).unwrap();
            },
            &["'rng'", "checksum"],
        ),
        (
            "huge-step",
            |d| {
                let path = d.join("checkpoints/latest.safetensors");
                let mut c = Checkpoint::load(&path, "butterfly-bc-checkpoint-3").unwrap();
                c.put_count("step", 1_000_000_000_000);
                c.save(&path).unwrap();
            },
            &["'step'", "inconsistent"],
        ),
        (
            "mid-row",
            |d| {
                let path = d.join("checkpoints/latest.safetensors");
                let mut c = Checkpoint::load(&path, "butterfly-bc-checkpoint-3").unwrap();
                let len = std::fs::read(d.join("eval.csv")).unwrap().len() as u64;
                c.put_count("log.eval.csv.bytes", len - 3);
                c.save(&path).unwrap();
            },
            &["eval.csv", "not the end of a row"],
        ),
        ("edited-log", |d| edit_line(&d.join("metrics.csv"), 2), &["metrics.csv", "edited"]),
        (
            "empty-data",
            |d| {
                let path = d.join("data/train.safetensors");
                let mut f = TensorFile::load(&path).unwrap();
                for (name, cols) in [("inputs", 4), ("targets", 1)] {
                    f.insert(name, vec![0, cols], Tensor::F32(vec![]));
                }
                f.insert("offsets", vec![1], Tensor::U64(vec![0]));
                f.insert("returns", vec![0], Tensor::F64(vec![]));
                f.save(&path).unwrap();
            },
            &["train.safetensors"],
        ),
    ];
    for (name, damage, want) in cases {
        let dir = scratch(&format!("damage-{name}"));
        copy_dir(&good, &dir);
        damage(&dir);
        let before: Vec<Vec<u8>> = LOGS.iter().map(|n| std::fs::read(dir.join(n)).unwrap()).collect();
        let err = one_error(&butterfly(&["bc", "train", "--resume", s(&dir)]), want);
        let after: Vec<Vec<u8>> = LOGS.iter().map(|n| std::fs::read(dir.join(n)).unwrap()).collect();
        assert!(before == after, "{name}: a log was touched before the error ({err})");
        assert!(dir.join(ckpt).is_file());
    }

    // Kept parameters and the expert's returns are checksummed too: a flipped bit is refused.
    let dir = scratch("damage-params");
    copy_dir(&good, &dir);
    flip_last_byte(&dir.join("checkpoints/params_00001000.safetensors"));
    let out = scratch("damage-export").join("policy.safetensors");
    let export = ["bc", "export", s(&dir), "--step", "1000", "--out", s(&out)];
    one_error(&butterfly(&export), &["params_00001000", "checksum"]);
    assert!(!out.exists(), "nothing exported");
    // Outputs never land inside a run, and replace a user's file only with --force.
    let good_config = std::fs::read(good.join("config.toml")).unwrap();
    for inside in ["config.toml", "checkpoints/latest.safetensors", "checkpoints/params_00001000.safetensors", "new.pt"]
    {
        let target = good.join(inside);
        one_error(
            &butterfly(&["bc", "export", s(&good), "--out", s(&target), "--force"]),
            &["inside the run directory"],
        );
    }
    assert_eq!(std::fs::read(good.join("config.toml")).unwrap(), good_config);
    assert!(!good.join("new.pt").exists());
    let mine = scratch("damage-mine");
    std::fs::create_dir_all(&mine).unwrap();
    let mine = mine.join("notes.safetensors");
    std::fs::write(&mine, "mine").unwrap();
    one_error(&butterfly(&["bc", "export", s(&good), "--out", s(&mine)]), &["exists", "--force"]);
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "mine");
    ok(&butterfly(&["bc", "export", s(&good), "--out", s(&mine), "--force"]));
    assert!(TensorFile::load(&mine).is_ok());

    let dir = scratch("damage-expert");
    copy_dir(&good, &dir);
    edit_line(&dir.join("expert.csv"), 2);
    one_error(&butterfly(&["bc", "train", "--resume", s(&dir)]), &["expert.csv", "checksum"]);
    one_error(&butterfly(&["report", s(&dir)]), &["expert.csv", "checksum"]);
    ok(&butterfly(&["report", s(&good)]));
}

fn flip_last_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    *bytes.last_mut().unwrap() ^= 0x40;
    std::fs::write(path, bytes).unwrap();
}

/// Changes one digit of line `k` (1-based) of a CSV.
fn edit_line(path: &Path, k: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[k - 1] = lines[k - 1].replacen('0', "1", 1);
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn report_refuses_damaged_logs_with_file_and_line() {
    let config = linear_config(&scratch("report-config"), short);
    let good = scratch("report-good");
    ok(&butterfly(&["bc", "train", s(&config), "--out", s(&good)]));
    ok(&butterfly(&["report", s(&good)]));
    let eval = std::fs::read_to_string(good.join("eval.csv")).unwrap();
    let lines: Vec<&str> = eval.lines().collect();
    let header = lines[0];
    let body = &lines[1..];
    let reversed: Vec<&str> = std::iter::once(header).chain(body.iter().rev().copied()).collect();
    let cases: Vec<(&str, &str, String, Vec<&str>)> = vec![
        ("empty", "eval.csv", String::new(), vec!["eval.csv", "empty"]),
        ("header-only", "eval.csv", format!("{header}\n"), vec!["eval.csv", "no evaluation"]),
        ("headerless", "eval.csv", body.join("\n") + "\n", vec!["eval.csv", "line 1", "header"]),
        ("reversed", "eval.csv", reversed.join("\n") + "\n", vec!["eval.csv", "comes after"]),
        (
            "duplicated",
            "eval.csv",
            eval.replacen(body[0], &format!("{}\n{}", body[0], body[0]), 1),
            vec!["eval.csv", "line 3", "repeats"],
        ),
        (
            "inf",
            "eval.csv",
            eval.replacen(&format!("{}\n", body[0]), &format!("{}\n", inf_return(body[0])), 1),
            vec!["eval.csv", "line 2", "inf"],
        ),
        (
            "unknown-variant",
            "validation.csv",
            {
                let v = std::fs::read_to_string(good.join("validation.csv")).unwrap();
                v.replacen(",raw,", ",rawx,", 1)
            },
            vec!["validation.csv", "rawx"],
        ),
        (
            "garbage",
            "metrics.csv",
            {
                let m = std::fs::read_to_string(good.join("metrics.csv")).unwrap();
                m + "this is not a row\n"
            },
            vec!["metrics.csv", "fields"],
        ),
    ];
    for (name, file, text, want) in cases {
        let dir = scratch(&format!("report-{name}"));
        copy_dir(&good, &dir);
        std::fs::write(dir.join(file), text).unwrap();
        one_error(&butterfly(&["report", s(&dir)]), &want);
    }
}

/// The same eval row with its return replaced by `inf`.
fn inf_return(row: &str) -> String {
    let mut fields: Vec<&str> = row.split(',').collect();
    fields[3] = "inf";
    fields.join(",")
}

#[test]
fn expert_training_refuses_an_empty_budget_and_always_keeps_a_policy() {
    let dir = scratch("sac");
    let out = dir.join("zero");
    one_error(
        &butterfly(&["expert", "train", "--env", "Hopper-v4", "--steps", "0", "--out", s(&out)]),
        &["steps must be ≥ 1"],
    );
    assert!(!out.exists());
    let run = dir.join("no-eval");
    ok(&butterfly(&[
        "expert",
        "train",
        "--env",
        "Hopper-v4",
        "--steps",
        "200",
        "--eval-every",
        "0",
        "--threads",
        "1",
        "--out",
        s(&run),
    ]));
    assert!(run.join("policies/final.safetensors").is_file());
    // A SAC run killed before its first periodic checkpoint resumes from its step-0 one.
    let cut = dir.join("cut");
    ok(&butterfly(&[
        "expert",
        "train",
        "--env",
        "Hopper-v4",
        "--steps",
        "200",
        "--eval-every",
        "0",
        "--threads",
        "1",
        "--out",
        s(&cut),
    ]));
    let mut c = Checkpoint::load(&cut.join("checkpoints/latest.safetensors"), "butterfly-sac-checkpoint-2").unwrap();
    c.put_count("buffer.len", 7);
    c.save(&cut.join("checkpoints/latest.safetensors")).unwrap();
    one_error(&butterfly(&["expert", "train", "--resume", s(&cut), "--steps", "300"]), &["replay buffer"]);
}

#[test]
fn sizes_no_machine_has_and_empty_sets_are_one_line() {
    let config = linear_config(&scratch("sizes-config"), short);
    let run = scratch("sizes-run");
    ok(&butterfly(&["bc", "train", s(&config), "--out", s(&run)]));
    one_error(&butterfly(&["landscape", s(&run), "--checkpoint", "3000", "--ics", "0"]), &["initial condition"]);
    one_error(&butterfly(&["landscape", s(&run), "--checkpoint", "3000", "--grid", "100000"]), &["memory", "grid"]);
    let data = scratch("sizes-data").join("d.safetensors");
    one_error(
        &butterfly(&[
            "data",
            "collect",
            "--env",
            "LinearSystem",
            "--expert",
            "linear",
            "--trajectories",
            "100000000000",
            "--out",
            s(&data),
        ]),
        &["memory", "trajectories"],
    );
    one_error(&butterfly(&["theory", "cliff", "--dim", "1000000000000000"]), &["memory", "dim"]);
    one_error(&butterfly(&["theory", "linear", "--dim", "1000000000", "--horizon", "100000000"]), &["memory", "dim"]);
}

/// A small tmpfs, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_one_line_and_leaves_no_temporary_file() {
    let dir = scratch("enospc");
    std::fs::create_dir_all(&dir).unwrap();
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=256k", "tmpfs", s(&dir)]).output();
    if !mounted.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: mounting a tmpfs needs root (run the suite as root to check full disks)");
        return;
    }
    let _tmpfs = Tmpfs(dir.clone());
    let out = dir.join("data.safetensors");
    let args =
        ["data", "collect", "--env", "LinearSystem", "--expert", "linear", "--trajectories", "200", "--horizon", "100"];
    let full = butterfly(&[&args[..], &["--out", s(&out)]].concat());
    one_error(&full, &["data.safetensors", "No space left"]);
    let left: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(left.is_empty(), "left on the full disk: {left:?}");
}

#[test]
fn seeds_beyond_what_a_config_holds_are_one_line() {
    let config = linear_config(&scratch("bigseed-config"), short);
    let out = scratch("bigseed");
    let huge = u64::MAX.to_string();
    let err = butterfly(&["bc", "train", s(&config), "--out", s(&out), "--seed", &huge]);
    assert!(!err.status.success() && String::from_utf8_lossy(&err.stderr).contains("0..=9223372036854775807"));
    assert!(!out.exists());
    let sweep = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/sweeps/linear.toml");
    let err = butterfly(&["sweep", s(&sweep), "--out", s(&out), "--seeds", &format!("1,{huge}")]);
    let stderr = String::from_utf8_lossy(&err.stderr);
    assert!(!err.status.success() && stderr.contains("0..=9223372036854775807") && !stderr.contains("-1"), "{stderr}");
    assert!(!out.exists());
}
