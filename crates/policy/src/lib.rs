//! Deterministic policies (MLP experts and imitators, Transformer imitators over their episode's
//! history) over the flat-parameter engines, and their file format (docs/design.md §4): safetensors with `layers.{i}.weight` `[out, in]`, `layers.{i}.bias`, optional
//! `norms.{i}.*`, `obs_mean`/`obs_std`, and string metadata describing the network.

mod error;
mod file_parts;
mod measured;
mod meta;
mod mlp_policy;
mod transformer_policy;

pub use error::PolicyError;
pub use measured::Measured;
pub use meta::{OutputKind, PolicyMeta};
pub use mlp_policy::MlpPolicy;
pub use transformer_policy::{TransformerMeta, TransformerPolicy};
