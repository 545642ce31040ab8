//! `butterfly expert`: train SAC experts, and evaluate expert policy files.

use std::path::PathBuf;

use anyhow::Context;
use butterfly_envs::Env;
use butterfly_policy::{Measured, MlpPolicy};
use butterfly_report::{expert_eval_json, expert_eval_text};
use butterfly_sac::{RunConfig, SacConfig, SacTrainer};
use clap::{Args, Subcommand};

use super::env::{AssetsArg, make_env};
use crate::progress::Progress;
use crate::show::show;

#[derive(Subcommand)]
pub enum ExpertCommand {
    /// Train a SAC expert (stable-baselines3 defaults); resumable.
    Train(TrainArgs),
    /// Mean ± std return of an expert's deterministic policy over fixed initial conditions.
    Eval(EvalArgs),
}

#[derive(Args)]
pub struct TrainArgs {
    /// Gymnasium id, e.g. Walker2d-v4 (not needed with --resume).
    #[arg(long)]
    env: Option<String>,
    /// Total env steps, one SAC update per step after learning_starts [default: 1000000; with --resume:
    /// the run's own total, which this raises or lowers].
    #[arg(long)]
    steps: Option<u64>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Run directory (large: keep it outside the repository, e.g. ~/.cache/butterfly/experts/NAME).
    #[arg(long, value_name = "DIR", required_unless_present = "resume")]
    out: Option<PathBuf>,
    /// Continue the run in DIR from its latest checkpoint (--steps may raise its total).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["env", "out", "config"])]
    resume: Option<PathBuf>,
    /// SAC hyperparameters (TOML; keys of SacConfig), overriding the defaults.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Deterministic evaluation every N steps.
    #[arg(long, default_value_t = 10_000)]
    eval_every: u64,
    #[arg(long, default_value_t = 10)]
    eval_episodes: usize,
    /// A checkpoint (with the replay buffer) is due every N steps, taken at the next episode start.
    #[arg(long, default_value_t = 50_000)]
    checkpoint_every: u64,
    /// Threads for the network math and the evaluation rollouts of a new run [default: 2] (a resumed run
    /// keeps its own).
    #[arg(long, conflicts_with = "resume")]
    threads: Option<usize>,
    #[command(flatten)]
    assets: AssetsArg,
}

#[derive(Args)]
pub struct EvalArgs {
    #[arg(long)]
    env: String,
    /// The policy file (safetensors with Butterfly's policy metadata).
    #[arg(long, value_name = "FILE")]
    expert: PathBuf,
    #[arg(long, default_value_t = 20)]
    episodes: usize,
    /// Seed of the initial conditions.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
    /// Also write the policy, with this measurement in its metadata (`measured_return_mean`,
    /// `measured_return_std`, `measured_episodes`, `measured_seed`), to FILE (e.g. experts/NAME.safetensors).
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    #[command(flatten)]
    assets: AssetsArg,
}

pub fn run(cmd: ExpertCommand) -> anyhow::Result<()> {
    match cmd {
        ExpertCommand::Train(args) => train(&args),
        ExpertCommand::Eval(args) => eval(&args),
    }
}

fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let mut trainer = match &args.resume {
        Some(dir) => {
            let env = make_env(&RunConfig::of_run(dir)?.env, &args.assets)?;
            SacTrainer::resume(dir, env, args.steps)?
        }
        None => {
            let env = args.env.clone().context("--env is required for a new run")?;
            let sac = match &args.config {
                Some(path) => {
                    let text =
                        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
                    toml::from_str(&text).with_context(|| format!("invalid SAC config {}", path.display()))?
                }
                None => SacConfig::default(),
            };
            let config = RunConfig {
                env,
                steps: args.steps.unwrap_or(1_000_000),
                seed: args.seed,
                eval_every: args.eval_every,
                eval_episodes: args.eval_episodes,
                checkpoint_every: args.checkpoint_every,
                threads: args.threads.unwrap_or(2),
                sac,
            };
            let dir = args.out.as_ref().expect("clap requires --out without --resume");
            let env = make_env(&config.env, &args.assets)?;
            SacTrainer::create(config, dir, env)?
        }
    };
    let (env, total) = (trainer.spec().id, trainer.total_steps());
    let mut progress = Progress::new(&format!("SAC {env}"), total);
    progress.set_position(trainer.step());
    trainer.run(|r| {
        let recent = r.recent_return.map_or("-".into(), |x| format!("{x:.0}"));
        let eval = r.eval.map_or("-".into(), |(m, s)| format!("{m:.0} ± {s:.0}"));
        progress.update(r.step, &format!("{:.0} steps/s  recent return {recent}  eval {eval}", r.steps_per_s));
    })?;
    progress.finish();
    let (mean, std, _, _) = trainer.evaluate()?;
    println!("{env}: {} steps, deterministic return {mean:.1} ± {std:.1}", trainer.step());
    println!("policies: {}", trainer.dir().join("policies").display());
    Ok(())
}

fn eval(args: &EvalArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.episodes > 0, "--episodes must be positive");
    let mut env = make_env(&args.env, &args.assets)?;
    let policy = MlpPolicy::load_for(&args.expert, env.spec())?;
    let measured = Measured::of(&policy, &mut env, args.episodes, args.seed, args.threads)?;
    if let Some(path) = &args.record {
        measured.stamped(&policy).save(path)?;
    }
    let summary = expert_eval_json(&args.env, &args.expert, &measured);
    show(args.json, &summary, expert_eval_text(&args.env, &measured))
}
