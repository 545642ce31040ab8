//! Conformance against the real Gymnasium 1.4.0 (Python, in the set-up venv): for every task, v4 and v5,
//! three 1000-step action sequences from explicit states must give bit-identical observations, rewards and
//! termination flags through `butterfly env replay` and through Gymnasium's own env.

use std::path::{Path, PathBuf};
use std::process::Command;

use butterfly_envs::mujoco::find_assets_dir;
use butterfly_envs::{Env, MujocoEnv, env_rng};
use rand::Rng;

const STEPS: usize = 1000;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    let python = workspace().join(".venv/bin/python");
    assert!(python.is_file(), "{} is missing: run scripts/setup.sh", python.display());
    python
}

/// The three action families: uniform in the control range, smooth sinusoids, and saturating
/// (up to three times the control range, which MuJoCo clamps while the control cost does not).
fn action_sequences(env: &MujocoEnv, seed: u64) -> Vec<(&'static str, Vec<Vec<f64>>)> {
    let spec = env.spec();
    let mut rng = env_rng(seed);
    let (low, high) = (&spec.action_low, &spec.action_high);
    let mid = |i: usize| 0.5 * (low[i] + high[i]);
    let half = |i: usize| 0.5 * (high[i] - low[i]);
    let uniform = (0..STEPS).map(|_| (0..spec.act_dim).map(|i| rng.random_range(low[i]..=high[i])).collect()).collect();
    let phases: Vec<(f64, f64)> =
        (0..spec.act_dim).map(|_| (rng.random_range(0.0..6.3), rng.random_range(0.02..0.2))).collect();
    let smooth = (0..STEPS)
        .map(|t| {
            (0..spec.act_dim).map(|i| mid(i) + 0.9 * half(i) * (phases[i].0 + phases[i].1 * t as f64).sin()).collect()
        })
        .collect();
    let saturating = (0..STEPS)
        .map(|_| (0..spec.act_dim).map(|i| mid(i) + half(i) * rng.random_range(-3.0..=3.0)).collect())
        .collect();
    vec![("uniform", uniform), ("smooth", smooth), ("saturating", saturating)]
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().map(|l| l.split(',').map(str::to_string).collect()).collect()
}

fn conform(id: &str) {
    let assets = find_assets_dir(None).expect("Gymnasium assets (run scripts/setup.sh)");
    let mut env = MujocoEnv::new(id, &assets).unwrap();
    let dir = std::env::temp_dir().join(format!("butterfly-conformance-{id}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cases = Vec::new();
    for (k, (family, actions)) in action_sequences(&env, 7).into_iter().enumerate() {
        env.reset(&mut env_rng(100 + k as u64));
        let state = env.state();
        let nq = env.model().ffi().nq as usize;
        let input = serde_json::json!({"env": id, "qpos": &state[..nq], "qvel": &state[nq..], "actions": actions});
        let json = dir.join(format!("{family}.json"));
        std::fs::write(&json, input.to_string()).unwrap();
        cases.push((family, json, dir.join(format!("{family}.ours.csv")), dir.join(format!("{family}.gym.csv"))));
    }
    for (_, json, ours, _) in &cases {
        let status = Command::new(env!("CARGO_BIN_EXE_butterfly"))
            .args(["env", "replay"])
            .arg(json)
            .arg("--out")
            .arg(ours)
            .status()
            .unwrap();
        assert!(status.success(), "butterfly env replay failed on {}", json.display());
    }
    let mut gym = Command::new(python());
    gym.arg(workspace().join("tests/gym_replay.py"));
    for (_, json, _, reference) in &cases {
        gym.arg(json).arg(reference);
    }
    let out = gym.output().unwrap();
    assert!(out.status.success(), "gym_replay.py failed: {}", String::from_utf8_lossy(&out.stderr));

    for (family, _, ours, reference) in &cases {
        let (a, b) = (read_csv(ours), read_csv(reference));
        assert_eq!(a[0], b[0], "{id}/{family}: headers differ");
        assert_eq!(a.len(), STEPS + 1, "{id}/{family}: expected {STEPS} rows");
        assert_eq!(a.len(), b.len(), "{id}/{family}: row counts differ");
        let mut max_delta = 0.0f64;
        let mut first_mismatch = None;
        for (row, (ra, rb)) in a.iter().zip(&b).enumerate().skip(1) {
            assert_eq!(ra[2], rb[2], "{id}/{family}: terminated differs at step {}", row - 1);
            for (col, (x, y)) in ra.iter().zip(rb).enumerate().skip(1).filter(|(c, _)| *c != 2) {
                let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                if x.to_bits() != y.to_bits() {
                    max_delta = max_delta.max((x - y).abs());
                    first_mismatch.get_or_insert((row - 1, a[0][col].clone(), x, y));
                }
            }
        }
        assert!(
            first_mismatch.is_none(),
            "{id}/{family}: not bit-identical, max |Δ| = {max_delta:e}; first at step {:?}",
            first_mismatch
        );
        let terminated = a.iter().skip(1).filter(|r| r[2] == "true").count();
        eprintln!("{id}/{family}: {STEPS} steps bit-identical ({terminated} steps flagged terminated)");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn walker2d_matches_gymnasium() {
    conform("Walker2d-v4");
    conform("Walker2d-v5");
}

#[test]
fn hopper_matches_gymnasium() {
    conform("Hopper-v4");
    conform("Hopper-v5");
}

#[test]
fn half_cheetah_matches_gymnasium() {
    conform("HalfCheetah-v4");
    conform("HalfCheetah-v5");
}

#[test]
fn ant_matches_gymnasium() {
    conform("Ant-v4");
    conform("Ant-v5");
}

#[test]
fn humanoid_matches_gymnasium() {
    conform("Humanoid-v4");
    conform("Humanoid-v5");
}
