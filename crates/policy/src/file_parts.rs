//! What every policy file shares, read back: θ as named tensors in the network's order, the optional
//! input standardization, provenance metadata, and errors that name the file.

use std::collections::BTreeMap;
use std::path::Path;

use butterfly_store::{StoreError, TensorFile};

use crate::PolicyError;

/// θ: the concatenation of `tensors` (name, shape), each checked against the file's shape.
pub(crate) fn read_theta<'a>(
    file: &TensorFile,
    path: &Path,
    tensors: impl IntoIterator<Item = (&'a str, &'a [usize])>,
) -> Result<Vec<f32>, PolicyError> {
    let mut theta = Vec::new();
    for (name, shape) in tensors {
        if file.shape(name)? != shape {
            let what = format!("tensor {name} has shape {:?}, the metadata implies {shape:?}", file.shape(name)?);
            return Err(PolicyError::Invalid { path: path.into(), what });
        }
        theta.extend_from_slice(file.f32(name)?);
    }
    Ok(theta)
}

/// `obs_mean` and `obs_std`, when the file has both.
pub(crate) fn read_norm(file: &TensorFile) -> Option<(Vec<f32>, Vec<f32>)> {
    match (file.f32("obs_mean"), file.f32("obs_std")) {
        (Ok(m), Ok(s)) => Some((m.to_vec(), s.to_vec())),
        _ => None,
    }
}

/// Metadata beyond `keys`: provenance and measurements.
pub(crate) fn extra_metadata(file: &TensorFile, keys: &[&str]) -> BTreeMap<String, String> {
    file.metadata.iter().filter(|(k, _)| !keys.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// A JSON list of numbers from metadata `key`.
pub(crate) fn number_list(file: &TensorFile, key: &str) -> Result<Vec<f64>, StoreError> {
    serde_json::from_str(file.meta(key)?).map_err(|e| file.bad_meta(key, e.to_string()))
}

/// A construction error of the policy in `path`, naming the file.
pub(crate) fn at_path(path: &Path) -> impl Fn(PolicyError) -> PolicyError + '_ {
    move |e| match e {
        PolicyError::Invalid { what, .. } => PolicyError::Invalid { path: path.into(), what },
        other => other,
    }
}
