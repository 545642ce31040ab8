//! Independent trials run in parallel, reduced in a fixed order.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::{Estimate, TheoryError};

/// How many trials, from which seed, the confidence level of the reported intervals, and the threads the
/// trials run on (a pool of this estimate's own; the results do not depend on the count).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MonteCarlo {
    pub trials: usize,
    pub seed: u64,
    pub confidence: f64,
    pub threads: usize,
}

impl MonteCarlo {
    /// Runs `trial` once per trial index and estimates the mean of each of its K outputs.
    ///
    /// Trial i draws from its own stream (the seed's ChaCha8 stream number i), so the result does not depend
    /// on which thread ran which trial, and trial i sees the same noise in every configuration of a sweep
    /// (common random numbers, which make differences between configurations less noisy). Outputs are
    /// collected in trial order and summed sequentially: bit-identical for a given seed.
    pub fn estimate<const K: usize>(
        &self,
        trial: impl Fn(&mut ChaCha8Rng) -> [f64; K] + Sync,
    ) -> Result<[Estimate; K], TheoryError> {
        TheoryError::check_count("the number of trials", self.trials, 2)?;
        crate::estimate::z_score(self.confidence)?;
        // Every trial's K outputs are kept, then one quantity's samples at a time are copied out.
        let trials = self.trials as u128;
        butterfly_store::memory::ensure_fits(&[
            ("the outputs of the Monte Carlo trials", trials, 8 * K as u128),
            ("one quantity's samples", trials, 8),
        ])?;
        let threads = butterfly_store::threads::check_threads("--threads", self.threads)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| TheoryError::Threads(e.to_string()))?;
        let outputs: Vec<[f64; K]> = pool.install(|| {
            (0..self.trials)
                .into_par_iter()
                .map(|i| {
                    let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
                    rng.set_stream(i as u64);
                    trial(&mut rng)
                })
                .collect()
        });
        let mut estimates = [Estimate { mean: 0.0, ci_low: 0.0, ci_high: 0.0 }; K];
        for (k, estimate) in estimates.iter_mut().enumerate() {
            let samples: Vec<f64> = outputs.iter().map(|o| o[k]).collect();
            *estimate = Estimate::from_samples(&samples, self.confidence)?;
        }
        Ok(estimates)
    }
}
