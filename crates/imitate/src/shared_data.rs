//! One dataset, many seeds: expert data is identified by (task, expert file, trajectories, horizon, data
//! seed, purpose), collected once into the cache (`<cache>/data/`, see [`butterfly_store::cache_dir`]) and
//! hard-linked (or copied, across file systems) into every run that asks for it. A cached file is checked
//! against the checksum kept beside it before it is used, and collected again if it does not match; runs
//! that ask for the same data at once collect it once (a lock file beside it).

use std::path::{Path, PathBuf};

use butterfly_envs::{EnvRng, Purpose, Replicate, TaskEnv, initial_conditions, seed_stream};
use butterfly_store::{checksum, write_atomic};

use crate::{Dataset, Expert, ImitateError, collect};

/// What identifies a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct DataKey {
    pub env: String,
    /// The expert: `linear`, or the checksum of its policy file.
    pub expert: String,
    pub trajectories: usize,
    pub horizon: usize,
    pub seed: u64,
    pub purpose: Purpose,
}

impl DataKey {
    /// The key of `config`'s expert data for `purpose` (reads the expert file for its checksum).
    pub fn of(
        env: &str,
        expert: &str,
        trajectories: usize,
        horizon: usize,
        seed: u64,
        purpose: Purpose,
    ) -> Result<Self, ImitateError> {
        let expert = if expert == "linear" {
            expert.to_string()
        } else {
            let bytes = std::fs::read(expert).map_err(|source| ImitateError::Io { path: expert.into(), source })?;
            checksum(&bytes)
        };
        Ok(Self { env: env.to_string(), expert, trajectories, horizon, seed, purpose })
    }

    /// The cached file's name: readable, and distinct for distinct keys.
    pub fn file_name(&self) -> String {
        let purpose = match self.purpose {
            Purpose::ValidationData => "validation",
            _ => "train",
        };
        format!(
            "{}-{purpose}-n{}-h{}-seed{}-expert{}.safetensors",
            self.env, self.trajectories, self.horizon, self.seed, self.expert
        )
    }
}

/// The expert data of `key`, from the cache when an earlier run collected it, else collected now (on
/// `threads` threads) and cached; the run's own copy is placed at `dest`. The generator of the key's
/// seed and purpose is returned advanced past the data's initial conditions, as collecting leaves it,
/// so that fresh-data runs go on drawing the same trajectories either way.
pub fn shared_collect(
    env: &TaskEnv,
    expert: &Expert,
    key: &DataKey,
    threads: usize,
    dest: &Path,
) -> Result<(Dataset, EnvRng), ImitateError> {
    let mut rng = seed_stream(key.seed, key.purpose);
    let Some(dir) = butterfly_store::cache_dir().map(|c| c.join("data")) else {
        let data = collect(env, expert, key.trajectories, key.horizon, &mut rng, threads)?;
        data.save(dest)?;
        return Ok((data, rng));
    };
    let cached = dir.join(key.file_name());
    std::fs::create_dir_all(&dir).map_err(|source| ImitateError::Io { path: dir.clone(), source })?;
    // Runs asking for the same data at once (seeds side by side) collect it once: the first holds this
    // lock while it collects, the others wait and then read the cache.
    let lock_path = dir.join(format!("{}.lock", key.file_name()));
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| ImitateError::Io { path: lock_path.clone(), source })?;
    lock.lock().map_err(|source| ImitateError::Io { path: lock_path, source })?;
    if let Some(data) = cached_copy(&cached, env)? {
        // The generator as collecting leaves it: past the initial conditions it drew.
        initial_conditions(&mut env.replicate(), key.trajectories, &mut rng);
        place(&cached, dest)?;
        return Ok((data, rng));
    }
    let data = collect(env, expert, key.trajectories, key.horizon, &mut rng, threads)?;
    let bytes = data.to_file().to_bytes()?;
    // The checksum first: a file without a matching one is never used.
    write_atomic(&sum_path(&cached), checksum(&bytes).as_bytes())?;
    write_atomic(&cached, &bytes)?;
    place(&cached, dest)?;
    Ok((data, rng))
}

fn sum_path(cached: &Path) -> PathBuf {
    let mut name = cached.file_name().unwrap_or_default().to_os_string();
    name.push(".crc32");
    cached.with_file_name(name)
}

/// The cached dataset when it is there, matches its checksum and is of `env`.
fn cached_copy(cached: &Path, env: &TaskEnv) -> Result<Option<Dataset>, ImitateError> {
    let (Ok(bytes), Ok(sum)) = (std::fs::read(cached), std::fs::read_to_string(sum_path(cached))) else {
        return Ok(None);
    };
    if checksum(&bytes) != sum.trim() {
        return Ok(None);
    }
    let file = butterfly_store::TensorFile::from_bytes(&bytes, cached)?;
    let data = Dataset::from_file(&file)?;
    let spec = butterfly_envs::Env::spec(env);
    Ok((data.env == spec.id && data.obs_dim == spec.obs_dim && data.act_dim == spec.act_dim).then_some(data))
}

/// A hard link to the cached file at `dest`, or a copy where links cannot be made.
fn place(cached: &Path, dest: &Path) -> Result<(), ImitateError> {
    let _ = std::fs::remove_file(dest);
    if std::fs::hard_link(cached, dest).is_ok() {
        return Ok(());
    }
    let bytes = std::fs::read(cached).map_err(|source| ImitateError::Io { path: cached.into(), source })?;
    Ok(write_atomic(dest, &bytes)?)
}
