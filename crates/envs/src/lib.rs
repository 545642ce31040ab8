//! Environments and the control loop: the [`Env`] and [`Policy`] traits, rollouts, the five Gymnasium
//! MuJoCo locomotion tasks in their v4 and v5 versions (bit-identical to Gymnasium 1.4.0 over MuJoCo 3.17.0), a
//! linear system, the env-step benchmark, and the runner of the reference implementations' Python scripts.
//!
//! Data flows one way through Butterfly (env → dataset → trainer → stabilizer → evaluator → report);
//! this crate is the bottom of it and imports no other Butterfly crate.

pub mod bench;
mod env;
mod error;
mod linear;
pub mod mujoco;
pub mod numpy_sum;
mod policy;
pub mod reference_python;
pub mod rollout;
mod seed_stream;
mod task_env;
mod vector;

pub use env::{Env, EnvRng, EnvSpec, Replicate, RewardTerms, Transition, env_rng};
pub use error::EnvError;
pub use linear::LinearSystem;
pub use mujoco::{MujocoEnv, TASK_IDS};
pub use policy::{BatchPolicy, LinearPolicy, Policy};
pub use rollout::{
    Episode, evaluate, initial_conditions, mean_std, rollout, rollout_batch, rollout_batch_observed, rollout_observed,
};
pub use seed_stream::{Purpose, seed_stream};
pub use task_env::{LINEAR_SYSTEM_ID, TaskEnv};
pub use vector::VecEnv;
