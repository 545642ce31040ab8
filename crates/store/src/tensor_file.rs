use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors};

use crate::{StoreError, write_atomic};

/// CRC-32 of bytes, as eight hex digits.
pub fn checksum(bytes: &[u8]) -> String {
    format!("{:08x}", crc32fast::hash(bytes))
}

/// One tensor's values; f32 for networks, f64 for exact environment states, u64 for counters and RNG
/// words.
#[derive(Debug, Clone, PartialEq)]
pub enum Tensor {
    F32(Vec<f32>),
    F64(Vec<f64>),
    U64(Vec<u64>),
}

impl Tensor {
    fn dtype(&self) -> Dtype {
        match self {
            Tensor::F32(_) => Dtype::F32,
            Tensor::F64(_) => Dtype::F64,
            Tensor::U64(_) => Dtype::U64,
        }
    }

    fn element_size(&self) -> usize {
        match self {
            Tensor::F32(_) => 4,
            Tensor::F64(_) | Tensor::U64(_) => 8,
        }
    }

    pub(crate) fn bytes(&self) -> Vec<u8> {
        match self {
            Tensor::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Tensor::F64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Tensor::U64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }
}

/// A set of named tensors with shapes, and string metadata.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TensorFile {
    pub tensors: BTreeMap<String, (Vec<usize>, Tensor)>,
    pub metadata: BTreeMap<String, String>,
    /// Where it was read from (for error messages).
    pub path: PathBuf,
}

/// Metadata key prefix of a tensor's CRC-32 (`crc32.<name>`).
pub const CHECKSUM_PREFIX: &str = "crc32.";

impl TensorFile {
    /// Records a CRC-32 of every tensor in the metadata, so that every later read checks them: a kept
    /// parameter file with a flipped bit is refused instead of exported or rolled out.
    pub fn seal(&mut self) {
        self.metadata.retain(|k, _| !k.starts_with(CHECKSUM_PREFIX));
        let sums: Vec<(String, String)> = self
            .tensors
            .iter()
            .map(|(name, (_, t))| (format!("{CHECKSUM_PREFIX}{name}"), checksum(&t.bytes())))
            .collect();
        self.metadata.extend(sums);
    }

    /// Every tensor whose checksum is recorded against it.
    fn verify(&self) -> Result<(), StoreError> {
        for (name, (_, tensor)) in &self.tensors {
            if let Some(want) = self.metadata.get(&format!("{CHECKSUM_PREFIX}{name}"))
                && *want != checksum(&tensor.bytes())
            {
                let reason = format!("tensor '{name}' does not match its checksum");
                return Err(StoreError::Corrupt { path: self.path.clone(), reason });
            }
        }
        Ok(())
    }

    pub fn insert(&mut self, name: impl Into<String>, shape: Vec<usize>, values: Tensor) {
        self.tensors.insert(name.into(), (shape, values));
    }

    pub fn set_meta(&mut self, key: &str, value: impl ToString) {
        self.metadata.insert(key.to_string(), value.to_string());
    }

    pub fn meta(&self, key: &str) -> Result<&str, StoreError> {
        self.metadata
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| StoreError::MissingMetadata { path: self.path.clone(), key: key.into() })
    }

    /// Parses a metadata value, naming the key and file when it does not parse.
    pub fn meta_parse<T: std::str::FromStr>(&self, key: &str) -> Result<T, StoreError>
    where
        T::Err: std::fmt::Display,
    {
        let value = self.meta(key)?;
        value.parse().map_err(|e: T::Err| self.bad_meta(key, e.to_string()))
    }

    pub fn bad_meta(&self, key: &str, reason: String) -> StoreError {
        StoreError::BadMetadata {
            path: self.path.clone(),
            key: key.into(),
            value: self.metadata.get(key).cloned().unwrap_or_default(),
            reason,
        }
    }

    fn get(&self, name: &str) -> Result<&(Vec<usize>, Tensor), StoreError> {
        self.tensors.get(name).ok_or_else(|| StoreError::MissingTensor { path: self.path.clone(), name: name.into() })
    }

    fn type_error(&self, name: &str, got: &Tensor, expected: &str) -> StoreError {
        StoreError::TensorType {
            path: self.path.clone(),
            name: name.into(),
            got: format!("{:?}", got.dtype()),
            expected: expected.into(),
        }
    }

    pub fn f32(&self, name: &str) -> Result<&[f32], StoreError> {
        match self.get(name)? {
            (_, Tensor::F32(v)) => Ok(v),
            (_, other) => Err(self.type_error(name, other, "F32")),
        }
    }

    pub fn f64(&self, name: &str) -> Result<&[f64], StoreError> {
        match self.get(name)? {
            (_, Tensor::F64(v)) => Ok(v),
            (_, other) => Err(self.type_error(name, other, "F64")),
        }
    }

    pub fn u64(&self, name: &str) -> Result<&[u64], StoreError> {
        match self.get(name)? {
            (_, Tensor::U64(v)) => Ok(v),
            (_, other) => Err(self.type_error(name, other, "U64")),
        }
    }

    pub fn shape(&self, name: &str) -> Result<&[usize], StoreError> {
        Ok(&self.get(name)?.0)
    }

    /// The safetensors bytes, written here rather than by the `safetensors` crate so that they are
    /// reproducible: tensors and metadata in sorted order (the crate's HashMap metadata is not).
    pub fn to_bytes(&self) -> Result<Vec<u8>, StoreError> {
        let mut header = serde_json::Map::new();
        if !self.metadata.is_empty() {
            let meta: serde_json::Map<String, serde_json::Value> =
                self.metadata.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
            header.insert("__metadata__".into(), serde_json::Value::Object(meta));
        }
        let mut data = Vec::new();
        for (name, (shape, tensor)) in &self.tensors {
            let count: usize = shape.iter().product();
            let bytes = tensor.bytes();
            if bytes.len() != count * tensor.element_size() {
                let reason = format!(
                    "tensor '{name}' has {} bytes, shape {shape:?} needs {}",
                    bytes.len(),
                    count * tensor.element_size()
                );
                return Err(StoreError::Corrupt { path: self.path.clone(), reason });
            }
            let start = data.len();
            data.extend_from_slice(&bytes);
            let entry = serde_json::json!({"dtype": tensor.dtype().to_string(), "shape": shape, "data_offsets": [start, data.len()]});
            header.insert(name.clone(), entry);
        }
        let mut header = serde_json::to_vec(&serde_json::Value::Object(header)).expect("JSON of strings and numbers");
        // The format pads the header with spaces to a multiple of 8 bytes, aligning the data.
        header.resize(header.len().div_ceil(8) * 8, b' ');
        let mut out = Vec::with_capacity(8 + header.len() + data.len());
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&data);
        Ok(out)
    }

    /// Writes atomically.
    pub fn save(&self, path: &Path) -> Result<(), StoreError> {
        write_atomic(path, &self.to_bytes()?)
    }

    /// The metadata alone, read from the file's header without its tensors.
    pub fn read_metadata(path: &Path) -> Result<BTreeMap<String, String>, StoreError> {
        use std::io::Read;
        let read_err = |error| StoreError::Read { path: path.to_path_buf(), error };
        let corrupt = |reason: String| StoreError::Corrupt { path: path.to_path_buf(), reason };
        let mut file = std::fs::File::open(path).map_err(read_err)?;
        let mut len = [0u8; 8];
        file.read_exact(&mut len).map_err(read_err)?;
        let len = u64::from_le_bytes(len);
        let size = file.metadata().map_err(read_err)?.len();
        if len > size.saturating_sub(8) {
            return Err(corrupt(format!("header of {len} bytes in a file of {size}")));
        }
        let mut header = vec![0u8; len as usize];
        file.read_exact(&mut header).map_err(read_err)?;
        let json: serde_json::Value = serde_json::from_slice(&header).map_err(|e| corrupt(e.to_string()))?;
        let meta = json.get("__metadata__").and_then(|m| m.as_object()).cloned().unwrap_or_default();
        Ok(meta.into_iter().filter_map(|(k, v)| Some((k, v.as_str()?.to_string()))).collect())
    }

    pub fn load(path: &Path) -> Result<Self, StoreError> {
        let bytes =
            std::fs::read(path).map_err(|source| StoreError::Read { path: path.to_path_buf(), error: source })?;
        Self::from_bytes(&bytes, path)
    }

    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt { path: path.to_path_buf(), reason };
        let st = SafeTensors::deserialize(bytes).map_err(|e| corrupt(e.to_string()))?;
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| corrupt(e.to_string()))?;
        let mut file = TensorFile { path: path.to_path_buf(), ..Default::default() };
        if let Some(meta) = header.metadata() {
            file.metadata = meta.clone().into_iter().collect();
        }
        for (name, view) in st.tensors() {
            let data = view.data();
            let values = match view.dtype() {
                Dtype::F32 => {
                    Tensor::F32(data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect())
                }
                Dtype::F64 => {
                    Tensor::F64(data.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect())
                }
                Dtype::U64 => {
                    Tensor::U64(data.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect())
                }
                other => return Err(corrupt(format!("tensor '{name}' has unsupported dtype {other:?}"))),
            };
            file.tensors.insert(name, (view.shape().to_vec(), values));
        }
        file.verify()?;
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_exactly_and_rejects_truncation() {
        let mut f = TensorFile::default();
        f.insert("layers.0.weight", vec![2, 3], Tensor::F32(vec![1.5, -2.0, 3.25, f32::MIN_POSITIVE, 0.1, -0.0]));
        f.insert("state", vec![2], Tensor::F64(vec![0.1, 1e-300]));
        f.insert("rng", vec![1], Tensor::U64(vec![u64::MAX]));
        f.set_meta("env", "Walker2d-v4");
        let dir = std::env::temp_dir().join(format!("butterfly-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.safetensors");
        f.save(&path).unwrap();
        let g = TensorFile::load(&path).unwrap();
        assert_eq!(g.tensors, f.tensors);
        assert_eq!(g.meta("env").unwrap(), "Walker2d-v4");
        assert!(matches!(g.f64("layers.0.weight"), Err(StoreError::TensorType { .. })));
        assert!(matches!(g.meta("hidden"), Err(StoreError::MissingMetadata { .. })));
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
        assert!(matches!(TensorFile::load(&path), Err(StoreError::Corrupt { .. })));
    }

    #[test]
    fn bytes_are_reproducible() {
        let mut f = TensorFile::default();
        for k in 0..20 {
            f.set_meta(&format!("key{k}"), k);
            f.insert(format!("t{k}"), vec![1], Tensor::F64(vec![k as f64]));
        }
        let g = f.clone();
        assert_eq!(f.to_bytes().unwrap(), g.to_bytes().unwrap());
        let parsed = TensorFile::from_bytes(&f.to_bytes().unwrap(), Path::new("x")).unwrap();
        assert_eq!(parsed.tensors, f.tensors);
        assert_eq!(parsed.metadata, f.metadata);
    }
}
