//! `butterfly bench env`: how close each task's env step comes to the raw physics (`mj_step` ×
//! frame_skip on the same model and thread), vectorized throughput, and Gymnasium in the same run.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use butterfly_envs::{Env, MujocoEnv, Replicate, TASK_IDS, Transition, VecEnv, env_rng};
use clap::Args;
use rand::Rng;
use serde::Serialize;

use super::env::{AssetsArg, make_env};
use crate::progress::Progress;
use crate::reference_python::{run_script, venv_python};
use butterfly_nn::bench::median;

const GYM_BENCH: &str = include_str!("../../../../bench/gym_env_bench.py");
const EPISODE: usize = 1000;

#[derive(Args)]
pub struct BenchEnvArgs {
    /// Print a JSON list instead of a table.
    #[arg(long)]
    json: bool,
    /// Tasks to measure (default: all five).
    #[arg(long = "env", value_name = "ID")]
    envs: Vec<String>,
    /// Length of the random action sequence (each episode restarts from the same state every 1000 steps).
    #[arg(long, default_value_t = 2000)]
    steps: usize,
    /// Minimum duration of one measurement, in seconds (the action sequence is cycled until then).
    #[arg(long, default_value_t = 1.0)]
    seconds: f64,
    /// Measurements per figure; the median is reported.
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Threads of the vectorized measurement.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Environments in the vectorized measurement.
    #[arg(long, default_value_t = 16)]
    vector_envs: usize,
    /// Skip Gymnasium (its figure is then null).
    #[arg(long)]
    no_gymnasium: bool,
    #[command(flatten)]
    assets: AssetsArg,
}

#[derive(Serialize)]
struct Row {
    env: String,
    env_steps_per_s: f64,
    raw_limit_steps_per_s: f64,
    vector_steps_per_s: f64,
    /// The same vectorized workload on one thread: the base of the parallel speedup.
    vector_1thread_steps_per_s: f64,
    gymnasium_steps_per_s: Option<f64>,
}

/// One task's workload: a start state and uniformly random actions within the control range.
struct Workload {
    start: Vec<f64>,
    /// qpos entries at the front of `start`.
    nq: usize,
    actions: Vec<Vec<f64>>,
}

pub fn run(args: &BenchEnvArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.steps > 0 && args.repeats > 0 && args.vector_envs > 0,
        "--steps, --repeats and --vector-envs must be positive"
    );
    let ids: Vec<String> =
        if args.envs.is_empty() { TASK_IDS.iter().map(|s| s.to_string()).collect() } else { args.envs.clone() };
    let python = if args.no_gymnasium { None } else { Some(venv_python()?) };
    let mut progress = Progress::new("bench env", ids.len() as u64);
    let mut rows = Vec::new();
    for id in &ids {
        let mut env = make_env(id, &args.assets)?;
        let work = workload(&mut env, args.steps);
        let (mut ours, mut raw, mut vector, mut vector_1) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // Interleaved, so that a slow spell of the machine touches every figure alike.
        for _ in 0..args.repeats {
            ours.push(env_rate(&mut env, &work, args.seconds)?);
            raw.push(raw_rate(&mut env, &work, args.seconds)?);
            vector.push(vector_rate(&env, &work, args.vector_envs, args.threads, args.seconds)?);
            vector_1.push(vector_rate(&env, &work, args.vector_envs, 1, args.seconds)?);
        }
        let gymnasium = match &python {
            Some(python) => Some(gym_rate(python, id, &work, args)?),
            None => None,
        };
        rows.push(Row {
            env: id.clone(),
            env_steps_per_s: median(ours),
            raw_limit_steps_per_s: median(raw),
            vector_steps_per_s: median(vector),
            vector_1thread_steps_per_s: median(vector_1),
            gymnasium_steps_per_s: gymnasium,
        });
        progress.advance(id);
    }
    progress.finish();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print_table(&rows, args.threads);
    }
    Ok(())
}

fn workload(env: &mut MujocoEnv, steps: usize) -> Workload {
    let mut rng = env_rng(0);
    env.reset(&mut rng);
    let spec = env.spec().clone();
    let actions = (0..steps)
        .map(|_| (0..spec.act_dim).map(|i| rng.random_range(spec.action_low[i]..=spec.action_high[i])).collect())
        .collect();
    Workload { start: env.state(), nq: env.model().ffi().nq as usize, actions }
}

/// Steps/s of `step(i, action)` cycled over the workload's actions for at least `seconds`, restarting
/// from the start state every episode.
fn timed(
    env: &mut MujocoEnv,
    work: &Workload,
    seconds: f64,
    mut step: impl FnMut(&mut MujocoEnv, &[f64]) -> anyhow::Result<()>,
) -> anyhow::Result<f64> {
    env.reset_to(&work.start)?;
    let start = Instant::now();
    let mut steps = 0usize;
    loop {
        for action in &work.actions {
            if steps > 0 && steps.is_multiple_of(EPISODE) {
                env.reset_to(&work.start)?;
            }
            step(env, action)?;
            steps += 1;
        }
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= seconds {
            return Ok(steps as f64 / elapsed);
        }
    }
}

fn env_rate(env: &mut MujocoEnv, work: &Workload, seconds: f64) -> anyhow::Result<f64> {
    timed(env, work, seconds, |env, action| {
        std::hint::black_box(env.step(action)?);
        Ok(())
    })
}

fn raw_rate(env: &mut MujocoEnv, work: &Workload, seconds: f64) -> anyhow::Result<f64> {
    let frame_skip = env.frame_skip();
    timed(env, work, seconds, |env, action| {
        let data = env.data_mut();
        data.ctrl_mut().copy_from_slice(action);
        for _ in 0..frame_skip {
            data.step();
        }
        Ok(())
    })
}

/// Total env steps/s of `n` envs on `threads` threads; each env walks the action list from its own offset.
/// Runs for at least `seconds`; every thread count sees the same kind of work.
fn vector_rate(env: &MujocoEnv, work: &Workload, n: usize, threads: usize, seconds: f64) -> anyhow::Result<f64> {
    let mut envs = VecEnv::new((0..n).map(|_| env.replicate()).collect(), threads)?;
    for e in envs.envs_mut() {
        e.reset_to(&work.start)?;
    }
    let act_dim = env.spec().act_dim;
    let mut actions = vec![0.0; n * act_dim];
    let mut out = vec![Transition { reward: 0.0, terms: Default::default(), terminated: false, truncated: false }; n];
    let start = Instant::now();
    let mut t = 0;
    while start.elapsed().as_secs_f64() < seconds {
        for (i, chunk) in actions.chunks_mut(act_dim).enumerate() {
            chunk.copy_from_slice(&work.actions[(t + i * 97) % work.actions.len()]);
        }
        envs.step(&actions, &mut out)?;
        for (e, o) in envs.envs_mut().iter_mut().zip(&out) {
            if o.truncated {
                e.reset_to(&work.start)?;
            }
        }
        t += 1;
    }
    Ok((t * n) as f64 / start.elapsed().as_secs_f64())
}

fn gym_rate(python: &Path, id: &str, work: &Workload, args: &BenchEnvArgs) -> anyhow::Result<f64> {
    let (qpos, qvel) = work.start.split_at(work.nq);
    let spec = serde_json::json!({
        "env": id, "qpos": qpos, "qvel": qvel, "actions": work.actions,
        "repeats": args.repeats, "seconds": args.seconds,
    });
    let path = std::env::temp_dir().join(format!("butterfly-bench-env-{}.json", std::process::id()));
    std::fs::write(&path, spec.to_string()).with_context(|| format!("cannot write {}", path.display()))?;
    let out = run_script(python, GYM_BENCH, &[path.display().to_string()]);
    let _ = std::fs::remove_file(&path);
    let parsed: serde_json::Value =
        serde_json::from_str(out?.trim()).context("unexpected output of the Gymnasium benchmark")?;
    parsed["steps_per_s"].as_f64().context("the Gymnasium benchmark printed no steps_per_s")
}

fn print_table(rows: &[Row], threads: usize) {
    println!(
        "{:<16} {:>12} {:>12} {:>7} {:>14} {:>8} {:>12} {:>8}",
        "env",
        "env step/s",
        "raw limit/s",
        "ratio",
        format!("vector {threads}thr/s"),
        "speedup",
        "gymnasium/s",
        "vs gym"
    );
    for r in rows {
        let gym = r.gymnasium_steps_per_s.map_or("n/a".to_string(), |g| format!("{g:.0}"));
        let vs_gym = r.gymnasium_steps_per_s.map_or("n/a".to_string(), |g| format!("{:.2}x", r.env_steps_per_s / g));
        println!(
            "{:<16} {:>12.0} {:>12.0} {:>7.3} {:>14.0} {:>7.2}x {:>12} {:>8}",
            r.env,
            r.env_steps_per_s,
            r.raw_limit_steps_per_s,
            r.env_steps_per_s / r.raw_limit_steps_per_s,
            r.vector_steps_per_s,
            r.vector_steps_per_s / r.vector_1thread_steps_per_s,
            gym,
            vs_gym
        );
    }
}
