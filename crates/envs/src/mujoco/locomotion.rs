//! A Gymnasium v4/v5 MuJoCo locomotion env: `data.ctrl = action`, `mj_step` × frame_skip, reward, observation.

use std::path::Path;
use std::sync::Arc;

use mujoco_rs::prelude::{MjData, MjModel, MjtObjBase};
use rand::Rng;
use rand_distr::StandardNormal;

use super::model::load_model;
use super::task::{Progress, ResetNoise, Task};
use super::tasks::{TASK_IDS, task};
use crate::numpy_sum::{pairwise_sum, sum_of_squares};
use crate::{Env, EnvError, EnvRng, EnvSpec, Replicate, RewardTerms, Transition};

const MAX_EPISODE_STEPS: usize = 1000;
/// Entries per body of cfrc_ext (a spatial force: torque then force).
const SPATIAL: usize = 6;
/// A free joint's degrees of freedom, the first of qfrc_actuator (Humanoid's root).
const FREE_JOINT_DOFS: usize = 6;

pub struct MujocoEnv {
    task: &'static Task,
    spec: EnvSpec,
    model: Arc<MjModel>,
    data: MjData<Arc<MjModel>>,
    /// `dt = timestep · frame_skip`, as Gymnasium computes it.
    dt: f64,
    /// Body whose frame x is the progress coordinate (Progress::BodyX).
    progress_body: usize,
    /// `np.sum(body_mass)` (Progress::MassCentreX).
    total_mass: f64,
    obs: Vec<f64>,
    /// The task's contact forces, flattened (see [`Task::contact_force_clip`]); empty when unused.
    contacts: Vec<f64>,
    squares: Vec<f64>,
    elapsed_steps: usize,
}

impl MujocoEnv {
    /// Loads the task's XML from Gymnasium's assets directory (see [`super::find_assets_dir`]).
    pub fn new(id: &str, assets_dir: &Path) -> Result<Self, EnvError> {
        let task = task(id).ok_or_else(|| EnvError::UnknownEnv { name: id.to_string(), known: TASK_IDS.join(", ") })?;
        let model = load_model(&assets_dir.join(task.xml))?;
        Ok(Self::with_model(task, model))
    }

    fn with_model(task: &'static Task, model: Arc<MjModel>) -> Self {
        let ffi = model.ffi();
        let (nq, nv, nu) = (ffi.nq as usize, ffi.nv as usize, ffi.nu as usize);
        let dt = ffi.opt.timestep * task.frame_skip as f64;
        let progress_body = match task.progress {
            Progress::BodyX(name) => model
                .name_to_id(MjtObjBase::mjOBJ_BODY, name)
                .unwrap_or_else(|| panic!("{} has no body '{name}'", task.xml)),
            _ => 0,
        };
        let total_mass = pairwise_sum(model.body_mass());
        let ranges = model.actuator_ctrlrange();
        let spec = EnvSpec {
            id: task.id,
            obs_dim: task.obs_dim,
            act_dim: nu,
            action_low: ranges.iter().map(|r| r[0]).collect(),
            action_high: ranges.iter().map(|r| r[1]).collect(),
            state_dim: nq + nv,
            max_episode_steps: MAX_EPISODE_STEPS,
        };
        let data = MjData::new(model.clone());
        let mut env = Self {
            task,
            spec,
            model,
            data,
            dt,
            progress_body,
            total_mass,
            obs: vec![0.0; task.obs_dim],
            contacts: Vec::new(),
            squares: Vec::new(),
            elapsed_steps: 0,
        };
        env.data.forward();
        env.observe();
        env
    }

    pub fn model(&self) -> &MjModel {
        &self.model
    }

    /// This env and `n − 1` more of its task sharing its model; a count whose simulator states would not fit
    /// in the machine's memory is one error, not an allocation abort.
    pub fn with_copies(self, n: usize) -> Result<Vec<Self>, EnvError> {
        let ffi = self.model.ffi();
        let each = std::mem::size_of::<Self>() as u128 + ffi.narena as u128 + ffi.nbuffer as u128;
        butterfly_store::memory::ensure_fits(&[("environments", n as u128, each)])?;
        let mut envs = Vec::with_capacity(n);
        envs.extend((1..n).map(|_| self.replicate()));
        envs.insert(0, self);
        Ok(envs)
    }

    pub fn frame_skip(&self) -> usize {
        self.task.frame_skip
    }

    /// The raw simulator, for measuring the physics limit (`mj_step` × frame_skip) on the same model.
    pub fn data_mut(&mut self) -> &mut MjData<Arc<MjModel>> {
        &mut self.data
    }

    /// The reset distribution's noise scale, and whether qvel's noise is normal (else uniform like qpos's):
    /// what a caller drawing Gymnasium's reset noise with NumPy's generator needs (python/butterfly/envs.py).
    pub fn reset_noise(&self) -> (f64, bool) {
        match self.task.reset_noise {
            ResetNoise::Uniform { scale } => (scale, false),
            ResetNoise::UniformPosNormalVel { scale } => (scale, true),
        }
    }

    fn progress_x(&self) -> f64 {
        match self.task.progress {
            Progress::RootX => self.data.qpos()[0],
            Progress::BodyX(_) => self.data.xpos()[self.progress_body][0],
            Progress::MassCentreX => {
                // np.einsum("b,bj->j", body_mass, xipos) adds sequentially.
                let masses = self.model.body_mass();
                let moment = masses.iter().zip(self.data.xipos()).fold(0.0, |acc, (m, p)| acc + m * p[0]);
                moment / self.total_mass
            }
        }
    }

    /// Refreshes the contact forces, then the observation.
    fn observe(&mut self) {
        if self.task.needs_contact_forces() {
            let raw = self.data.cfrc_ext().as_flattened();
            self.contacts.clear();
            match self.task.contact_force_clip {
                Some(c) => self.contacts.extend(raw.iter().map(|f| f.clamp(-c, c))),
                None => self.contacts.extend_from_slice(raw),
            }
        }
        let (d, o, out) = (&self.data, &self.task.observation, &mut self.obs);
        let world = usize::from(o.skip_world);
        out.clear();
        out.extend_from_slice(&d.qpos()[o.skip_qpos..]);
        match o.clip_qvel {
            Some(c) => out.extend(d.qvel().iter().map(|v| v.clamp(-c, c))),
            None => out.extend_from_slice(d.qvel()),
        }
        if o.com_terms {
            out.extend_from_slice(d.cinert()[world..].as_flattened());
            out.extend_from_slice(d.cvel()[world..].as_flattened());
            out.extend_from_slice(&d.qfrc_actuator()[world * FREE_JOINT_DOFS..]);
        }
        if o.contact_forces {
            out.extend_from_slice(&self.contacts[world * SPATIAL..]);
        }
        debug_assert_eq!(out.len(), self.task.obs_dim);
    }

    /// `weight · np.sum(np.square(contact_forces))`, capped, or 0 for tasks without one.
    fn contact_cost(&mut self) -> f64 {
        self.task
            .contact_cost
            .map_or(0.0, |cost| (cost.weight * sum_of_squares(&self.contacts, &mut self.squares)).min(cost.max))
    }

    fn check_action(&self, action: &[f64]) -> Result<(), EnvError> {
        if action.len() != self.spec.act_dim {
            return Err(EnvError::ActionDim {
                env: self.task.id.into(),
                got: action.len(),
                expected: self.spec.act_dim,
            });
        }
        if let Some((index, &value)) = action.iter().enumerate().find(|(_, a)| !a.is_finite()) {
            return Err(EnvError::NonFiniteAction { env: self.task.id.into(), index, value });
        }
        Ok(())
    }

    /// `mj_resetData`, set qpos/qvel, `mj_forward`: the state Gymnasium's reset leaves.
    fn set_qpos_qvel(&mut self, qpos: &[f64], qvel: &[f64]) {
        self.data.reset();
        self.elapsed_steps = 0;
        self.set_and_forward(qpos, qvel);
    }

    fn set_and_forward(&mut self, qpos: &[f64], qvel: &[f64]) {
        self.data.qpos_mut().copy_from_slice(qpos);
        self.data.qvel_mut().copy_from_slice(qvel);
        self.data.forward();
        self.observe();
    }

    /// Gymnasium's `MujocoEnv.set_state`: qpos and qvel set, then `mj_forward`; the rest of the simulator
    /// state (time, controls, the solver's warm start) and the step count stay, as there — unlike
    /// [`Env::reset_to`], which restarts from `mj_resetData`.
    pub fn set_state(&mut self, qpos: &[f64], qvel: &[f64]) -> Result<(), EnvError> {
        let (nq, nv) = (self.data.qpos().len(), self.data.qvel().len());
        if qpos.len() != nq || qvel.len() != nv {
            return Err(EnvError::StateDim {
                env: self.task.id.into(),
                got: qpos.len() + qvel.len(),
                expected: nq + nv,
                what: "qpos then qvel",
            });
        }
        self.set_and_forward(qpos, qvel);
        Ok(())
    }
}

impl Replicate for MujocoEnv {
    /// Another env of the same task sharing this one's model (fresh simulator state at qpos0).
    fn replicate(&self) -> Self {
        Self::with_model(self.task, self.model.clone())
    }
}

impl Env for MujocoEnv {
    fn spec(&self) -> &EnvSpec {
        &self.spec
    }

    fn reset(&mut self, rng: &mut EnvRng) {
        let (scale, normal_velocity) = self.reset_noise();
        // NumPy's uniform(low, high) is low + (high − low)·U[0, 1).
        let uniform = |rng: &mut EnvRng| -scale + (scale - -scale) * rng.random::<f64>();
        let qpos: Vec<f64> = self.model.qpos0().iter().map(|q| q + uniform(rng)).collect();
        let nv = self.spec.state_dim - qpos.len();
        // init_qvel is zero; `0.0 + noise` keeps Gymnasium's arithmetic exactly.
        let qvel: Vec<f64> = (0..nv)
            .map(|_| 0.0 + if normal_velocity { scale * rng.sample::<f64, _>(StandardNormal) } else { uniform(rng) })
            .collect();
        self.set_qpos_qvel(&qpos, &qvel);
    }

    fn reset_to(&mut self, state: &[f64]) -> Result<(), EnvError> {
        if state.len() != self.spec.state_dim {
            return Err(EnvError::StateDim {
                env: self.task.id.into(),
                got: state.len(),
                expected: self.spec.state_dim,
                what: "qpos then qvel",
            });
        }
        let (qpos, qvel) = state.split_at(self.data.qpos().len());
        self.set_qpos_qvel(qpos, qvel);
        Ok(())
    }

    fn state(&self) -> Vec<f64> {
        self.data.qpos().iter().chain(self.data.qvel()).copied().collect()
    }

    fn step(&mut self, action: &[f64]) -> Result<Transition, EnvError> {
        self.check_action(action)?;
        let x_before = self.progress_x();
        self.data.ctrl_mut().copy_from_slice(action);
        for _ in 0..self.task.frame_skip {
            self.data.step();
        }
        if self.task.needs_contact_forces() {
            self.data.rne_post_constraint();
        }
        let x_after = self.progress_x();
        let x_velocity = (x_after - x_before) / self.dt;
        let healthy = self.task.is_healthy.is_none_or(|healthy| healthy(self.data.qpos(), self.data.qvel()));
        self.observe();
        let terms = RewardTerms {
            forward: self.task.forward_weight * x_velocity,
            healthy: self.task.healthy_reward(healthy),
            ctrl_cost: self.task.ctrl_cost_weight * sum_of_squares(action, &mut self.squares),
            contact_cost: self.contact_cost(),
        };
        self.elapsed_steps += 1;
        Ok(Transition {
            // Gymnasium: `rewards = forward + healthy; costs = ctrl_cost + contact_cost; rewards - costs`
            // (+ 0 changes no non-negative cost, so tasks without a contact cost round as v4 does).
            reward: (terms.forward + terms.healthy) - (terms.ctrl_cost + terms.contact_cost),
            terms,
            terminated: !healthy,
            truncated: self.elapsed_steps >= self.spec.max_episode_steps,
        })
    }

    fn observation(&self) -> &[f64] {
        &self.obs
    }
}
