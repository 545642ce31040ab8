//! One training loop for every learner (the BC imitators, and the language models to come): a small
//! [`Learner`] trait for what differs, and [`TrainLoop`] for what does not — optimizer, schedule,
//! gradient accumulation, stabilizers (EMA of the iterates, paper §4.1), evaluation cadence and windows,
//! kept parameters, checkpoints and logs in a locked run directory.

mod budget;
mod check;
mod error;
mod kept;
mod learner;
mod logs;
mod overrides;
pub mod posthoc;
mod run;
mod stabilize;
mod stabilizer;
mod toml_error;
mod train_loop;
mod training_config;

pub use budget::{Budget, scale_budget};
pub use butterfly_nn::Threads;
pub use check::check_training;
pub use error::TrainError;
pub use kept::{Kept, KeptTensors, kept_parameters, kept_steps, kept_variants, params_file};
pub use learner::{Learner, TrainRng};
pub use logs::{MetricsRow, TimingRow, ValidationRow};
pub use overrides::{apply_overrides, merge, parse_override};
pub use run::{Run, RunKind};
pub use stabilize::{Average, Judge, POSTHOC_DIR, Plan, Rows, plan, read_with_posthoc, stabilize};
pub use stabilizer::{CountFrom, Ema, EmaWeight, Stabilizer, StabilizerSpec, update_all};
pub use toml_error::toml_error;
pub use train_loop::{LoopConfig, Progress, TrainLoop, Window};
pub use training_config::TrainingConfig;
