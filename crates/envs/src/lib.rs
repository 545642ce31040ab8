//! Environments: the [`Env`] trait every imitator and expert acts in, and the five Gymnasium v4 MuJoCo
//! locomotion tasks, bit-identical to Gymnasium 1.4.0 over MuJoCo 3.17.0.
//!
//! Data flows one way through Butterfly (env → dataset → trainer → stabilizer → evaluator → report);
//! this crate is the bottom of it and imports no other Butterfly crate.

mod env;
mod error;
pub mod mujoco;
pub mod numpy_sum;
mod vector;

pub use env::{Env, EnvRng, EnvSpec, RewardTerms, Transition, env_rng};
pub use error::EnvError;
pub use mujoco::{MujocoEnv, TASK_IDS};
pub use vector::VecEnv;
