//! `data/metadata.json`: what minari's `load_dataset` needs to open a dataset (its ID, the minari version
//! that wrote it, the counts, the storage format, the two spaces) and the Gymnasium env spec.

use std::path::Path;

use serde_json::{Value, json};

use crate::{BoxSpace, MinariError};

/// The minari version written: the one scripts/setup.sh installs for the tests, and one every minari
/// since 0.5.0 reads.
const MINARI_VERSION: &str = "0.5.4";

/// The Gymnasium env a dataset was collected on (the parts of `EnvSpec.to_json()` butterfly uses).
#[derive(Debug, Clone, PartialEq)]
pub struct EnvSpec {
    pub id: String,
    /// `module:Class`, for `gym.make(spec)` (minari's `recover_environment`).
    pub entry_point: Option<String>,
    pub max_episode_steps: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub dataset_id: String,
    pub total_episodes: usize,
    pub total_steps: usize,
    pub observation_space: BoxSpace,
    pub action_space: BoxSpace,
    pub env_spec: Option<EnvSpec>,
}

impl Metadata {
    /// Reads `path` (a metadata.json); a space that is not a Box is [`MinariError::Space`].
    pub(crate) fn read(path: &Path) -> Result<Self, MinariError> {
        let bad = |what: String| MinariError::Metadata { path: path.to_path_buf(), what };
        let text = std::fs::read_to_string(path).map_err(|source| MinariError::Io { path: path.into(), source })?;
        let value: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let text_of = |key: &str| value.get(key).and_then(Value::as_str);
        let count = |key: &str| value.get(key).and_then(Value::as_u64).map(|n| n as usize);
        let format = text_of("data_format").ok_or_else(|| bad("has no data_format".into()))?;
        if format != "hdf5" {
            return Err(bad(format!("data_format is {format:?}; butterfly reads \"hdf5\"")));
        }
        let space = |which: &'static str| -> Result<BoxSpace, MinariError> {
            let key = format!("{which}_space");
            let text = text_of(&key).ok_or_else(|| bad(format!("has no {key}")))?;
            match BoxSpace::parse(text).map_err(|e| bad(format!("{key}: {e}")))? {
                Ok(space) => Ok(space),
                Err(kind) => Err(MinariError::Space { path: path.to_path_buf(), which, kind }),
            }
        };
        let env_spec = match text_of("env_spec") {
            None => None,
            Some(spec) => {
                let spec: Value = serde_json::from_str(spec).map_err(|e| bad(format!("env_spec: {e}")))?;
                let id = spec.get("id").and_then(Value::as_str).ok_or_else(|| bad("env_spec has no id".into()))?;
                Some(EnvSpec {
                    id: id.to_string(),
                    entry_point: spec.get("entry_point").and_then(Value::as_str).map(str::to_string),
                    max_episode_steps: spec.get("max_episode_steps").and_then(Value::as_u64).map(|n| n as usize),
                })
            }
        };
        Ok(Self {
            dataset_id: text_of("dataset_id").ok_or_else(|| bad("has no dataset_id".into()))?.to_string(),
            total_episodes: count("total_episodes").ok_or_else(|| bad("has no total_episodes".into()))?,
            total_steps: count("total_steps").ok_or_else(|| bad("has no total_steps".into()))?,
            observation_space: space("observation")?,
            action_space: space("action")?,
            env_spec,
        })
    }

    /// The file's text: minari's keys, spaces and env spec as the JSON strings minari stores them as.
    pub(crate) fn to_json(&self) -> String {
        let mut value = json!({
            "dataset_id": self.dataset_id,
            "total_episodes": self.total_episodes,
            "total_steps": self.total_steps,
            "data_format": "hdf5",
            "jpeg_encoding": false,
            "observation_space": self.observation_space.to_json(),
            "action_space": self.action_space.to_json(),
            "minari_version": MINARI_VERSION,
            "algorithm_name": "butterfly expert rollouts",
        });
        if let Some(spec) = &self.env_spec {
            // The keys `EnvSpec.from_json` needs: `additional_wrappers` is required, the rest default.
            let spec = json!({
                "id": spec.id,
                "entry_point": spec.entry_point,
                "max_episode_steps": spec.max_episode_steps,
                "additional_wrappers": [],
                "kwargs": {},
            });
            value["env_spec"] = Value::String(spec.to_string());
        }
        serde_json::to_string_pretty(&value).expect("metadata serializes")
    }
}
