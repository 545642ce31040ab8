//! `butterfly expert`: train SAC experts, and evaluate expert policy files.

use std::path::{Path, PathBuf};

use anyhow::Context;
use butterfly_envs::{Env, MujocoEnv, Policy, env_rng, evaluate, initial_conditions, mean_std};
use butterfly_policy::MlpPolicy;
use butterfly_sac::{RunConfig, SacConfig, Trainer};
use clap::{Args, Subcommand};

use super::env::{AssetsArg, make_env};
use crate::progress::Progress;

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
    /// Threads for the network math and the evaluation rollouts.
    #[arg(long, default_value_t = 2)]
    threads: usize,
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
    butterfly_nn::set_num_threads(args.threads)?;
    let mut trainer = match &args.resume {
        Some(dir) => {
            let mut config = RunConfig::of_run(dir)?;
            config.steps = args.steps.unwrap_or(config.steps);
            Trainer::resume(make_env(&config.env, &args.assets)?, config, dir, args.threads)?
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
                sac,
            };
            let dir = args.out.as_ref().expect("clap requires --out without --resume");
            Trainer::create(make_env(&config.env, &args.assets)?, config, dir, args.threads)?
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
    let policy = load_expert(&args.expert, &env)?;
    let states = initial_conditions(&mut env, args.episodes, &mut env_rng(args.seed));
    let horizon = env.spec().max_episode_steps;
    let episodes = evaluate(&env, std::slice::from_ref(&policy), &states, horizon, args.threads)?;
    let returns: Vec<f64> = episodes[0].iter().map(|e| e.ret).collect();
    let lengths: Vec<usize> = episodes[0].iter().map(|e| e.length).collect();
    let (mean, std) = mean_std(&returns);
    let mean_len = lengths.iter().sum::<usize>() as f64 / lengths.len() as f64;
    if let Some(path) = &args.record {
        let mut stamped = policy.clone();
        let extra = &mut stamped.meta_mut().extra;
        extra.insert("measured_return_mean".into(), format!("{mean:.1}"));
        extra.insert("measured_return_std".into(), format!("{std:.1}"));
        extra.insert("measured_episodes".into(), args.episodes.to_string());
        extra.insert("measured_seed".into(), args.seed.to_string());
        stamped.save(path)?;
    }
    if args.json {
        let summary = serde_json::json!({
            "env": args.env, "expert": args.expert, "episodes": args.episodes, "seed": args.seed,
            "mean_return": mean, "std_return": std, "returns": returns, "lengths": lengths,
            "mean_length": mean_len,
        });
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "{}: return {mean:.1} ± {std:.1} over {} initial conditions (seed {}), mean length {mean_len:.0}",
            args.env, args.episodes, args.seed
        );
    }
    Ok(())
}

/// Loads a policy file and checks that it fits the env.
pub fn load_expert(path: &Path, env: &MujocoEnv) -> anyhow::Result<MlpPolicy> {
    let policy = MlpPolicy::load(path, Some(env.spec().id))?;
    let spec = env.spec();
    anyhow::ensure!(
        policy.obs_dim() == spec.obs_dim && policy.act_dim() == spec.act_dim,
        "{}: the policy maps {} observations to {} actions, {} has {} and {}",
        path.display(),
        policy.obs_dim(),
        policy.act_dim(),
        spec.id,
        spec.obs_dim,
        spec.act_dim
    );
    Ok(policy)
}
