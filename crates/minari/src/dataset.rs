//! A whole Minari dataset: its metadata and episodes, loaded from a directory or ID, or saved as a new one.

use std::path::{Path, PathBuf};

use crate::{Episode, Metadata, MinariError, hdf5_file, locate};

#[derive(Debug, Clone, PartialEq)]
pub struct MinariDataset {
    pub metadata: Metadata,
    pub episodes: Vec<Episode>,
}

fn data_dir(root: &Path) -> PathBuf {
    root.join("data")
}

impl MinariDataset {
    /// The dataset at `id_or_path` (see [`locate`]) and the directory it was found in.
    pub fn load(id_or_path: &str) -> Result<(Self, PathBuf), MinariError> {
        let root = locate(id_or_path)?;
        let data = data_dir(&root);
        let metadata = Metadata::read(&data.join("metadata.json"))?;
        let (obs, act) = (&metadata.observation_space.shape, &metadata.action_space.shape);
        let episodes = hdf5_file::read_episodes(&data.join("main_data.hdf5"), metadata.total_episodes, obs, act)?;
        Ok((Self { metadata, episodes }, root))
    }

    /// Writes the dataset as a new directory `root` (`data/main_data.hdf5`, then `data/metadata.json`,
    /// whose presence marks a complete dataset to minari).
    pub fn save(&self, root: &Path) -> Result<(), MinariError> {
        let data = data_dir(root);
        let metadata_path = data.join("metadata.json");
        if metadata_path.exists() {
            return Err(MinariError::Exists { path: root.to_path_buf() });
        }
        std::fs::create_dir_all(&data).map_err(|source| MinariError::Io { path: data.clone(), source })?;
        let (obs_dim, act_dim) = (self.metadata.observation_space.size(), self.metadata.action_space.size());
        hdf5_file::write_episodes(&data.join("main_data.hdf5"), &self.episodes, obs_dim, act_dim)?;
        let partial = data.join("metadata.json.partial");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| MinariError::Io { path, source }
        };
        std::fs::write(&partial, self.metadata.to_json()).map_err(io(&partial))?;
        std::fs::rename(&partial, &metadata_path).map_err(io(&metadata_path))
    }
}
