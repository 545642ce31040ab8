//! A Minari dataset as BC expert data (`data = { minari = "ID or path" }`): its first
//! `data.trajectories` episodes train, the next `data.validation_trajectories` validate, each cut at
//! `data.horizon` steps, with the imitator input of collected data (the observation, then the previous
//! action, zero at the start). The env is the config's `env`, never the dataset's `env_spec`: Minari's own
//! MuJoCo datasets are of Gymnasium's v5 tasks, butterfly simulates v4, and the dimensions decide.

use butterfly_envs::EnvSpec;
use butterfly_minari::{Episode, MinariDataset};

use crate::{DataConfig, Dataset, ImitateError};

/// The training and validation data `d` asks of the Minari dataset `source`, for `env`.
pub fn minari_data(source: &str, env: &EnvSpec, d: &DataConfig) -> Result<(Dataset, Dataset), ImitateError> {
    let (minari, root) = MinariDataset::load(source)?;
    let bad = |what: String| ImitateError::Data { path: root.clone(), what };
    let (obs, act) = (&minari.metadata.observation_space, &minari.metadata.action_space);
    if obs.size() != env.obs_dim || act.size() != env.act_dim {
        return Err(bad(format!(
            "observations of {:?} and actions of {:?} do not fit {} ({} observations, {} actions)",
            obs.shape, act.shape, env.id, env.obs_dim, env.act_dim
        )));
    }
    let wanted = d.trajectories + d.validation_trajectories;
    if minari.episodes.len() < wanted {
        return Err(bad(format!(
            "holds {} episodes; data.trajectories + data.validation_trajectories = {wanted}",
            minari.episodes.len()
        )));
    }
    let part = |episodes: &[Episode]| {
        let mut data =
            Dataset { env: env.id.to_string(), obs_dim: env.obs_dim, act_dim: env.act_dim, ..Default::default() };
        data.offsets.push(0);
        for episode in episodes {
            append(&mut data, episode, d.horizon);
        }
        data
    };
    let (train, rest) = minari.episodes.split_at(d.trajectories);
    Ok((part(train), part(&rest[..d.validation_trajectories])))
}

/// Appends the first `horizon` steps of `episode` as one trajectory.
fn append(data: &mut Dataset, episode: &Episode, horizon: usize) {
    let (obs_dim, act_dim) = (data.obs_dim, data.act_dim);
    let steps = episode.steps().min(horizon);
    let zero = vec![0.0f32; act_dim];
    for t in 0..steps {
        let prev = if t == 0 { &zero[..] } else { &episode.actions[(t - 1) * act_dim..t * act_dim] };
        data.inputs.extend_from_slice(&episode.observations[t * obs_dim..(t + 1) * obs_dim]);
        data.inputs.extend_from_slice(prev);
    }
    data.targets.extend_from_slice(&episode.actions[..steps * act_dim]);
    data.offsets.push(data.len());
    data.returns.push(episode.rewards[..steps].iter().sum());
}
