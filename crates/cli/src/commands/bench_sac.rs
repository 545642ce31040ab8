//! `butterfly bench sac`: SAC training speed at the default network size on Walker2d-v4 (one update per
//! env step, batch 256), next to stable-baselines3 on the same thread count when it is installed.

use std::path::PathBuf;
use std::time::Instant;

use butterfly_envs::{Env, env_rng};
use butterfly_sac::{ReplayBuffer, Sac, SacConfig, SacRng};
use clap::Args;
use rand::{Rng, SeedableRng};

use super::env::{AssetsArg, make_env};
use crate::reference_python::run_script;
use butterfly_nn::bench::median;

const SB3_BENCH: &str = include_str!("../../../../bench/sb3_sac.py");
const WARM_UP_STEPS: usize = 1000;

#[derive(Args)]
pub struct BenchSacArgs {
    /// Print JSON: `updates_per_s` (training steps/s: env step + update), `update_only_per_s`, and
    /// SB3's `sb3_updates_per_s`, `sb3_update_only_per_s` (null when SB3 is absent), `threads`.
    #[arg(long)]
    json: bool,
    /// Training steps per measurement.
    #[arg(long, default_value_t = 300)]
    steps: usize,
    /// Measurements; the median is reported.
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// A Python with torch and stable-baselines3 (default: $BUTTERFLY_TORCH_PYTHON); absent: SB3 is null.
    #[arg(long, value_name = "PATH")]
    torch_python: Option<PathBuf>,
    #[command(flatten)]
    assets: AssetsArg,
}

pub fn run(args: &BenchSacArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.steps > 0 && args.repeats > 0, "--steps and --repeats must be positive");
    butterfly_nn::set_num_threads(args.threads)?;
    let mut env = make_env("Walker2d-v4", &args.assets)?;
    let (obs_dim, act_dim) = (env.spec().obs_dim, env.spec().act_dim);
    let config = SacConfig::default();
    let mut sac = Sac::new(config.clone(), obs_dim, act_dim, 0)?;
    let mut rng = SacRng::seed_from_u64(0);
    let mut buffer = ReplayBuffer::new(config.buffer_size, obs_dim, act_dim);
    env.reset(&mut env_rng(0));
    let mut action = vec![0.0f32; act_dim];
    let mut env_action = vec![0.0f64; act_dim];
    let mut obs32 = vec![0.0f32; obs_dim];
    // One training step: act (random during warm-up), step the env, store, update.
    let mut train_step =
        |sac: &mut Sac, buffer: &mut ReplayBuffer, rng: &mut SacRng, learn: bool| -> anyhow::Result<()> {
            let obs = env.observation().to_vec();
            if learn {
                for (o, &x) in obs32.iter_mut().zip(&obs) {
                    *o = x as f32;
                }
                sac.explore(&obs32, rng, &mut action)?;
            } else {
                action.iter_mut().for_each(|a| *a = rng.random_range(-1.0..=1.0));
            }
            for (e, &a) in env_action.iter_mut().zip(&action) {
                *e = a as f64;
            }
            let t = env.step(&env_action)?;
            buffer.push(&obs, &action, t.reward, env.observation(), t.terminated);
            if t.terminated || t.truncated {
                env.reset(rng);
            }
            if learn {
                sac.update(buffer, rng)?;
            }
            Ok(())
        };
    for _ in 0..WARM_UP_STEPS {
        train_step(&mut sac, &mut buffer, &mut rng, false)?;
    }
    let (mut loop_rates, mut update_rates) = (Vec::new(), Vec::new());
    for _ in 0..args.repeats {
        let start = Instant::now();
        for _ in 0..args.steps {
            train_step(&mut sac, &mut buffer, &mut rng, true)?;
        }
        loop_rates.push(args.steps as f64 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        for _ in 0..args.steps {
            sac.update(&buffer, &mut rng)?;
        }
        update_rates.push(args.steps as f64 / start.elapsed().as_secs_f64());
    }
    let (ours, ours_update) = (median(loop_rates), median(update_rates));
    let python = args.torch_python.clone().or_else(|| std::env::var_os("BUTTERFLY_TORCH_PYTHON").map(PathBuf::from));
    let (sb3, sb3_update) = match python {
        Some(python) => {
            let sb3_steps = (args.steps / 2).max(50).to_string();
            let out = run_script(&python, SB3_BENCH, &[sb3_steps, args.repeats.to_string(), args.threads.to_string()])?;
            let v: serde_json::Value = serde_json::from_str(out.trim())?;
            (v["steps_per_s"].as_f64(), v["updates_per_s"].as_f64())
        }
        None => (None, None),
    };
    if args.json {
        let summary = serde_json::json!({
            "updates_per_s": ours, "update_only_per_s": ours_update,
            "sb3_updates_per_s": sb3, "sb3_update_only_per_s": sb3_update, "threads": args.threads,
        });
        println!("{summary}");
    } else {
        let show = |ours: f64, theirs: Option<f64>| match theirs {
            Some(t) => format!("butterfly {ours:.1}, stable-baselines3 {t:.1} (ratio {:.2}x)", ours / t),
            None => format!("butterfly {ours:.1}, stable-baselines3 n/a (set BUTTERFLY_TORCH_PYTHON)"),
        };
        println!("SAC on Walker2d-v4, batch 256, net [256, 256], {} thread(s):", args.threads);
        println!("  training steps/s (env step + update): {}", show(ours, sb3));
        println!("  updates/s (update alone):             {}", show(ours_update, sb3_update));
    }
    Ok(())
}
