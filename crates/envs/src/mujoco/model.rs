//! Loading an MjModel from XML, with MuJoCo's log kept out of the user's working directory.

use std::path::Path;
use std::sync::{Arc, Once};

use mujoco_rs::prelude::MjModel;
use mujoco_rs::wrappers::mj_logging::{log_config, set_log_config};

use crate::EnvError;

static LOG_TO_CONSOLE_ONLY: Once = Once::new();

pub(crate) fn load_model(xml: &Path) -> Result<Arc<MjModel>, EnvError> {
    LOG_TO_CONSOLE_ONLY.call_once(|| {
        // SAFETY: every model load passes through this Once, so no MuJoCo call of ours runs concurrently
        // with this write; without it MuJoCo writes MUJOCO_LOG.TXT into the working directory.
        unsafe { set_log_config(log_config().with_logto_file(false)) }
    });
    if !xml.is_file() {
        return Err(EnvError::ModelLoad { path: xml.to_path_buf(), reason: "no such file".into() });
    }
    MjModel::from_xml(xml)
        .map(Arc::new)
        .map_err(|e| EnvError::ModelLoad { path: xml.to_path_buf(), reason: e.to_string() })
}
