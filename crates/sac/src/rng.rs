//! The learner's random generator.

/// Seeded generator for minibatches, exploration noise and reset noise (the envs' generator type, so
/// one stream serves both and checkpoints store it with [`butterfly_store::Checkpoint::put_rng`]).
pub type SacRng = butterfly_envs::EnvRng;
