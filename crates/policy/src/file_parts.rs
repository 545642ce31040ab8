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
fn number_list(file: &TensorFile, key: &str) -> Result<Vec<f64>, StoreError> {
    serde_json::from_str(file.meta(key)?).map_err(|e| file.bad_meta(key, e.to_string()))
}

/// The largest |bound| accepted: MuJoCo's control ranges are a few units wide; a bound near 1e30 only
/// turns the tanh output's scaling into overflow.
const MAX_ACTION_BOUND: f64 = 1e6;

/// `action_low` and `action_high`: per coordinate finite, within ±1e6, and low < high.
pub(crate) fn action_bounds(file: &TensorFile) -> Result<(Vec<f64>, Vec<f64>), StoreError> {
    let (low, high) = (number_list(file, "action_low")?, number_list(file, "action_high")?);
    let in_range = |x: f64| x.is_finite() && x.abs() <= MAX_ACTION_BOUND;
    for (key, bounds) in [("action_low", &low), ("action_high", &high)] {
        if let Some(x) = bounds.iter().find(|&&x| !in_range(x)) {
            return Err(file.bad_meta(key, format!("bound {x} is not a finite number within ±{MAX_ACTION_BOUND:e}")));
        }
    }
    if let Some(i) = low.iter().zip(&high).position(|(l, h)| l >= h) {
        return Err(
            file.bad_meta("action_low", format!("entry {i} is {}, not below action_high's {}", low[i], high[i]))
        );
    }
    Ok((low, high))
}

/// A construction error of the policy in `path`, naming the file.
pub(crate) fn at_path(path: &Path) -> impl Fn(PolicyError) -> PolicyError + '_ {
    move |e| match e {
        PolicyError::Invalid { what, .. } => PolicyError::Invalid { path: path.into(), what },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(low: &str, high: &str) -> Result<(Vec<f64>, Vec<f64>), String> {
        let mut file = TensorFile::default();
        file.set_meta("action_low", low);
        file.set_meta("action_high", high);
        action_bounds(&file).map_err(|e| e.to_string())
    }

    #[test]
    fn action_bounds_must_be_finite_moderate_and_ordered() {
        assert_eq!(bounds("[-1, -0.4]", "[1, 0.4]").unwrap(), (vec![-1.0, -0.4], vec![1.0, 0.4]));
        let err = bounds("[-1, 1]", "[1, -1]").unwrap_err();
        assert!(err.contains("entry 1 is 1, not below action_high's -1"), "{err}");
        assert!(bounds("[0]", "[0]").unwrap_err().contains("not below"));
        let err = bounds("[-1e30]", "[1e30]").unwrap_err();
        assert!(err.contains("action_low") && err.contains("±1e6"), "{err}");
        assert!(bounds("[-1]", "[1e7]").unwrap_err().contains("action_high"));
    }
}
