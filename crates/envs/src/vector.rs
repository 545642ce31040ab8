//! A batch of environments stepped in parallel; each env is independent, so results do not depend on
//! the number of threads.

use rayon::prelude::*;

use crate::{Env, EnvError, Transition};

pub struct VecEnv<E: Env> {
    envs: Vec<E>,
    pool: rayon::ThreadPool,
    act_dim: usize,
    obs_dim: usize,
}

impl<E: Env> VecEnv<E> {
    /// `envs` must share one task; `threads` workers step them (1 means in the calling order).
    pub fn new(envs: Vec<E>, threads: usize) -> Result<Self, EnvError> {
        let first = envs.first().expect("a VecEnv needs at least one env").spec();
        let (act_dim, obs_dim) = (first.act_dim, first.obs_dim);
        assert!(envs.iter().all(|e| e.spec().id == envs[0].spec().id), "a VecEnv holds one task");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(butterfly_store::threads::check_threads("threads", threads)?)
            .build()
            .map_err(|e| EnvError::ThreadPool(e.to_string()))?;
        Ok(Self { envs, pool, act_dim, obs_dim })
    }

    pub fn len(&self) -> usize {
        self.envs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.envs.is_empty()
    }

    pub fn envs(&self) -> &[E] {
        &self.envs
    }

    pub fn envs_mut(&mut self) -> &mut [E] {
        &mut self.envs
    }

    /// Steps env i with `actions[i·act_dim..(i+1)·act_dim]`, writing its transition into `out[i]`.
    pub fn step(&mut self, actions: &[f64], out: &mut [Transition]) -> Result<(), EnvError> {
        self.step_active(actions, None, out)
    }

    /// As [`VecEnv::step`], but only the envs whose `active` entry is true are stepped (the others, and
    /// their `out` slots, are left as they are): a vector env's autoreset resets those instead.
    pub fn step_active(
        &mut self,
        actions: &[f64],
        active: Option<&[bool]>,
        out: &mut [Transition],
    ) -> Result<(), EnvError> {
        let (n, act_dim) = (self.envs.len(), self.act_dim);
        if actions.len() != act_dim * n || out.len() != n || active.is_some_and(|a| a.len() != n) {
            return Err(EnvError::ActionDim {
                env: format!("{} × {}", n, self.envs[0].spec().id),
                got: actions.len(),
                expected: act_dim * n,
            });
        }
        let envs = &mut self.envs;
        self.pool.install(|| {
            envs.par_iter_mut().zip(actions.par_chunks(act_dim)).zip(out.par_iter_mut()).enumerate().try_for_each(
                |(i, ((env, action), slot))| {
                    if active.is_none_or(|a| a[i]) {
                        *slot = env.step(action)?;
                    }
                    Ok(())
                },
            )
        })
    }

    /// All observations, env after env (`len() × obs_dim`).
    pub fn observations_into(&self, out: &mut Vec<f64>) {
        out.clear();
        out.reserve(self.envs.len() * self.obs_dim);
        for env in &self.envs {
            out.extend_from_slice(env.observation());
        }
    }
}
