//! The five Gymnasium v4 MuJoCo locomotion tasks (the only FFI in Butterfly).

mod assets;
mod locomotion;
mod model;
mod task;
mod tasks;

pub use assets::{ASSETS_ENV_VAR, find_assets_dir};
pub use locomotion::MujocoEnv;
pub use tasks::TASK_IDS;
