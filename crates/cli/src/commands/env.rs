use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use butterfly_envs::mujoco::find_assets_dir;
use butterfly_envs::{Env, MujocoEnv, TASK_IDS};
use clap::{Args, Subcommand};

use butterfly_store::write_atomic;
use serde::Deserialize;

#[derive(Subcommand)]
pub enum EnvCommand {
    /// List the environments with their observation and action sizes.
    List(AssetsArg),
    /// Replay actions from an explicit state and write one CSV row per step.
    ///
    /// INPUT.json: {"env": "Walker2d-v4", "qpos": [...], "qvel": [...], "actions": [[...], ...]}.
    /// OUT.csv: step,reward,terminated,obs_0,...; floats in shortest round-trip form. Stepping goes on
    /// after termination.
    Replay(ReplayArgs),
}

#[derive(Args)]
pub struct AssetsArg {
    /// Gymnasium's `envs/mujoco/assets` directory (default: $BUTTERFLY_GYM_ASSETS, else the venv's).
    #[arg(long, value_name = "DIR")]
    pub assets: Option<PathBuf>,
}

#[derive(Args)]
pub struct ReplayArgs {
    /// The replay description (JSON).
    input: PathBuf,
    /// Where to write the CSV.
    #[arg(long, value_name = "OUT.csv")]
    out: PathBuf,
    /// Replace an existing --out file (never one inside a run directory).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    assets: AssetsArg,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayInput {
    env: String,
    qpos: Vec<f64>,
    qvel: Vec<f64>,
    actions: Vec<Vec<f64>>,
}

pub fn run(cmd: EnvCommand) -> anyhow::Result<()> {
    match cmd {
        EnvCommand::List(args) => list(&args),
        EnvCommand::Replay(args) => replay(&args),
    }
}

/// Builds a task by Gymnasium id, finding the model files as `--assets` says.
pub fn make_env(id: &str, assets: &AssetsArg) -> anyhow::Result<MujocoEnv> {
    let dir = find_assets_dir(assets.assets.as_deref())?;
    Ok(MujocoEnv::new(id, &dir)?)
}

fn list(args: &AssetsArg) -> anyhow::Result<()> {
    println!("{:<16} {:>7} {:>7} {:>9}", "env", "obs", "act", "state");
    for id in TASK_IDS {
        let env = make_env(id, args)?;
        let spec = env.spec();
        println!("{:<16} {:>7} {:>7} {:>9}", spec.id, spec.obs_dim, spec.act_dim, spec.state_dim);
    }
    Ok(())
}

fn replay(args: &ReplayArgs) -> anyhow::Result<()> {
    butterfly_store::check_output(&args.out, args.force)?;
    let text = std::fs::read_to_string(&args.input).with_context(|| format!("cannot read {}", args.input.display()))?;
    let input: ReplayInput = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid replay description", args.input.display()))?;
    let mut env = make_env(&input.env, &args.assets)?;
    let state: Vec<f64> = input.qpos.iter().chain(&input.qvel).copied().collect();
    let nq = env.model().ffi().nq as usize;
    anyhow::ensure!(input.qpos.len() == nq, "{}: qpos has {} entries, expected {nq}", input.env, input.qpos.len());
    env.reset_to(&state)?;
    // Every action is checked before anything is written, so bad input leaves no partial file behind.
    let mut rows = Vec::with_capacity(input.actions.len());
    for (step, action) in input.actions.iter().enumerate() {
        let t = env.step(action).with_context(|| format!("action {step}"))?;
        rows.push((t.reward, t.terminated, env.observation().to_vec()));
    }
    write_csv(&args.out, env.spec().obs_dim, &rows)
}

fn write_csv(path: &Path, obs_dim: usize, rows: &[(f64, bool, Vec<f64>)]) -> anyhow::Result<()> {
    let mut out = Vec::new();
    write!(out, "step,reward,terminated")?;
    for i in 0..obs_dim {
        write!(out, ",obs_{i}")?;
    }
    writeln!(out)?;
    for (step, (reward, terminated, obs)) in rows.iter().enumerate() {
        // `{:?}` prints the shortest string that parses back to the same f64.
        write!(out, "{step},{reward:?},{terminated}")?;
        for x in obs {
            write!(out, ",{x:?}")?;
        }
        writeln!(out)?;
    }
    Ok(write_atomic(path, &out)?)
}
