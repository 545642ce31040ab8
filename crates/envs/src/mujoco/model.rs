//! Loading an MjModel from XML, with MuJoCo's log kept out of the user's working directory.

use std::path::Path;
use std::sync::{Arc, Once};

use mujoco_rs::logging::set_log_handler;
use mujoco_rs::prelude::MjModel;
use mujoco_rs::wrappers::mj_logging::{MjLogMessage, MjtLogLevel};

use crate::EnvError;

static LOG_HANDLER: Once = Once::new();

/// MuJoCo's warnings go to stderr (never to MUJOCO_LOG.TXT in the working directory); the deprecation
/// notice for Gymnasium's own half_cheetah.xml is dropped, since users cannot act on it.
fn log_to_stderr(msg: &MjLogMessage) {
    let subject = msg.subject();
    let important = matches!(msg.level(), MjtLogLevel::mjLOG_WARNING | MjtLogLevel::mjLOG_ERROR);
    if important && !subject.contains("settotalmass") {
        eprintln!("MuJoCo: {subject}");
    }
}

pub(crate) fn load_model(xml: &Path) -> Result<Arc<MjModel>, EnvError> {
    LOG_HANDLER.call_once(|| {
        // SAFETY: every model load passes through this Once and no simulation exists before the first
        // load, so no other thread uses MuJoCo while the handler is installed.
        unsafe { set_log_handler(log_to_stderr) }
    });
    if !xml.is_file() {
        return Err(EnvError::ModelLoad { path: xml.to_path_buf(), reason: "no such file".into() });
    }
    MjModel::from_xml(xml)
        .map(Arc::new)
        .map_err(|e| EnvError::ModelLoad { path: xml.to_path_buf(), reason: e.to_string() })
}
