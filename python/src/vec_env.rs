//! Butterfly's MuJoCo envs as one batch for Python: stepped on a thread pool with the GIL released.
//! Episode bookkeeping that Gymnasium keeps outside the env is here too: the step count of its
//! `TimeLimit` wrapper, which `set_state` leaves alone (Butterfly's own envs restart it on `reset_to`).
//! Reset noise is drawn by the caller (python/butterfly/envs.py, with NumPy's generator as Gymnasium does).

use std::path::Path;
use std::sync::Mutex;

use butterfly_envs::{Env, MujocoEnv, Transition};
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::error::{PyFaceError, Result};

/// A sub-env's (qpos, qvel).
type QposQvel<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<f64>>);

/// What one step hands back: observations, rewards, terminations, truncations.
type Step<'py> =
    (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<bool>>, Bound<'py, PyArray1<bool>>);

struct Batch {
    envs: butterfly_envs::VecEnv<MujocoEnv>,
    /// Steps since each env's last reset (Gymnasium's TimeLimit counter).
    elapsed: Vec<usize>,
    transitions: Vec<Transition>,
}

#[pyclass(module = "butterfly._native")]
pub struct VecEnv {
    // A Mutex makes the batch Sync, as a pyclass must be; Python calls never contend for it.
    batch: Mutex<Batch>,
    obs_dim: usize,
    act_dim: usize,
    max_episode_steps: usize,
}

impl VecEnv {
    fn batch(&self) -> std::sync::MutexGuard<'_, Batch> {
        self.batch.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn index(&self, index: usize) -> Result<usize> {
        let n = self.batch().envs.len();
        if index >= n {
            return Err(PyFaceError::Invalid(format!("env index {index} is out of range for {n} envs")));
        }
        Ok(index)
    }
}

#[pymethods]
impl VecEnv {
    /// `num_envs` copies of task `env_id` loaded from Gymnasium's `assets` directory, stepped by `threads`.
    #[new]
    fn new(env_id: &str, num_envs: usize, assets: &str, threads: usize) -> Result<Self> {
        if num_envs == 0 {
            return Err(PyFaceError::Invalid("num_envs must be at least 1".into()));
        }
        let first = MujocoEnv::new(env_id, Path::new(assets))?;
        let (obs_dim, act_dim, max_episode_steps) =
            (first.spec().obs_dim, first.spec().act_dim, first.spec().max_episode_steps);
        let envs = first.with_copies(num_envs)?;
        let envs = butterfly_envs::VecEnv::new(envs, threads.clamp(1, num_envs))?;
        let idle = Transition { reward: 0.0, terms: Default::default(), terminated: false, truncated: false };
        let batch = Batch { envs, elapsed: vec![0; num_envs], transitions: vec![idle; num_envs] };
        Ok(Self { batch: Mutex::new(batch), obs_dim, act_dim, max_episode_steps })
    }

    #[getter]
    fn obs_dim(&self) -> usize {
        self.obs_dim
    }

    #[getter]
    fn act_dim(&self) -> usize {
        self.act_dim
    }

    #[getter]
    fn max_episode_steps(&self) -> usize {
        self.max_episode_steps
    }

    /// (low, high) of the actuators' control ranges.
    fn action_bounds(&self) -> (Vec<f64>, Vec<f64>) {
        let batch = self.batch();
        let spec = batch.envs.envs()[0].spec();
        (spec.action_low.clone(), spec.action_high.clone())
    }

    /// The model's qpos0 (Gymnasium's `init_qpos`) and nv.
    fn init_state(&self) -> (Vec<f64>, usize) {
        let batch = self.batch();
        let env = &batch.envs.envs()[0];
        let qpos0 = env.model().qpos0().to_vec();
        let nv = env.spec().state_dim - qpos0.len();
        (qpos0, nv)
    }

    /// (scale, whether qvel's noise is normal) of the task's reset distribution.
    fn reset_noise(&self) -> (f64, bool) {
        self.batch().envs.envs()[0].reset_noise()
    }

    /// Sets env `index` to (qpos, qvel): with `restart` as Gymnasium's reset leaves it (`mj_resetData` first,
    /// a new episode), else as its `set_state` does (the rest of the simulator state and the step count stay).
    fn set_state(
        &self,
        index: usize,
        qpos: PyReadonlyArray1<'_, f64>,
        qvel: PyReadonlyArray1<'_, f64>,
        restart: bool,
    ) -> Result<()> {
        let index = self.index(index)?;
        let (qpos, qvel) = (qpos.as_array().to_vec(), qvel.as_array().to_vec());
        let mut batch = self.batch();
        let env = &mut batch.envs.envs_mut()[index];
        if restart {
            let state: Vec<f64> = qpos.into_iter().chain(qvel).collect();
            env.reset_to(&state)?;
            batch.elapsed[index] = 0;
        } else {
            env.set_state(&qpos, &qvel)?;
        }
        Ok(())
    }

    /// Env `index`'s (qpos, qvel).
    fn state<'py>(&self, py: Python<'py>, index: usize) -> Result<QposQvel<'py>> {
        let index = self.index(index)?;
        let batch = self.batch();
        let env = &batch.envs.envs()[index];
        let mut state = env.state();
        let qvel = state.split_off(env.model().qpos0().len());
        Ok((PyArray1::from_vec(py, state), PyArray1::from_vec(py, qvel)))
    }

    /// Every env's observation, one row each.
    fn observations<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyArray2<f64>>> {
        observations(py, &self.batch().envs, self.obs_dim)
    }

    /// Steps the envs whose `active` entry is true with their row of `actions` (float64, one row per env),
    /// in parallel with the GIL released; the others report reward 0 and neither flag.
    fn step<'py>(
        &self,
        py: Python<'py>,
        actions: PyReadonlyArray2<'py, f64>,
        active: PyReadonlyArray1<'py, bool>,
    ) -> Result<Step<'py>> {
        let actions: Vec<f64> = actions.as_array().iter().copied().collect();
        let active: Vec<bool> = active.as_array().to_vec();
        let max_steps = self.max_episode_steps;
        let mut guard = self.batch();
        let batch = &mut *guard;
        py.detach(|| -> Result<()> {
            batch.envs.step_active(&actions, Some(&active), &mut batch.transitions)?;
            Ok(())
        })?;
        let n = batch.envs.len();
        let (mut rewards, mut terminated, mut truncated) = (vec![0.0; n], vec![false; n], vec![false; n]);
        for i in (0..n).filter(|&i| active[i]) {
            let t = &batch.transitions[i];
            batch.elapsed[i] += 1;
            rewards[i] = t.reward;
            terminated[i] = t.terminated;
            truncated[i] = batch.elapsed[i] >= max_steps;
        }
        Ok((
            observations(py, &batch.envs, self.obs_dim)?,
            PyArray1::from_vec(py, rewards),
            PyArray1::from_vec(py, terminated),
            PyArray1::from_vec(py, truncated),
        ))
    }
}

/// The envs' observations as an (envs × obs_dim) array.
fn observations<'py>(
    py: Python<'py>,
    envs: &butterfly_envs::VecEnv<MujocoEnv>,
    obs_dim: usize,
) -> Result<Bound<'py, PyArray2<f64>>> {
    let mut obs = Vec::new();
    envs.observations_into(&mut obs);
    PyArray1::from_vec(py, obs).reshape([envs.len(), obs_dim]).map_err(|e| PyFaceError::Invalid(e.to_string()))
}
