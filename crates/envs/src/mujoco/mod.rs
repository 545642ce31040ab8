//! The five Gymnasium MuJoCo locomotion tasks, v4 and v5 (the only FFI in Butterfly).

mod assets;
mod locomotion;
mod model;
mod task;
mod tasks;
mod tasks_v4;
mod tasks_v5;

pub use assets::{ASSETS_ENV_VAR, find_assets_dir};
pub use locomotion::MujocoEnv;
pub use tasks::TASK_IDS;
