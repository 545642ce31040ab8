//! Behavior cloning judged by rollouts (paper §2, §3.1, §4.1): expert data whose imitator input is the
//! state plus the previous action, stabilizers (EMA of the iterates), and a trainer that evaluates the
//! long-horizon reward J_H of the raw iterate and of every stabilizer side by side, resumably.

pub mod bench;
mod config;
mod data_stream;
mod dataset;
mod error;
mod expert;
mod export;
mod imitator;
mod landscape;
mod minari_data;
mod minari_export;
pub mod run_dir;
mod shared_data;
pub mod slurm;
mod study_bench;
mod sweep;
mod torch_reference;
mod trainer;

pub use butterfly_train::{Ema, EmaWeight, Progress, Stabilizer, StabilizerSpec, Window, update_all};
pub use config::{BcConfig, DataConfig, EvalConfig, Head, NetworkConfig, NetworkKind};
pub use dataset::{Dataset, collect};
pub use error::ImitateError;
pub use expert::Expert;
pub use export::export_policy;
pub use imitator::{Imitator, ImitatorPolicy};
pub use landscape::{Landscape, LandscapeSpec, compute_landscape, mean_neighbour_change, roughness};
pub use minari_data::minari_data;
pub use minari_export::export_minari;
pub use shared_data::{DataKey, shared_collect};
pub use study_bench::{StudyBench, StudyRates, StudySetting, StudyTimes};
pub use sweep::{Sweep, SweepRun};
pub use torch_reference::{TorchRates, run_torch_script, torch_candidates};
pub use trainer::{Bc, BcJudge, BcLearner, BcTrainer};
