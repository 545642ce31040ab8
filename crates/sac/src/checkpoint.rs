//! Everything a run needs to continue: networks, optimizer states, replay buffer, generator, env state
//! and counters, as named tensors and scalars in one checkpoint.
//!
//! Periodic checkpoints are taken right after an episode reset, where (qpos, qvel) is the whole
//! simulator state, so resuming from them continues bit for bit. The final checkpoint may fall
//! mid-episode; resuming from it restores qpos/qvel but not MuJoCo's solver warm start.

use butterfly_envs::{Env, Replicate};
use butterfly_store::{Checkpoint, State};

use crate::SacError;
use crate::trainer::Trainer;

/// Version 2: named scalars and checksums (version 1 stored counters by position).
pub(crate) const FORMAT: &str = "butterfly-sac-checkpoint-2";

impl<E: Env + Replicate + Sync> Trainer<E> {
    pub(crate) fn save_checkpoint(&self) -> Result<(), SacError> {
        let mut c = Checkpoint::new(FORMAT);
        c.record_config(self.run.config_text());
        let sac = &self.sac;
        c.put_f32("theta_actor", &sac.theta_actor);
        c.put_f32("theta_critic", &sac.theta_critic);
        c.put_f32("theta_target", &sac.theta_target);
        c.put_f32("log_alpha", &sac.log_alpha);
        sac.opt_actor.save_state("opt_actor.", &mut c);
        sac.opt_critic.save_state("opt_critic.", &mut c);
        sac.opt_alpha.save_state("opt_alpha.", &mut c);
        self.buffer.save_state("buffer.", &mut c);
        c.put_rng("rng", &self.rng);
        c.put_count("step", self.step);
        c.put_count("episodes", self.episodes);
        c.put_count("episode_len", self.episode_len as u64);
        c.put_real("episode_return", self.episode_return);
        c.put_real("best_eval", self.best_eval);
        c.put_f64("env_state", &self.env.state());
        c.put_f64("recent_returns", &self.recent.iter().copied().collect::<Vec<f64>>());
        self.logs.record(&mut c)?;
        c.set_meta("env", self.spec.id);
        c.set_meta("obs_dim", self.spec.obs_dim);
        c.set_meta("act_dim", self.spec.act_dim);
        c.set_meta("step", self.step);
        self.run.save_checkpoint(c)?;
        Ok(())
    }

    /// Restores every part and checks that the counters agree with each other and with the config.
    pub(crate) fn restore(&mut self, c: &Checkpoint) -> Result<(), SacError> {
        if c.meta("env")? != self.spec.id {
            return Err(c.invalid(format!("is a checkpoint of {}, not {}", c.meta("env")?, self.spec.id)).into());
        }
        let step = c.count_at_most("step", self.config.steps)?;
        let copy = |dst: &mut Vec<f32>, name: &str| -> Result<(), SacError> {
            let src = c.f32_exact(name, dst.len())?;
            dst.copy_from_slice(src);
            Ok(())
        };
        let sac = &mut self.sac;
        copy(&mut sac.theta_actor, "theta_actor")?;
        copy(&mut sac.theta_critic, "theta_critic")?;
        copy(&mut sac.theta_target, "theta_target")?;
        copy(&mut sac.log_alpha, "log_alpha")?;
        sac.opt_actor.load_state("opt_actor.", c)?;
        sac.opt_critic.load_state("opt_critic.", c)?;
        sac.opt_alpha.load_state("opt_alpha.", c)?;
        let updates = step.saturating_sub(sac.config.learning_starts as u64);
        for (name, steps) in [
            ("actor", sac.opt_actor.step_count()),
            ("critic", sac.opt_critic.step_count()),
            ("alpha", sac.opt_alpha.step_count()),
        ] {
            if steps != updates {
                return Err(c
                    .invalid(format!("the {name} optimizer took {steps} steps, step {step} needs {updates}"))
                    .into());
            }
        }
        self.buffer.load_state("buffer.", c)?;
        if self.buffer.len as u64 != step.min(self.buffer.capacity as u64) {
            return Err(c
                .invalid(format!("the replay buffer holds {} transitions at step {step}", self.buffer.len))
                .into());
        }
        self.rng = c.rng("rng")?;
        self.episodes = c.count_at_most("episodes", step)?;
        self.episode_len = c.count_at_most("episode_len", self.spec.max_episode_steps as u64)? as usize;
        self.episode_return = c.real("episode_return")?;
        self.best_eval = c.real("best_eval")?;
        self.env.reset_to(c.f64("env_state")?)?;
        self.recent = c.f64("recent_returns")?.iter().copied().collect();
        self.step = step;
        Ok(())
    }
}
