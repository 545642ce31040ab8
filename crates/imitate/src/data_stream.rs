//! Fresh data as the paper means it (`data.stream = true`): no sample is drawn twice and every trajectory
//! starts from a new i.i.d. initial condition. The expert's trajectories come in pools of
//! `data.trajectories`; each minibatch draws its rows without replacement from the rows of the current pool
//! not yet drawn (so a minibatch mixes many trajectories), and when fewer than a minibatch remain the next
//! pool takes over and the remainder is never used. The next pool is collected on its own thread while
//! training draws from the current one; its contents depend only on the data generator, never on timing,
//! so a run is the same whether or not collection kept up.
//!
//! Cost: one expert step (env step and expert forward) per training row, `steps × batch_size ×
//! accumulation` in all, and the rows a pool leaves over.

use std::thread::JoinHandle;

use butterfly_envs::{EnvRng, Replicate, TaskEnv};
use butterfly_store::Checkpoint;
use rand::Rng;

use crate::{Dataset, Expert, ImitateError, collect};

/// A pool collected, with the data generator as collecting left it.
type Collected = Result<(Dataset, EnvRng), ImitateError>;

/// The stream of fresh expert rows of one run.
pub struct DataStream {
    env: TaskEnv,
    expert: Expert,
    /// Trajectories a pool, their horizon, and the threads that collect them.
    trajectories: usize,
    horizon: usize,
    threads: usize,
    pool: Dataset,
    /// Rows of `pool` not drawn yet.
    unused: Vec<u32>,
    /// Pools begun before the current one.
    begun: u64,
    /// The data generator before the next pool's initial conditions.
    rng: EnvRng,
    next: Option<JoinHandle<Collected>>,
}

impl DataStream {
    /// The stream whose first pool is `first` (collected with the generator that is now at `rng`).
    pub fn new(
        env: TaskEnv,
        expert: Expert,
        (trajectories, horizon, threads): (usize, usize, usize),
        first: Dataset,
        rng: EnvRng,
    ) -> Self {
        let unused = (0..first.len() as u32).collect();
        Self { env, expert, trajectories, horizon, threads, pool: first, unused, begun: 0, rng, next: None }
    }

    /// The current pool and `batch` of its rows drawn without replacement with `rng`; the next pool takes
    /// over first when fewer than `batch` rows are left.
    pub fn draw(&mut self, batch: usize, rng: &mut EnvRng) -> Result<(&Dataset, Vec<usize>), ImitateError> {
        // The next pool is collected from the first draw on (not before: a resumed run first loads its state).
        let next = self.next.take().unwrap_or_else(|| self.collector());
        if self.unused.len() >= batch {
            self.next = Some(next);
        } else {
            let (pool, rng_after) =
                next.join().map_err(|_| ImitateError::Config("the data stream's collector panicked".into()))??;
            if pool.len() < batch {
                let what = format!("a pool of {} rows cannot fill a minibatch of {batch}", pool.len());
                return Err(ImitateError::Config(format!("data.stream: {what}; raise data.trajectories")));
            }
            self.unused = (0..pool.len() as u32).collect();
            self.pool = pool;
            self.rng = rng_after;
            self.begun += 1;
            self.next = Some(self.collector());
        }
        let rows =
            (0..batch).map(|_| self.unused.swap_remove(rng.random_range(0..self.unused.len())) as usize).collect();
        Ok((&self.pool, rows))
    }

    /// A thread collecting the pool after the current one.
    fn collector(&self) -> JoinHandle<Collected> {
        let (env, expert) = (self.env.replicate(), self.expert.clone());
        let (n, horizon, threads, mut rng) = (self.trajectories, self.horizon, self.threads, self.rng.clone());
        std::thread::spawn(move || {
            let pool = collect(&env, &expert, n, horizon, &mut rng, threads)?;
            Ok((pool, rng))
        })
    }

    /// The current pool, its undrawn rows, and the generator before the next pool.
    pub fn save(&self, c: &mut Checkpoint) {
        c.put_section("stream_pool.", self.pool.to_file());
        c.put_words("stream_unused", &self.unused.iter().map(|&r| r as u64).collect::<Vec<_>>());
        c.put_count("stream_pools", self.begun);
        c.put_rng("stream_rng", &self.rng);
    }

    /// The stream as `c` saved it (before its first draw); the next pool is collected again from the saved
    /// generator.
    pub fn load(&mut self, c: &Checkpoint) -> Result<(), ImitateError> {
        let mut pool = c.section("stream_pool.");
        pool.metadata = self.pool.to_file().metadata;
        let pool = Dataset::from_file(&pool)?;
        let unused = c.words("stream_unused")?;
        if pool.is_empty() || unused.iter().any(|&r| r >= pool.len() as u64) {
            return Err(c.invalid("holds a data stream whose undrawn rows are not rows of its pool").into());
        }
        self.unused = unused.iter().map(|&r| r as u32).collect();
        self.pool = pool;
        self.begun = c.count("stream_pools")?;
        self.rng = c.rng("stream_rng")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use butterfly_envs::{Purpose, seed_stream};

    use super::*;

    /// Every draw is a row of the pool in use, none twice; each pool is the next batch of trajectories of
    /// the data generator (fresh initial conditions), whatever the collector's timing.
    #[test]
    fn rows_are_never_drawn_twice_and_pools_follow_the_generator() {
        let env = TaskEnv::make("LinearSystem", None).unwrap();
        let expert = Expert::load("linear", &env).unwrap();
        let (n, horizon, batch) = (3, 10, 7);
        let mut data_rng = seed_stream(5, Purpose::TrainData);
        let mut expected = Vec::new();
        for _ in 0..5 {
            expected.push(collect(&env, &expert, n, horizon, &mut data_rng, 1).unwrap());
        }
        let mut rng = seed_stream(5, Purpose::TrainData);
        let first = collect(&env, &expert, n, horizon, &mut rng, 2).unwrap();
        let mut stream = DataStream::new(env.replicate(), expert, (n, horizon, 2), first, rng);
        let mut draws = seed_stream(5, Purpose::Training);
        let (mut pool_index, mut seen, mut previous) = (0, BTreeSet::new(), None::<Dataset>);
        // 30 rows a pool, 7 a draw: four draws a pool and two rows left over.
        for _ in 0..16 {
            let (pool, rows) = stream.draw(batch, &mut draws).unwrap();
            if previous.as_ref() != Some(pool) {
                assert!(previous.is_none() || seen.len() == 28, "a pool gave way with rows left for a draw");
                previous = Some(pool.clone());
                assert_eq!(pool, &expected[pool_index], "pool {pool_index} is not the generator's next");
                pool_index += 1;
                seen.clear();
            }
            for r in rows {
                assert!(seen.insert(r), "row {r} of pool {pool_index} drawn twice");
            }
        }
        assert_eq!(pool_index, 4);
        assert_ne!(expected[0].inputs[..2], expected[1].inputs[..2], "pools start from new initial conditions");
    }
}
