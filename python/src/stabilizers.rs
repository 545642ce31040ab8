//! Butterfly's stabilizers (crates/train/src/stabilizer.rs) over a flat float32 parameter vector: the very
//! `Ema` and `update_all` that the training loop runs, built from the specs a run's `[[stabilizers]]` take.

use butterfly_nn::Threads;
use butterfly_store::State;
use butterfly_train::{Ema, Stabilizer, StabilizerSpec, update_all};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::error::{PyFaceError, Result};

/// The names under which an [`Ema`] checkpoints its state (`butterfly_store::State`).
const STATE_TENSORS: [&str; 3] = ["average", "theta0", "output"];

#[pyclass(module = "butterfly._native")]
pub struct Stabilizers {
    emas: Vec<Ema>,
    threads: Threads,
    len: usize,
}

#[pymethods]
impl Stabilizers {
    /// One stabilizer per spec (JSON of a `[[stabilizers]]` table), all started at θ₀.
    #[new]
    fn new(specs: Vec<String>, theta0: PyReadonlyArray1<'_, f32>, threads: usize) -> Result<Self> {
        let theta0 = theta0.as_slice().map_err(|e| PyFaceError::Invalid(e.to_string()))?;
        let emas = specs
            .iter()
            .map(|json| {
                let spec: StabilizerSpec = serde_json::from_str(json)
                    .map_err(|e| PyFaceError::Invalid(format!("stabilizer spec {json}: {e}")))?;
                Ok(spec.build(theta0)?)
            })
            .collect::<Result<Vec<Ema>>>()?;
        let mut names: Vec<&str> = emas.iter().map(|e| e.name()).collect();
        names.sort();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(PyFaceError::Invalid(format!("two stabilizers are named '{}': name one of them", w[0])));
        }
        Ok(Self { emas, threads: Threads::new(threads)?, len: theta0.len() })
    }

    fn names(&self) -> Vec<String> {
        self.emas.iter().map(|e| e.name().to_string()).collect()
    }

    /// Folds in θ_t, the iterate after update t (t = 1, 2, …), into every stabilizer in one pass.
    fn update(&mut self, py: Python<'_>, t: u64, theta: PyReadonlyArray1<'_, f32>) -> Result<()> {
        let theta = theta.as_slice().map_err(|e| PyFaceError::Invalid(e.to_string()))?;
        if theta.len() != self.len {
            return Err(PyFaceError::Invalid(format!(
                "parameters have {} entries, expected {}",
                theta.len(),
                self.len
            )));
        }
        let (emas, threads) = (&mut self.emas, &self.threads);
        py.detach(|| update_all(emas, t, theta, threads));
        Ok(())
    }

    /// γ_t of stabilizer `index`.
    fn gamma(&self, index: usize, t: u64) -> Result<f64> {
        Ok(self.ema(index)?.gamma(t))
    }

    /// The stabilized parameters of stabilizer `index`.
    fn params<'py>(&self, py: Python<'py>, index: usize) -> Result<Bound<'py, PyArray1<f32>>> {
        Ok(PyArray1::from_slice(py, self.ema(index)?.params()))
    }

    /// Stabilizer `index`'s checkpointed state, by tensor name.
    fn state<'py>(&self, py: Python<'py>, index: usize) -> Result<Vec<(String, Bound<'py, PyArray1<f32>>)>> {
        let mut checkpoint = butterfly_store::Checkpoint::default();
        self.ema(index)?.save_state("", &mut checkpoint);
        Ok(STATE_TENSORS
            .iter()
            .filter_map(|name| checkpoint.f32(name).ok().map(|v| (name.to_string(), PyArray1::from_slice(py, v))))
            .collect())
    }

    /// Restores stabilizer `index` from [`Stabilizers::state`]'s tensors (refused when one is missing or has
    /// another length).
    fn load_state(&mut self, index: usize, tensors: Vec<(String, PyReadonlyArray1<'_, f32>)>) -> Result<()> {
        let mut checkpoint = butterfly_store::Checkpoint::default();
        for (name, values) in &tensors {
            checkpoint.put_f32(name, values.as_slice().map_err(|e| PyFaceError::Invalid(e.to_string()))?);
        }
        self.ema_mut(index)?.load_state("", &checkpoint)?;
        Ok(())
    }
}

impl Stabilizers {
    fn ema(&self, index: usize) -> Result<&Ema> {
        self.emas.get(index).ok_or_else(|| PyFaceError::Invalid(format!("no stabilizer {index}")))
    }

    fn ema_mut(&mut self, index: usize) -> Result<&mut Ema> {
        self.emas.get_mut(index).ok_or_else(|| PyFaceError::Invalid(format!("no stabilizer {index}")))
    }
}

/// The power-EMA exponent p of relative width `sigma_rel` (crates/train/src/posthoc.rs).
#[pyfunction]
pub fn power_exponent(sigma_rel: f64) -> Result<f64> {
    Ok(butterfly_train::posthoc::exponent_of(sigma_rel)?)
}

/// The post-hoc EMA of width `sigma_rel` at `step` from snapshots (exponent, step, θ) of power EMAs, combined
/// as `butterfly stabilize` combines a run's kept ones; returns θ and the snapshots' weights.
#[pyfunction]
pub fn reconstruct<'py>(
    py: Python<'py>,
    snapshots: Vec<(f64, u64, PyReadonlyArray1<'py, f32>)>,
    sigma_rel: f64,
    step: u64,
) -> Result<(Bound<'py, PyArray1<f32>>, Vec<f64>)> {
    use butterfly_train::posthoc::{accumulate, exponent_of, reconstruction_weights};
    let profiles: Vec<(f64, f64)> = snapshots.iter().map(|(p, s, _)| (*p, *s as f64)).collect();
    let weights = reconstruction_weights(&profiles, (exponent_of(sigma_rel)?, step as f64))?;
    let mut sum = Vec::new();
    for ((_, _, theta), &w) in snapshots.iter().zip(&weights) {
        accumulate(&mut sum, w, theta.as_slice().map_err(|e| PyFaceError::Invalid(e.to_string()))?);
    }
    let theta: Vec<f32> = sum.into_iter().map(|x| x as f32).collect();
    Ok((PyArray1::from_vec(py, theta), weights))
}
