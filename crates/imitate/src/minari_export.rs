//! BC expert data as a Minari dataset (`butterfly data export --format minari`). Collected data keeps
//! the observation before each action but not the one after the last, nor the rewards of single steps
//! (dataset.rs), so a trajectory of T rows becomes an episode of T − 1 steps whose observations are the
//! T recorded ones, truncated at the end, with NaN rewards: nothing is made up.

use std::path::{Path, PathBuf};

use butterfly_envs::{Env, TaskEnv};
use butterfly_minari::{BoxSpace, EnvSpec, Episode, Metadata, MinariDataset, check_id, datasets_root};

use crate::run_dir::TRAIN_DATA;
use crate::{Dataset, ImitateError};

/// Gymnasium's entry points of the tasks butterfly simulates, so that minari's `recover_environment`
/// can make the env.
const ENTRY_POINTS: [(&str, &str); 5] = [
    ("Walker2d-v4", "gymnasium.envs.mujoco.walker2d_v4:Walker2dEnv"),
    ("Hopper-v4", "gymnasium.envs.mujoco.hopper_v4:HopperEnv"),
    ("HalfCheetah-v4", "gymnasium.envs.mujoco.half_cheetah_v4:HalfCheetahEnv"),
    ("Ant-v4", "gymnasium.envs.mujoco.ant_v4:AntEnv"),
    ("Humanoid-v4", "gymnasium.envs.mujoco.humanoid_v4:HumanoidEnv"),
];

/// Writes the expert data of `source` (a BC run directory: its training data; or a data file) as the
/// Minari dataset `id`, in `out` or else where minari looks for `id`; returns the directory written.
pub fn export_minari(
    source: &Path,
    id: &str,
    out: Option<&Path>,
    assets: Option<&Path>,
) -> Result<PathBuf, ImitateError> {
    check_id(id)?;
    let file = if source.is_dir() { source.join(TRAIN_DATA) } else { source.to_path_buf() };
    let data = Dataset::load(&file)?;
    let env = TaskEnv::make(&data.env, assets)?;
    let spec = env.spec();
    let episodes: Vec<Episode> = (0..data.trajectories())
        .filter(|&k| data.offsets[k + 1] - data.offsets[k] > 1)
        .map(|k| episode(&data, data.offsets[k], data.offsets[k + 1]))
        .collect();
    if episodes.is_empty() {
        return Err(ImitateError::Data { path: file, what: "has no trajectory of two steps or more".into() });
    }
    let float32 =
        |n: usize, low: Vec<f64>, high: Vec<f64>| BoxSpace { dtype: "float32".into(), shape: vec![n], low, high };
    let metadata = Metadata {
        dataset_id: id.to_string(),
        total_episodes: episodes.len(),
        total_steps: episodes.iter().map(Episode::steps).sum(),
        observation_space: float32(
            data.obs_dim,
            vec![f64::NEG_INFINITY; data.obs_dim],
            vec![f64::INFINITY; data.obs_dim],
        ),
        action_space: float32(data.act_dim, spec.action_low.clone(), spec.action_high.clone()),
        env_spec: ENTRY_POINTS.iter().find(|(task, _)| *task == data.env).map(|(task, entry)| EnvSpec {
            id: task.to_string(),
            entry_point: Some(entry.to_string()),
            max_episode_steps: Some(spec.max_episode_steps),
        }),
    };
    let root = out.map(Path::to_path_buf).unwrap_or_else(|| datasets_root().join(id));
    MinariDataset { metadata, episodes }.save(&root)?;
    Ok(root)
}

/// Rows `start..end` of `data` as an episode of `end − start − 1` steps.
fn episode(data: &Dataset, start: usize, end: usize) -> Episode {
    let (input, obs_dim, act_dim) = (data.input_dim(), data.obs_dim, data.act_dim);
    let steps = end - start - 1;
    let mut truncations = vec![false; steps];
    truncations[steps - 1] = true;
    Episode {
        observations: (start..end).flat_map(|r| data.inputs[r * input..r * input + obs_dim].iter().copied()).collect(),
        actions: data.targets[start * act_dim..(end - 1) * act_dim].to_vec(),
        rewards: vec![f64::NAN; steps],
        terminations: vec![false; steps],
        truncations,
    }
}
