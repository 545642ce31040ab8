//! Minari datasets, the offline-RL format of the Farama Foundation, read and written: a directory whose
//! `data/metadata.json` describes the dataset (its ID, Box observation and action spaces, the Gymnasium
//! env spec) and whose `data/main_data.hdf5` holds one group `episode_{i}` per episode (observations,
//! one more row than actions; rewards, terminations, truncations, infos).
//!
//! HDF5 goes through `hdf5-metno`, the maintained fork of the hdf5-rust bindings, over Debian's
//! libhdf5-dev (installed by scripts/setup.sh): the files are then written by the same C library h5py
//! (and so minari) uses, which a pure-Rust HDF5 crate that can only read, or writes a subset, could not
//! promise (docs/minari.md). Only [`hdf5_file`] touches it.

mod dataset;
mod episode;
mod error;
mod hdf5_file;
mod location;
mod metadata;
mod space;

pub use dataset::MinariDataset;
pub use episode::Episode;
pub use error::MinariError;
pub use location::{check_id, datasets_root, locate};
pub use metadata::{EnvSpec, Metadata};
pub use space::BoxSpace;
