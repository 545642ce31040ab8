//! One checkpoint format for every trainer: named tensors and named scalars (integers stored as
//! integers), a format version checked first, and a CRC-32 of every tensor, of the run's data files and
//! of every log's recorded prefix, so that a flipped byte, a wrong version or a torn log position is one
//! clear error before any file of the run is touched.

use std::path::Path;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

use crate::{StoreError, Tensor, TensorFile};

/// Something whose state a checkpoint carries: an optimizer, a stabilizer, a replay buffer, a generator.
/// Each part writes its tensors and scalars under its own `prefix` and checks them when read back.
pub trait State {
    fn save_state(&self, prefix: &str, checkpoint: &mut Checkpoint);
    fn load_state(&mut self, prefix: &str, checkpoint: &Checkpoint) -> Result<(), StoreError>;
}

#[derive(Debug, Clone, Default)]
pub struct Checkpoint {
    file: TensorFile,
}

/// Where a run keeps its checkpoint.
pub const CHECKPOINT: &str = "checkpoints/latest.safetensors";

const FORMAT_KEY: &str = "format";
use crate::tensor_file::{CHECKSUM_PREFIX, checksum};
const FILE_PREFIX: &str = "file_crc32.";
const CONFIG_KEY: &str = "config";

/// A TOML table as `a.b.c = value` pairs (arrays are one value).
fn flatten(table: &toml::Table) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for (key, value) in table {
        match value {
            toml::Value::Table(inner) => {
                out.extend(flatten(inner).into_iter().map(|(k, v)| (format!("{key}.{k}"), v)));
            }
            other => {
                out.insert(key.clone(), other.to_string());
            }
        }
    }
    out
}

fn changed_keys(
    was: &std::collections::BTreeMap<String, String>,
    now: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    let mut keys: Vec<String> = was
        .iter()
        .filter(|(k, v)| now.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .chain(now.keys().filter(|k| !was.contains_key(*k)).cloned())
        .collect();
    keys.sort();
    keys
}

impl Checkpoint {
    /// An empty checkpoint of `format` (e.g. `butterfly-bc-checkpoint-3`).
    pub fn new(format: &str) -> Self {
        let mut file = TensorFile::default();
        file.set_meta(FORMAT_KEY, format);
        Self { file }
    }

    pub fn path(&self) -> &Path {
        &self.file.path
    }

    /// An error about this checkpoint.
    pub fn invalid(&self, what: impl Into<String>) -> StoreError {
        StoreError::Checkpoint { path: self.file.path.clone(), what: what.into() }
    }

    pub fn put_f32(&mut self, name: &str, values: &[f32]) {
        self.file.insert(name, vec![values.len()], Tensor::F32(values.to_vec()));
    }

    /// A `[rows, cols]` f32 tensor (a replay buffer's observations, a dataset's inputs).
    pub fn put_matrix(&mut self, name: &str, values: &[f32], cols: usize) {
        self.file.insert(name, vec![values.len() / cols.max(1), cols], Tensor::F32(values.to_vec()));
    }

    pub fn put_f64(&mut self, name: &str, values: &[f64]) {
        self.file.insert(name, vec![values.len()], Tensor::F64(values.to_vec()));
    }

    pub fn put_words(&mut self, name: &str, values: &[u64]) {
        self.file.insert(name, vec![values.len()], Tensor::U64(values.to_vec()));
    }

    /// A named integer (a step, a count, a position), stored as a 0-dimensional u64 tensor.
    pub fn put_count(&mut self, name: &str, value: u64) {
        self.file.insert(name, vec![], Tensor::U64(vec![value]));
    }

    /// A named real number, stored as a 0-dimensional f64 tensor.
    pub fn put_real(&mut self, name: &str, value: f64) {
        self.file.insert(name, vec![], Tensor::F64(vec![value]));
    }

    /// A ChaCha generator's exact state as 7 words (seed ×4, stream, word position low and high), so
    /// that a resumed run draws what an uninterrupted one would.
    pub fn put_rng(&mut self, name: &str, rng: &ChaCha8Rng) {
        let mut words: Vec<u64> =
            rng.get_seed().chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
        let pos = rng.get_word_pos();
        words.extend([rng.get_stream(), pos as u64, (pos >> 64) as u64]);
        self.put_words(name, &words);
    }

    /// The generator [`Checkpoint::put_rng`] stored.
    pub fn rng(&self, name: &str) -> Result<ChaCha8Rng, StoreError> {
        let words = self.words(name)?;
        if words.len() != 7 {
            return Err(self.invalid(format!("'{name}' must have 7 words")));
        }
        let mut seed = [0u8; 32];
        for (chunk, w) in seed.chunks_exact_mut(8).zip(&words[..4]) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        let mut rng = ChaCha8Rng::from_seed(seed);
        rng.set_stream(words[4]);
        rng.set_word_pos(words[5] as u128 | (words[6] as u128) << 64);
        Ok(rng)
    }

    pub fn set_meta(&mut self, key: &str, value: impl ToString) {
        self.file.set_meta(key, value);
    }

    pub fn meta(&self, key: &str) -> Result<&str, StoreError> {
        self.file.meta(key)
    }

    /// Records the run's config as the checkpoint was taken with it.
    pub fn record_config(&mut self, text: &str) {
        self.file.set_meta(CONFIG_KEY, text);
    }

    /// Refuses a run whose `config_path` was edited after this checkpoint was taken (its logs would match
    /// neither config), naming the keys that changed. `steps`, the run's length, is the one key a resume
    /// may change (docs/runs.md). Checkpoints written before configs were recorded pass.
    pub fn check_config(&self, text: &str, config_path: &Path) -> Result<(), StoreError> {
        let Ok(stored) = self.meta(CONFIG_KEY) else { return Ok(()) };
        if stored == text {
            return Ok(());
        }
        let what = match (stored.parse::<toml::Table>(), text.parse::<toml::Table>()) {
            (Ok(was), Ok(now)) => {
                let mut keys = changed_keys(&flatten(&was), &flatten(&now));
                keys.retain(|k| k != "steps");
                if keys.is_empty() {
                    return Ok(());
                }
                format!("was edited after the last checkpoint (changed: {})", keys.join(", "))
            }
            _ => "was edited after the last checkpoint".to_string(),
        };
        Err(StoreError::RunDir {
            path: config_path.to_path_buf(),
            what: format!("{what}: a run resumes with the config it started with; restore it or start a new run"),
        })
    }

    /// [`Checkpoint::verify_file`] for a file whose checksum checkpoints of earlier versions did not
    /// record (they pass).
    pub fn verify_file_if_recorded(&self, name: &str, path: &Path) -> Result<(), StoreError> {
        if self.file.metadata.contains_key(&format!("{FILE_PREFIX}{name}")) {
            self.verify_file(name, path)
        } else {
            Ok(())
        }
    }

    /// Checks a file of the run in `dir` against the checksum its checkpoint recorded, reading only the
    /// checkpoint's header (for readers of a run, e.g. a report). A run without a checkpoint, or whose
    /// checkpoint recorded no checksum of the file, passes.
    pub fn verify_run_file(dir: &Path, name: &str) -> Result<(), StoreError> {
        let Ok(meta) = TensorFile::read_metadata(&dir.join(CHECKPOINT)) else { return Ok(()) };
        let Some(want) = meta.get(&format!("{FILE_PREFIX}{name}")) else { return Ok(()) };
        let path = dir.join(name);
        let bytes = std::fs::read(&path).map_err(|source| StoreError::Read { path: path.clone(), error: source })?;
        if checksum(&bytes) != *want {
            return Err(StoreError::RunDir {
                path,
                what: "differs from the file the run's checkpoint recorded (checksum): it was edited".into(),
            });
        }
        Ok(())
    }

    /// Records the checksum of a file of the run (its expert data), checked by [`Checkpoint::verify_file`].
    pub fn put_file(&mut self, name: &str, path: &Path) -> Result<(), StoreError> {
        let bytes =
            std::fs::read(path).map_err(|source| StoreError::Read { path: path.to_path_buf(), error: source })?;
        self.file.set_meta(&format!("{FILE_PREFIX}{name}"), checksum(&bytes));
        Ok(())
    }

    /// Checks that a file of the run is the one this checkpoint was taken with.
    pub fn verify_file(&self, name: &str, path: &Path) -> Result<(), StoreError> {
        let want = self.file.meta(&format!("{FILE_PREFIX}{name}"))?;
        let bytes =
            std::fs::read(path).map_err(|source| StoreError::Read { path: path.to_path_buf(), error: source })?;
        if checksum(&bytes) != want {
            return Err(StoreError::Checkpoint {
                path: path.to_path_buf(),
                what: format!(
                    "differs from the file the checkpoint {} was taken with (checksum)",
                    self.path().display()
                ),
            });
        }
        Ok(())
    }

    pub fn f32(&self, name: &str) -> Result<&[f32], StoreError> {
        self.file.f32(name)
    }

    /// An f32 tensor that must have exactly `len` values (the configured network's size).
    pub fn f32_exact(&self, name: &str, len: usize) -> Result<&[f32], StoreError> {
        let values = self.file.f32(name)?;
        if values.len() != len {
            return Err(self.invalid(format!("'{name}' has {} values, the configured run needs {len}", values.len())));
        }
        Ok(values)
    }

    pub fn f64(&self, name: &str) -> Result<&[f64], StoreError> {
        self.file.f64(name)
    }

    pub fn words(&self, name: &str) -> Result<&[u64], StoreError> {
        self.file.u64(name)
    }

    fn scalar(&self, name: &str) -> Result<&Tensor, StoreError> {
        match self.file.tensors.get(name) {
            Some((shape, tensor)) if shape.is_empty() => Ok(tensor),
            Some(_) => Err(self.invalid(format!("'{name}' must be a scalar"))),
            None => Err(StoreError::MissingTensor { path: self.file.path.clone(), name: name.into() }),
        }
    }

    pub fn count(&self, name: &str) -> Result<u64, StoreError> {
        match self.scalar(name)? {
            Tensor::U64(v) => Ok(v[0]),
            _ => Err(self.invalid(format!("'{name}' must be an integer"))),
        }
    }

    /// A named integer that cannot exceed `max` (a step beyond the run's total is an inconsistent counter).
    pub fn count_at_most(&self, name: &str, max: u64) -> Result<u64, StoreError> {
        let value = self.count(name)?;
        if value > max {
            return Err(self.invalid(format!("'{name}' = {value} exceeds {max}: the checkpoint is inconsistent")));
        }
        Ok(value)
    }

    pub fn real(&self, name: &str) -> Result<f64, StoreError> {
        match self.scalar(name)? {
            Tensor::F64(v) => Ok(v[0]),
            _ => Err(self.invalid(format!("'{name}' must be a real number"))),
        }
    }

    /// The tensors whose names start with `prefix`, with the prefix removed (a dataset stored inside).
    pub fn section(&self, prefix: &str) -> TensorFile {
        let mut out = TensorFile { path: self.file.path.clone(), ..Default::default() };
        for (name, value) in &self.file.tensors {
            if let Some(rest) = name.strip_prefix(prefix) {
                out.tensors.insert(rest.to_string(), value.clone());
            }
        }
        out
    }

    /// Stores another tensor file's tensors under `prefix`.
    pub fn put_section(&mut self, prefix: &str, file: TensorFile) {
        for (name, value) in file.tensors {
            self.file.tensors.insert(format!("{prefix}{name}"), value);
        }
    }

    /// Writes atomically, with a checksum of every tensor in the metadata.
    pub fn save(&mut self, path: &Path) -> Result<(), StoreError> {
        self.file.seal();
        self.file.save(path)
    }

    /// Reads a checkpoint of `format`: every tensor against its checksum (as every sealed file is read),
    /// the version, and a checksum for every tensor.
    pub fn load(path: &Path, format: &str) -> Result<Self, StoreError> {
        let file = TensorFile::load(path)?;
        let found = file.meta(FORMAT_KEY).unwrap_or("an unversioned file");
        if found != format {
            return Err(StoreError::Checkpoint {
                path: path.to_path_buf(),
                what: format!(
                    "is {found}; this butterfly reads {format}: finish the run with the version that started it, or start it again"
                ),
            });
        }
        if let Some(name) =
            file.tensors.keys().find(|name| !file.metadata.contains_key(&format!("{CHECKSUM_PREFIX}{name}")))
        {
            return Err(StoreError::Checkpoint {
                path: path.to_path_buf(),
                what: format!("tensor '{name}' has no checksum: the file is corrupt"),
            });
        }
        if let Some(orphan) = file
            .metadata
            .keys()
            .filter_map(|k| k.strip_prefix(CHECKSUM_PREFIX))
            .find(|name| !file.tensors.contains_key(*name))
        {
            return Err(StoreError::Checkpoint {
                path: path.to_path_buf(),
                what: format!("tensor '{orphan}' is missing"),
            });
        }
        Ok(Self { file })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_changed_config_names_its_keys() {
        let mut c = super::Checkpoint::new("f");
        let path = std::path::Path::new("run/config.toml");
        c.check_config("anything", path).expect("a checkpoint without a recorded config passes");
        let was = "seed = 0\nsteps = 10\n[schedule]\nlr = 0.001\n[eval]\nevery = 5\n";
        c.record_config(was);
        c.check_config(was, path).unwrap();
        let now = "seed = 0\nsteps = 10\n[schedule]\nlr = 0.002\n[eval]\nevery = 5\nhorizon = 3\n";
        let err = c.check_config(now, path).unwrap_err().to_string();
        assert!(err.contains("changed: eval.horizon, schedule.lr"), "{err}");
        assert!(err.starts_with("run/config.toml was edited"), "{err}");
        // The run's length alone may change; with anything else it is still named.
        c.check_config(&was.replace("steps = 10", "steps = 20"), path).unwrap();
        let err = c.check_config(&now.replace("steps = 10", "steps = 20"), path).unwrap_err().to_string();
        assert!(err.contains("changed: eval.horizon, schedule.lr)"), "{err}");
    }

    use rand_chacha::rand_core::RngCore;

    use super::*;

    #[test]
    fn named_scalars_round_trip_and_damage_is_refused() {
        let dir = std::env::temp_dir().join(format!("butterfly-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.safetensors");
        let mut c = Checkpoint::new("test-1");
        c.put_count("step", 7);
        c.put_real("loss_sum", 0.25);
        c.put_f32("theta", &[1.0, 2.0, 3.0]);
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        // Mid-stream (an odd number of 32-bit draws): the word position must be restored exactly.
        (0..1001).for_each(|_| _ = rng.next_u32());
        c.put_rng("rng", &rng);
        c.save(&path).unwrap();
        let r = Checkpoint::load(&path, "test-1").unwrap();
        assert_eq!((r.count("step").unwrap(), r.real("loss_sum").unwrap()), (7, 0.25));
        assert!(r.count_at_most("step", 6).unwrap_err().to_string().contains("inconsistent"));
        assert!(r.f32_exact("theta", 4).is_err());
        assert!(r.count("theta").is_err());
        let mut restored = r.rng("rng").unwrap();
        let (a, b): (Vec<u64>, Vec<u64>) = (0..10).map(|_| (rng.next_u64(), restored.next_u64())).unzip();
        assert_eq!(a, b);
        assert!(Checkpoint::load(&path, "test-2").unwrap_err().to_string().contains("is test-1"));

        // The last byte belongs to the data of the last tensor ('theta'): flip it.
        let mut bytes = std::fs::read(&path).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let err = Checkpoint::load(&path, "test-1").unwrap_err().to_string();
        assert!(err.contains("checksum"), "{err}");
    }
}
