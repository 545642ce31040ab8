//! `butterfly bc train` and `butterfly data collect` as a user runs them, including a run killed with
//! SIGKILL and resumed to the same files as an uninterrupted one.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::kill_after_first_checkpoint;

fn butterfly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args).output().unwrap()
}

fn config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/linear-bc.toml")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-cli-bc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_killed_run_resumes_to_the_files_of_an_uninterrupted_one() {
    let (whole, killed) = (scratch("whole"), scratch("killed"));
    let out = butterfly(&["bc", "train", config().to_str().unwrap(), "--out", whole.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    kill_after_first_checkpoint(
        &["bc", "train", config().to_str().unwrap(), "--out", killed.to_str().unwrap()],
        &killed,
    );

    let out = butterfly(&["bc", "train", "--resume", killed.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for name in ["config.toml", "metrics.csv", "eval.csv", "validation.csv", "iterates.csv"] {
        assert!(
            std::fs::read(whole.join(name)).unwrap() == std::fs::read(killed.join(name)).unwrap(),
            "{name} differs"
        );
    }
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("J_H raw"), "{report}");
}

#[test]
fn data_collect_and_bad_input() {
    let dir = scratch("data");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("linear.safetensors");
    let out = butterfly(&[
        "data",
        "collect",
        "--env",
        "LinearSystem",
        "--expert",
        "linear",
        "--trajectories",
        "3",
        "--horizon",
        "50",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("150 pairs"));

    // Unknown config key, named; nothing is created.
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(config()).unwrap().replace("batch_size = 64", "batch_size = 64\nlearning_rate = 3"),
    )
    .unwrap();
    let run = dir.join("run");
    let out = butterfly(&["bc", "train", bad.to_str().unwrap(), "--out", run.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("learning_rate"), "{stderr}");
    assert!(!run.exists(), "a rejected config creates nothing");

    // Expert for another env.
    let out = butterfly(&[
        "data",
        "collect",
        "--env",
        "Hopper-v4",
        "--expert",
        "linear",
        "--out",
        file.to_str().unwrap(),
        "--force",
    ]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("LinearSystem"));

    // Resuming something that is not a run directory names what is missing.
    let out = butterfly(&["bc", "train", "--resume", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("no config.toml"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn report_regenerates_figures_and_metrics_from_the_csvs() {
    let dir = scratch("report");
    let out = butterfly(&["bc", "train", config().to_str().unwrap(), "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = butterfly(&["report", dir.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &v[0];
    assert_eq!(run["window_start"], 10000, "half of 20000 updates, after the burn-ins");
    assert_eq!(run["variants"].as_array().unwrap().len(), 4);
    let raw = &run["variants"][0];
    assert_eq!(raw["name"], "raw");
    assert_eq!(raw["oscillation"]["evaluations"], 6, "evaluations at 10000, 12000, …, 20000");
    assert!(raw["oscillation"]["level"].as_f64().unwrap() > 0.95, "the imitator matches the expert: {raw}");
    assert_eq!(raw["iterate_oscillation"]["evaluations"], 50, "the window of 50 consecutive iterates");
    assert_eq!(raw["rollout_falls"], 0.0, "no single rollout of a matched imitator loses half the expert's return");
    for plot in ["plots/returns.png", "plots/returns.svg", "plots/validation.png", "plots/window.png", "report.md"] {
        assert!(dir.join(plot).is_file(), "{plot}");
    }
    // Every metric with its bootstrap interval over the initial conditions, and paired differences from raw.
    let ema = &run["variants"][1]["intervals"];
    assert!(raw["intervals"]["osc_minus_raw"].is_null() && !ema["osc_minus_raw"].is_null(), "{ema}");
    for key in ["osc", "falls", "final_return"] {
        let i = &ema[key];
        let (low, mean, high) = (i["low"].as_f64().unwrap(), i["mean"].as_f64().unwrap(), i["high"].as_f64().unwrap());
        assert!(low <= mean && mean <= high, "{key}: {i}");
    }
    let (point, own) = (raw["intervals"]["osc"]["mean"].as_f64().unwrap(), raw["oscillation"]["osc"].as_f64().unwrap());
    assert!(
        (point - own).abs() <= 1e-9 * own.abs().max(1e-12),
        "the point estimate is the run's own: {point} vs {own}"
    );
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("## Uncertainty") && md.contains("osc − raw"), "{md}");
    // A landscape around an evaluation checkpoint: both surfaces, their roughness, CSV and heatmaps.
    let d = dir.to_str().unwrap();
    let out =
        butterfly(&["landscape", d, "--checkpoint", "10000", "--grid", "5", "--span", "50", "--ics", "4", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let land: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["return_roughness", "loss_roughness"] {
        let r = land[key].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&r), "{key} = {r}");
    }
    let csv = std::fs::read_to_string(dir.join("landscapes/step_10000_raw.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 25);
    assert!(dir.join("landscapes/step_10000_raw.png").is_file());
    let out = butterfly(&["landscape", d, "--checkpoint", "10001"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && stderr.contains("kept no parameters at step 10001 (kept: every 2000 from 2000 to 20000)"),
        "{stderr}"
    );

    // Two runs compared in one figure and table.
    let other = scratch("report-seed1");
    std::fs::create_dir_all(&other).unwrap();
    let seed1 = other.join("seed1.toml");
    std::fs::write(&seed1, std::fs::read_to_string(config()).unwrap().replace("seed = 0", "seed = 1")).unwrap();
    let run1 = other.join("run");
    let out = butterfly(&["bc", "train", seed1.to_str().unwrap(), "--out", run1.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let compare = other.join("compare");
    let out = butterfly(&["report", d, run1.to_str().unwrap(), "--compare", compare.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = std::fs::read_to_string(compare.join("compare.md")).unwrap();
    assert_eq!(table.lines().filter(|l| l.contains("| LinearSystem |")).count(), 8, "2 runs × 4 variants:\n{table}");
    assert!(
        table.contains("osc − raw")
            && table.lines().filter(|l| l.contains(" | raw | ") && l.contains("| – |")).count() == 2,
        "{table}"
    );
    assert!(compare.join("compare_returns.png").is_file());

    // An incomplete run directory names what is missing.
    std::fs::remove_file(dir.join("eval.csv")).unwrap();
    let out = butterfly(&["report", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("eval.csv"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// `butterfly demo` on the linear system at 3 seeds, `jobs` of them side by side.
fn linear_demo(out: &Path, jobs: &str) -> Output {
    let args = ["--env", "LinearSystem", "--expert", "linear", "--steps", "400", "--grid", "3", "--seeds", "3"];
    let out = out.to_str().unwrap();
    butterfly(&[&["demo"], &args[..], &["--jobs", jobs, "--out", out]].concat())
}

#[test]
fn demo_runs_end_to_end_on_the_linear_system() {
    let dir = scratch("demo");
    let d = dir.to_str().unwrap();
    let out = linear_demo(&dir, "2");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("report:") && stdout.contains("ema against raw over 3 seeds"), "{stdout}");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.contains("over 3 seeds") && report.contains("| 2 |") && report.contains("seed0/report.md"),
        "{report}"
    );
    assert!(dir.join("sweep.md").is_file() && dir.join("panels.png").is_file());
    let first = std::fs::read_to_string(dir.join("seed0/report.md")).unwrap();
    assert!(first.contains("## Landscapes") && first.contains("## Every iterate"), "{first}");
    for plot in ["returns.png", "validation.png", "window.png", "landscape_raw.png", "landscape_ema.png"] {
        assert!(dir.join("seed0/plots").join(plot).is_file(), "{plot}");
    }
    assert!(!dir.join("seed1/plots/window.png").exists(), "only the first seed has the every-iterate window");
    // Seeds side by side are the runs one at a time, bit for bit.
    let alone = scratch("demo-alone");
    let out = butterfly(&[
        "demo",
        "--env",
        "LinearSystem",
        "--expert",
        "linear",
        "--steps",
        "400",
        "--grid",
        "3",
        "--seeds",
        "3",
        "--jobs",
        "1",
        "--out",
        alone.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for seed in 0..3 {
        for file in ["eval.csv", "metrics.csv", "validation.csv"] {
            let (a, b) = (dir.join(format!("seed{seed}/{file}")), alone.join(format!("seed{seed}/{file}")));
            assert!(std::fs::read(a).unwrap() == std::fs::read(b).unwrap(), "seed {seed} {file}");
        }
    }
    assert_eq!(std::fs::read(dir.join("report.md")).unwrap(), std::fs::read(alone.join("report.md")).unwrap());
    // Without the shipped expert the demo says how to get one.
    let out = butterfly(&["demo", "--expert", "no/such/expert.safetensors", "--out", &format!("{d}-missing")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("butterfly expert train"), "{stderr}");
}

/// A short Transformer BC run on Walker2d, exported as a policy file: loaded back, it earns exactly the
/// returns the run logged for that variant and step.
#[test]
fn an_exported_transformer_policy_reproduces_the_runs_evaluation() {
    use butterfly_envs::mujoco::find_assets_dir;
    use butterfly_envs::{MujocoEnv, env_rng, evaluate, initial_conditions};
    use butterfly_policy::TransformerPolicy;

    let dir = scratch("export");
    std::fs::create_dir_all(&dir).unwrap();
    let expert = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experts/Walker2d-v4.safetensors");
    let config = format!(
        "env = \"Walker2d-v4\"\nexpert = \"{}\"\nsteps = 200\nbatch_size = 32\n\
         [data]\ntrajectories = 2\nvalidation_trajectories = 1\nhorizon = 100\n\
         [network]\nkind = \"transformer\"\nwindow = 4\nn_layer = 1\nn_head = 2\nn_embd = 16\n\
         [schedule]\nlr = 1e-3\n[[stabilizers]]\nkind = \"ema\"\nname = \"ema\"\ngamma = 0.05\n\
         [eval]\nevery = 100\ninitial_conditions = 3\nhorizon = 150\n",
        expert.display()
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, config).unwrap();
    let run = dir.join("run");
    let trained = butterfly(&["bc", "train", path.to_str().unwrap(), "--out", run.to_str().unwrap()]);
    assert!(trained.status.success(), "{}", String::from_utf8_lossy(&trained.stderr));
    let file = dir.join("ema.safetensors");
    let out = butterfly(&["bc", "export", run.to_str().unwrap(), "--variant", "ema", "--out", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let policy = TransformerPolicy::load(&file).unwrap();
    assert_eq!(policy.meta().extra.get("training_steps").map(String::as_str), Some("200"));
    let mut env = MujocoEnv::new("Walker2d-v4", &find_assets_dir(None).unwrap()).unwrap();
    let states = initial_conditions(&mut env, 3, &mut env_rng(1));
    let episodes = evaluate(&env, &[policy], &states, 150, 1).unwrap();
    let eval = std::fs::read_to_string(run.join("eval.csv")).unwrap();
    let logged: Vec<f64> = eval
        .lines()
        .filter(|l| l.starts_with("200,ema,"))
        .map(|l| l.split(',').nth(3).unwrap().parse().unwrap())
        .collect();
    assert_eq!(episodes[0].iter().map(|e| e.ret).collect::<Vec<_>>(), logged);
    let missing = butterfly(&[
        "bc",
        "export",
        run.to_str().unwrap(),
        "--variant",
        "nope",
        "--out",
        file.to_str().unwrap(),
        "--force",
    ]);
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        !missing.status.success() && stderr.contains("no variant 'nope'") && stderr.lines().count() == 1,
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
