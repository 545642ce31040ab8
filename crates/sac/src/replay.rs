//! The replay buffer: a ring of transitions in f32 (1M Walker2d transitions take ≈ 170 MB).

use rand::Rng;

use crate::SacRng;

#[derive(Debug, Clone, PartialEq)]
pub struct ReplayBuffer {
    pub(crate) capacity: usize,
    pub(crate) obs_dim: usize,
    pub(crate) act_dim: usize,
    pub(crate) obs: Vec<f32>,
    /// Actions scaled to [−1, 1].
    pub(crate) act: Vec<f32>,
    pub(crate) rew: Vec<f32>,
    pub(crate) next_obs: Vec<f32>,
    /// 1 when the episode terminated (not when it was truncated: the value then bootstraps).
    pub(crate) done: Vec<f32>,
    /// Next slot to write.
    pub(crate) pos: usize,
    pub(crate) len: usize,
}

/// A sampled minibatch, row-major.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub size: usize,
    pub obs: Vec<f32>,
    pub act: Vec<f32>,
    pub rew: Vec<f32>,
    pub next_obs: Vec<f32>,
    pub done: Vec<f32>,
}

impl ReplayBuffer {
    pub fn new(capacity: usize, obs_dim: usize, act_dim: usize) -> Self {
        Self {
            capacity,
            obs_dim,
            act_dim,
            obs: Vec::new(),
            act: Vec::new(),
            rew: Vec::new(),
            next_obs: Vec::new(),
            done: Vec::new(),
            pos: 0,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, obs: &[f64], act: &[f32], rew: f64, next_obs: &[f64], terminated: bool) {
        let (o, a) = (self.obs_dim, self.act_dim);
        if self.len < self.capacity {
            // Grow on demand: a short run never allocates the whole capacity.
            self.obs.extend(obs.iter().map(|&x| x as f32));
            self.act.extend_from_slice(act);
            self.rew.push(rew as f32);
            self.next_obs.extend(next_obs.iter().map(|&x| x as f32));
            self.done.push(if terminated { 1.0 } else { 0.0 });
            self.len += 1;
        } else {
            let i = self.pos;
            for (dst, &x) in self.obs[i * o..(i + 1) * o].iter_mut().zip(obs) {
                *dst = x as f32;
            }
            self.act[i * a..(i + 1) * a].copy_from_slice(act);
            self.rew[i] = rew as f32;
            for (dst, &x) in self.next_obs[i * o..(i + 1) * o].iter_mut().zip(next_obs) {
                *dst = x as f32;
            }
            self.done[i] = if terminated { 1.0 } else { 0.0 };
        }
        self.pos = (self.pos + 1) % self.capacity;
    }

    /// Draws `size` transitions uniformly with replacement into `out`.
    pub fn sample(&self, size: usize, rng: &mut SacRng, out: &mut Batch) {
        let (o, a) = (self.obs_dim, self.act_dim);
        out.size = size;
        for v in [&mut out.obs, &mut out.act, &mut out.rew, &mut out.next_obs, &mut out.done] {
            v.clear();
        }
        for _ in 0..size {
            let i = rng.random_range(0..self.len);
            out.obs.extend_from_slice(&self.obs[i * o..(i + 1) * o]);
            out.act.extend_from_slice(&self.act[i * a..(i + 1) * a]);
            out.rew.push(self.rew[i]);
            out.next_obs.extend_from_slice(&self.next_obs[i * o..(i + 1) * o]);
            out.done.push(self.done[i]);
        }
    }
}

/// A checkpoint carries the stored transitions and the ring's position; sizes that disagree with each
/// other or with the configured capacity are refused.
impl butterfly_store::State for ReplayBuffer {
    fn save_state(&self, prefix: &str, c: &mut butterfly_store::Checkpoint) {
        c.put_matrix(&format!("{prefix}obs"), &self.obs, self.obs_dim);
        c.put_matrix(&format!("{prefix}act"), &self.act, self.act_dim);
        c.put_f32(&format!("{prefix}rew"), &self.rew);
        c.put_matrix(&format!("{prefix}next_obs"), &self.next_obs, self.obs_dim);
        c.put_f32(&format!("{prefix}done"), &self.done);
        c.put_count(&format!("{prefix}pos"), self.pos as u64);
        c.put_count(&format!("{prefix}len"), self.len as u64);
    }

    fn load_state(&mut self, prefix: &str, c: &butterfly_store::Checkpoint) -> Result<(), butterfly_store::StoreError> {
        let len = c.count_at_most(&format!("{prefix}len"), self.capacity as u64)? as usize;
        let pos = c.count_at_most(&format!("{prefix}pos"), self.capacity.saturating_sub(1) as u64)? as usize;
        if len < self.capacity && pos != len {
            return Err(c.invalid(format!("the replay buffer holds {len} transitions but writes at {pos}")));
        }
        let (o, a) = (self.obs_dim, self.act_dim);
        self.obs = c.f32_exact(&format!("{prefix}obs"), len * o)?.to_vec();
        self.act = c.f32_exact(&format!("{prefix}act"), len * a)?.to_vec();
        self.rew = c.f32_exact(&format!("{prefix}rew"), len)?.to_vec();
        self.next_obs = c.f32_exact(&format!("{prefix}next_obs"), len * o)?.to_vec();
        self.done = c.f32_exact(&format!("{prefix}done"), len)?.to_vec();
        (self.pos, self.len) = (pos, len);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ring_overwrites_the_oldest_transition() {
        let mut buf = ReplayBuffer::new(3, 1, 1);
        for k in 0..5 {
            buf.push(&[k as f64], &[k as f32], k as f64, &[k as f64 + 0.5], k == 4);
        }
        assert_eq!(buf.len(), 3);
        assert_eq!(buf.obs, vec![3.0, 4.0, 2.0]);
        assert_eq!(buf.done, vec![0.0, 1.0, 0.0]);
        let mut batch = Batch::default();
        buf.sample(50, &mut SacRng::seed_from_u64(0), &mut batch);
        assert!(batch.obs.iter().all(|x| [2.0, 3.0, 4.0].contains(x)));
        assert!(batch.obs.iter().zip(&batch.next_obs).all(|(o, n)| n - o == 0.5));
        assert!(batch.obs.iter().zip(&batch.rew).all(|(o, r)| o == r), "rows stay aligned");
    }
}
