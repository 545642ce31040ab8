//! `data/main_data.hdf5`, the only file that speaks HDF5: one group `episode_{i}` per episode with the
//! attributes `id` and `total_steps` and the datasets minari's HDF5 storage reads (observations one row
//! longer than actions, rewards, terminations, truncations, and an `infos` group).

use std::path::Path;

use hdf5_metno as hdf5;

use crate::{Episode, MinariError};

fn hdf5_error(path: &Path) -> impl Fn(hdf5::Error) -> MinariError + '_ {
    move |e| MinariError::Hdf5 { path: path.to_path_buf(), what: e.to_string() }
}

/// The first `count` episodes of `path`, each checked against the spaces' shapes.
pub(crate) fn read_episodes(
    path: &Path,
    count: usize,
    obs_shape: &[usize],
    act_shape: &[usize],
) -> Result<Vec<Episode>, MinariError> {
    let file = hdf5::File::open(path).map_err(hdf5_error(path))?;
    (0..count)
        .map(|i| {
            let bad = |what: String| MinariError::Episode { path: path.to_path_buf(), episode: i, what };
            let name = format!("episode_{i}");
            if !file.link_exists(&name) {
                return Err(bad(format!("is missing (metadata.json counts {count} episodes)")));
            }
            let group = file.group(&name).map_err(|e| bad(e.to_string()))?;
            let dataset = |key: &str| {
                if !group.link_exists(key) {
                    return Err(bad(format!("has no {key}")));
                }
                group.dataset(key).map_err(|_| {
                    bad(format!("{key} is a group (a Dict or Tuple space); butterfly reads Box spaces only"))
                })
            };
            let actions = dataset("actions")?;
            let steps = actions.shape().first().copied().unwrap_or(0);
            if steps == 0 {
                return Err(bad("has no steps".into()));
            }
            let read = |key: &str, rows: usize, row: &[usize]| -> Result<hdf5::Dataset, MinariError> {
                let data = dataset(key)?;
                let want: Vec<usize> = std::iter::once(rows).chain(row.iter().copied()).collect();
                if data.shape() != want {
                    return Err(bad(format!(
                        "{key} has shape {:?}; the spaces and {steps} steps need {want:?}",
                        data.shape()
                    )));
                }
                Ok(data)
            };
            let fail = |key: &'static str| move |e: hdf5::Error| bad(format!("{key}: {e}"));
            Ok(Episode {
                observations: read("observations", steps + 1, obs_shape)?.read_raw().map_err(fail("observations"))?,
                actions: read("actions", steps, act_shape)?.read_raw().map_err(fail("actions"))?,
                rewards: read("rewards", steps, &[])?.read_raw().map_err(fail("rewards"))?,
                terminations: read("terminations", steps, &[])?.read_raw().map_err(fail("terminations"))?,
                truncations: read("truncations", steps, &[])?.read_raw().map_err(fail("truncations"))?,
            })
        })
        .collect()
}

/// Writes `episodes` (rows of `obs_dim` and `act_dim`) as a new file at `path`.
pub(crate) fn write_episodes(
    path: &Path,
    episodes: &[Episode],
    obs_dim: usize,
    act_dim: usize,
) -> Result<(), MinariError> {
    let error = hdf5_error(path);
    let file = hdf5::File::create(path).map_err(&error)?;
    for (i, episode) in episodes.iter().enumerate() {
        let steps = episode.steps();
        let group = file.create_group(&format!("episode_{i}")).map_err(&error)?;
        group.new_attr::<i64>().create("id").and_then(|a| a.write_scalar(&(i as i64))).map_err(&error)?;
        let total = steps as i64;
        group.new_attr::<i64>().create("total_steps").and_then(|a| a.write_scalar(&total)).map_err(&error)?;
        write(&group, "observations", &[steps + 1, obs_dim], &episode.observations).map_err(&error)?;
        write(&group, "actions", &[steps, act_dim], &episode.actions).map_err(&error)?;
        write(&group, "rewards", &[steps], &episode.rewards).map_err(&error)?;
        write(&group, "terminations", &[steps], &episode.terminations).map_err(&error)?;
        write(&group, "truncations", &[steps], &episode.truncations).map_err(&error)?;
        group.create_group("infos").map_err(&error)?;
    }
    file.close().map_err(&error)
}

/// A new dataset `name` of `shape` in `group`, holding `data` (row-major).
fn write<T: hdf5::H5Type>(group: &hdf5::Group, name: &str, shape: &[usize], data: &[T]) -> hdf5::Result<()> {
    group.new_dataset::<T>().shape(shape).create(name)?.write_raw(data)
}
