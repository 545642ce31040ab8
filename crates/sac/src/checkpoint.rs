//! Everything a run needs to continue: networks, optimizer states, replay buffer, generator, env state
//! and counters, in one safetensors file written atomically.
//!
//! Periodic checkpoints are taken right after an episode reset, where (qpos, qvel) is the whole
//! simulator state, so resuming from them continues bit for bit. The final checkpoint may fall
//! mid-episode; resuming from it restores qpos/qvel but not MuJoCo's solver warm start.

use std::collections::VecDeque;

use butterfly_envs::{Env, Replicate, rng_from_state, rng_state};
use butterfly_store::{StoreError, Tensor, TensorFile};

use crate::SacError;
use crate::trainer::Trainer;

const FORMAT: &str = "butterfly-sac-checkpoint-1";

/// Counters stored as one u64 tensor, in this order.
const COUNTERS: [&str; 8] = [
    "step",
    "episodes",
    "opt_actor_steps",
    "opt_critic_steps",
    "opt_alpha_steps",
    "buffer_pos",
    "buffer_len",
    "episode_len",
];

pub(crate) fn log_lengths(file: &TensorFile) -> Result<[u64; 3], SacError> {
    let lens = file.u64("log_lengths")?;
    lens.try_into()
        .map_err(|_| SacError::Checkpoint { path: file.path.clone(), what: "log_lengths must have 3 entries".into() })
}

impl<E: Env + Replicate + Sync> Trainer<E> {
    pub(crate) fn save_checkpoint(&self) -> Result<(), SacError> {
        let mut f = TensorFile::default();
        let f32s = |v: &[f32]| Tensor::F32(v.to_vec());
        let sac = &self.sac;
        f.insert("theta_actor", vec![sac.theta_actor.len()], f32s(&sac.theta_actor));
        f.insert("theta_critic", vec![sac.theta_critic.len()], f32s(&sac.theta_critic));
        f.insert("theta_target", vec![sac.theta_target.len()], f32s(&sac.theta_target));
        f.insert("log_alpha", vec![1], f32s(&sac.log_alpha));
        for (name, opt) in
            [("opt_actor", &sac.opt_actor), ("opt_critic", &sac.opt_critic), ("opt_alpha", &sac.opt_alpha)]
        {
            f.insert(name, vec![opt.state().len()], f32s(opt.state()));
        }
        let b = &self.buffer;
        let (n, o, a) = (b.len, b.obs_dim, b.act_dim);
        f.insert("buffer.obs", vec![n, o], f32s(&b.obs));
        f.insert("buffer.act", vec![n, a], f32s(&b.act));
        f.insert("buffer.rew", vec![n], f32s(&b.rew));
        f.insert("buffer.next_obs", vec![n, o], f32s(&b.next_obs));
        f.insert("buffer.done", vec![n], f32s(&b.done));
        f.insert("rng", vec![7], Tensor::U64(rng_state(&self.rng)));
        let counters = vec![
            self.step,
            self.episodes,
            sac.opt_actor.step_count(),
            sac.opt_critic.step_count(),
            sac.opt_alpha.step_count(),
            b.pos as u64,
            b.len as u64,
            self.episode_len as u64,
        ];
        f.insert("counters", vec![COUNTERS.len()], Tensor::U64(counters));
        let lengths = self.logs.lengths()?;
        f.insert("log_lengths", vec![3], Tensor::U64(lengths.to_vec()));
        let state = self.env.state();
        f.insert("env_state", vec![state.len()], Tensor::F64(state));
        f.insert("returns", vec![2], Tensor::F64(vec![self.episode_return, self.best_eval]));
        let recent: Vec<f64> = self.recent.iter().copied().collect();
        f.insert("recent_returns", vec![recent.len()], Tensor::F64(recent));
        f.set_meta("format", FORMAT);
        f.set_meta("env", self.spec.id);
        f.set_meta("obs_dim", self.spec.obs_dim);
        f.set_meta("act_dim", self.spec.act_dim);
        f.set_meta("step", self.step);
        f.save(&Self::checkpoint_path(&self.options.out_dir))?;
        Ok(())
    }

    pub(crate) fn restore(&mut self, f: &TensorFile) -> Result<(), SacError> {
        let bad = |what: String| SacError::Checkpoint { path: f.path.clone(), what };
        if f.meta("format")? != FORMAT {
            return Err(bad(format!("not a {FORMAT} file")));
        }
        if f.meta("env")? != self.spec.id {
            return Err(bad(format!("checkpoint of {}, not {}", f.meta("env")?, self.spec.id)));
        }
        let copy = |dst: &mut Vec<f32>, name: &str| -> Result<(), SacError> {
            let src = f.f32(name)?;
            if src.len() != dst.len() {
                return Err(SacError::Store(StoreError::TensorType {
                    path: f.path.clone(),
                    name: name.into(),
                    got: format!("{} values", src.len()),
                    expected: format!("{} (the configured network)", dst.len()),
                }));
            }
            dst.copy_from_slice(src);
            Ok(())
        };
        let sac = &mut self.sac;
        copy(&mut sac.theta_actor, "theta_actor")?;
        copy(&mut sac.theta_critic, "theta_critic")?;
        copy(&mut sac.theta_target, "theta_target")?;
        copy(&mut sac.log_alpha, "log_alpha")?;
        let counters = f.u64("counters")?;
        if counters.len() != COUNTERS.len() {
            return Err(bad("counters has the wrong length".into()));
        }
        sac.opt_actor.restore(counters[2], f.f32("opt_actor")?)?;
        sac.opt_critic.restore(counters[3], f.f32("opt_critic")?)?;
        sac.opt_alpha.restore(counters[4], f.f32("opt_alpha")?)?;
        let b = &mut self.buffer;
        let len = counters[6] as usize;
        if len > b.capacity {
            return Err(bad(format!("{len} transitions exceed the configured buffer_size {}", b.capacity)));
        }
        b.obs = f.f32("buffer.obs")?.to_vec();
        b.act = f.f32("buffer.act")?.to_vec();
        b.rew = f.f32("buffer.rew")?.to_vec();
        b.next_obs = f.f32("buffer.next_obs")?.to_vec();
        b.done = f.f32("buffer.done")?.to_vec();
        let consistent = b.obs.len() == len * b.obs_dim
            && b.next_obs.len() == len * b.obs_dim
            && b.act.len() == len * b.act_dim
            && b.rew.len() == len
            && b.done.len() == len;
        if !consistent {
            return Err(bad("replay buffer tensors disagree with its length".into()));
        }
        b.len = len;
        b.pos = counters[5] as usize;
        self.rng = rng_from_state(f.u64("rng")?).ok_or_else(|| bad("rng must have 7 words".into()))?;
        self.step = counters[0];
        self.episodes = counters[1];
        self.episode_len = counters[7] as usize;
        self.env.reset_to(f.f64("env_state")?)?;
        let returns = f.f64("returns")?;
        if returns.len() != 2 {
            return Err(bad("returns must have 2 entries".into()));
        }
        self.episode_return = returns[0];
        self.best_eval = returns[1];
        self.recent = f.f64("recent_returns")?.iter().copied().collect::<VecDeque<f64>>();
        Ok(())
    }
}
