//! `butterfly expert`: a short training run, resuming it, evaluating its policy, and the errors a user
//! meets with the wrong files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn butterfly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args).output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-expert-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn error_line(out: &Output) -> String {
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "one error line: {stderr}");
    stderr
}

fn train(dir: &Path, steps: &str) -> Output {
    let d = dir.to_str().unwrap();
    butterfly(&[
        "expert",
        "train",
        "--env",
        "Hopper-v4",
        "--steps",
        steps,
        "--out",
        d,
        "--eval-every",
        "300",
        "--eval-episodes",
        "2",
        "--checkpoint-every",
        "100",
    ])
}

#[test]
fn train_resume_and_evaluate() {
    let dir = scratch("run");
    let out = train(&dir, "300");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for file in
        ["config.toml", "episodes.csv", "eval.csv", "checkpoints/latest.safetensors", "policies/best.safetensors"]
    {
        assert!(dir.join(file).is_file(), "{file}");
    }
    // The same `train` again continues the finished run (nothing to do, nothing lost); another config
    // in the same directory is refused.
    let before = std::fs::read(dir.join("eval.csv")).unwrap();
    let again = train(&dir, "300");
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(std::fs::read(dir.join("eval.csv")).unwrap(), before);
    let line = error_line(&butterfly(&[
        "expert",
        "train",
        "--env",
        "Hopper-v4",
        "--steps",
        "300",
        "--seed",
        "9",
        "--out",
        dir.to_str().unwrap(),
    ]));
    assert!(line.contains("another config"), "{line}");
    let out = butterfly(&["expert", "train", "--resume", dir.to_str().unwrap(), "--steps", "600"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let eval = std::fs::read_to_string(dir.join("eval.csv")).unwrap();
    assert_eq!(eval.lines().count(), 3, "header + evaluations at 300 and 600:\n{eval}");

    let policy = dir.join("policies/best.safetensors");
    let out = butterfly(&[
        "expert",
        "eval",
        "--env",
        "Hopper-v4",
        "--expert",
        policy.to_str().unwrap(),
        "--episodes",
        "3",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["returns"].as_array().unwrap().len(), 3);
    assert!(v["mean_return"].as_f64().unwrap().is_finite());

    // The policy of another env.
    let line =
        error_line(&butterfly(&["expert", "eval", "--env", "Walker2d-v4", "--expert", policy.to_str().unwrap()]));
    assert!(line.contains("Hopper-v4") && line.contains("Walker2d-v4"), "{line}");

    // Missing metadata: rewrite the file without its `hidden` entry.
    let stripped = dir.join("stripped.safetensors");
    let bytes = std::fs::read(&policy).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + header_len]).unwrap();
    header["__metadata__"].as_object_mut().unwrap().remove("hidden");
    let new_header = serde_json::to_vec(&header).unwrap();
    let mut out_bytes = (new_header.len() as u64).to_le_bytes().to_vec();
    out_bytes.extend(new_header);
    out_bytes.extend(&bytes[8 + header_len..]);
    std::fs::write(&stripped, out_bytes).unwrap();
    let line =
        error_line(&butterfly(&["expert", "eval", "--env", "Hopper-v4", "--expert", stripped.to_str().unwrap()]));
    assert!(line.contains("hidden"), "{line}");

    // A truncated checkpoint.
    let ckpt = dir.join("checkpoints/latest.safetensors");
    let bytes = std::fs::read(&ckpt).unwrap();
    std::fs::write(&ckpt, &bytes[..bytes.len() / 2]).unwrap();
    let line = error_line(&butterfly(&["expert", "train", "--resume", dir.to_str().unwrap()]));
    assert!(line.contains("truncated") || line.contains("corrupt"), "{line}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A shipped expert re-evaluated as its metadata says it was measured: the same mean to 0.1, at
/// least the BC experiments' minimum.
fn shipped_expert_reaches_its_recorded_return(env: &str, minimum: f64) {
    let expert = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../experts/{env}.safetensors"));
    let meta = butterfly_store::TensorFile::load(&expert).unwrap().metadata;
    assert_eq!(meta["env"], env);
    let (episodes, seed) = (meta["measured_episodes"].clone(), meta["measured_seed"].clone());
    let out = butterfly(&[
        "expert",
        "eval",
        "--env",
        env,
        "--expert",
        expert.to_str().unwrap(),
        "--episodes",
        &episodes,
        "--seed",
        &seed,
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mean = v["mean_return"].as_f64().unwrap();
    assert_eq!(format!("{mean:.1}"), meta["measured_return_mean"], "the recorded measurement reproduces exactly");
    assert!(mean >= minimum, "the BC experiments' minimum for {env}: {mean}");
}

#[test]
fn shipped_walker_expert_reaches_its_recorded_return() {
    shipped_expert_reaches_its_recorded_return("Walker2d-v4", 3500.0);
}

#[test]
fn shipped_hopper_expert_reaches_its_recorded_return() {
    shipped_expert_reaches_its_recorded_return("Hopper-v4", 2500.0);
}

#[test]
fn shipped_half_cheetah_expert_reaches_its_recorded_return() {
    shipped_expert_reaches_its_recorded_return("HalfCheetah-v4", 7000.0);
}

#[test]
fn shipped_ant_expert_reaches_its_recorded_return() {
    shipped_expert_reaches_its_recorded_return("Ant-v4", 3500.0);
}

#[test]
fn shipped_humanoid_expert_reaches_its_recorded_return() {
    shipped_expert_reaches_its_recorded_return("Humanoid-v4", 5000.0);
}
