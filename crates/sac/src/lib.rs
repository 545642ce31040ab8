//! Soft actor-critic (Haarnoja et al., 2018) with stable-baselines3's defaults, on the flat-parameter
//! MLP engine: twin Q networks with Polyak-averaged targets, a tanh-squashed Gaussian actor, automatic
//! entropy tuning and a replay buffer. Butterfly trains its experts with it and ships their
//! deterministic policies (tanh of the mean).

mod actor;
mod agent;
pub mod bench;
mod checkpoint;
mod config;
mod critic;
mod error;
mod export;
mod logs;
mod replay;
mod rng;
mod run;
mod trainer;

pub use actor::Actor;
pub use agent::{Sac, UpdateStats};
pub use config::{RunConfig, SacConfig};
pub use critic::TwinCritic;
pub use error::SacError;
pub use logs::{EpisodeRow, EvalRow, TimingRow};
pub use replay::{Batch, ReplayBuffer};
pub use rng::SacRng;
pub use run::{SacRun, SacTrainer};
pub use trainer::{Report, Trainer};
