//! `butterfly demo`: the butterfly effect on your machine — BC training where the rollout reward of
//! nearby iterates swings while the BC loss is smooth, the reward landscape around a checkpoint, and the
//! EMA calming both (a compact paper Figure 1). Several seeds train side by side, so that the report's
//! claim is an interval over seeds, paired by seed, rather than one chaotic trajectory.

use std::path::{Path, PathBuf};

use butterfly_envs::{Env, TaskEnv};
use butterfly_imitate::{BcConfig, run_dir};
use butterfly_train::TrainingConfig;

use crate::StudyError;
use crate::bc_study::Study;

const DEMO_CONFIG: &str = include_str!("../../../configs/demo.toml");

/// What a user may change about the demo.
pub struct DemoSpec<'a> {
    /// Where the seeds' runs and the report go (an unfinished demo there is resumed).
    pub out: PathBuf,
    /// Another task than configs/demo.toml's.
    pub env: Option<String>,
    /// Another expert: a policy file, or `linear` with the LinearSystem.
    pub expert: Option<String>,
    /// Landscape points per axis.
    pub grid: usize,
    /// A shorter or longer demo: the evaluation cadence, the window and the burn-in scale with it.
    pub steps: Option<u64>,
    /// Seeds trained: the config's seed and the ones after it; the first keeps the every-iterate window.
    pub seeds: u64,
    /// Seeds trained side by side.
    pub jobs: usize,
    /// `KEY=VALUE` overrides of the demo's config.
    pub overrides: Vec<String>,
    pub assets: Option<&'a Path>,
}

/// The demo's config for the chosen env and expert (horizons capped at the env's episode length).
pub fn demo_config(spec: &DemoSpec) -> Result<BcConfig, StudyError> {
    let text = butterfly_train::apply_overrides(DEMO_CONFIG, &spec.overrides)?;
    let mut config = BcConfig::from_toml(&text)?;
    if let Some(env) = &spec.env {
        config.env = env.clone();
    }
    if let Some(expert) = &spec.expert {
        config.expert = expert.clone();
    }
    if let Some(steps) = spec.steps {
        if steps < 100 {
            return Err(StudyError::Options("--steps must be at least 100".into()));
        }
        config.scale_budget(steps);
    }
    let episode = TaskEnv::make(&config.env, spec.assets)?.spec().max_episode_steps;
    config.data.horizon = config.data.horizon.min(episode);
    config.eval.horizon = config.eval.horizon.min(episode);
    if config.expert.ends_with(".safetensors") && !Path::new(&config.expert).is_file() {
        return Err(StudyError::Options(format!(
            "the expert {} is missing: train one with `butterfly expert train --env {}` and pass it with --expert",
            config.expert, config.env
        )));
    }
    Ok(config)
}

/// The demo as a study: `seeds` runs of the demo's config, the first with the every-iterate window.
pub fn demo_study<'a>(spec: &DemoSpec<'a>) -> Result<Study<'a>, StudyError> {
    if spec.seeds < 1 || spec.jobs < 1 {
        return Err(StudyError::Options("--seeds and --jobs must be at least 1".into()));
    }
    if spec.out.join(run_dir::CONFIG).exists() {
        return Err(StudyError::Path {
            path: spec.out.clone(),
            what: "holds a single-seed demo of an earlier version: remove it, or pass another --out".into(),
        });
    }
    let config = demo_config(spec)?;
    // The first seed keeps the every-iterate window; the others only what the comparison needs.
    let runs: Vec<(BcConfig, PathBuf)> = (0..spec.seeds)
        .map(|k| {
            let mut c = config.clone();
            c.seed = config.seed + k;
            if k > 0 {
                c.eval.windows.clear();
            }
            (c, spec.out.join(format!("seed{}", config.seed + k)))
        })
        .collect();
    Ok(Study {
        label: "demo",
        title: "Butterfly demo",
        runs,
        out: spec.out.clone(),
        jobs: spec.jobs,
        landscape_steps: None,
        grid: spec.grid,
        landscape_rollouts: None,
        window_start: None,
        assets: spec.assets,
    })
}
