//! Uncertainty of one run's metrics: a percentile bootstrap over its initial conditions. Each resample
//! draws K of the K fixed initial conditions with replacement and recomputes every variant's metric from
//! the per-condition returns; the same resamples serve every variant, so a stabilizer's difference from
//! the raw iterate is paired (same conditions, same evaluations). What it cannot see is the SGD noise of
//! another seed: that needs several runs (a sweep).

use rand::{Rng, SeedableRng};

use crate::stats::interval::Interval;

/// Resamples per interval (the 2.5 % and 97.5 % points are the 25th and 975th of them).
pub const RESAMPLES: usize = 1000;

/// The resamples of `k` initial conditions: `RESAMPLES` lists of `k` indices, from a fixed seed so that a
/// report is the same every time it is written.
pub fn resamples(k: usize) -> Vec<Vec<usize>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0xb007);
    (0..RESAMPLES).map(|_| (0..k).map(|_| rng.random_range(0..k)).collect()).collect()
}

/// `point` with the 2.5–97.5 % percentiles of `replicates` (one per resample) as its interval; `n` is the
/// number of initial conditions. None when a replicate is not finite.
pub fn percentile_interval(point: f64, mut replicates: Vec<f64>, n: usize) -> Option<Interval> {
    if !point.is_finite() || replicates.is_empty() || replicates.iter().any(|x| !x.is_finite()) {
        return None;
    }
    replicates.sort_by(f64::total_cmp);
    let at = |q: f64| replicates[((q * replicates.len() as f64) as usize).min(replicates.len() - 1)];
    Some(Interval { mean: point, low: at(0.025), high: at(0.975), n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bootstrap_of_a_constant_is_that_constant_and_of_a_pair_difference_zero() {
        let per_ic = [3.0; 7];
        let r = resamples(per_ic.len());
        assert_eq!((r.len(), r[0].len()), (RESAMPLES, 7));
        let mean = |idx: &[usize]| idx.iter().map(|&i| per_ic[i]).sum::<f64>() / idx.len() as f64;
        let i = percentile_interval(3.0, r.iter().map(|idx| mean(idx)).collect(), 7).unwrap();
        assert_eq!((i.low, i.high), (3.0, 3.0));
        // Identical variants differ by exactly zero on every resample.
        let d = percentile_interval(0.0, r.iter().map(|idx| mean(idx) - mean(idx)).collect(), 7).unwrap();
        assert!(!d.excludes_zero() && d.low == 0.0 && d.high == 0.0);
        assert_eq!(resamples(7), r, "a fixed seed: the same report every time");
    }

    #[test]
    fn the_interval_of_a_mean_covers_its_spread() {
        // Returns 0 and 10 on alternate conditions: the mean's bootstrap interval is about 5 ± 1.96·5/√20.
        let per_ic: Vec<f64> = (0..20).map(|i| if i % 2 == 0 { 0.0 } else { 10.0 }).collect();
        let r = resamples(per_ic.len());
        let reps = r.iter().map(|idx| idx.iter().map(|&i| per_ic[i]).sum::<f64>() / 20.0).collect();
        let i = percentile_interval(5.0, reps, 20).unwrap();
        let half = 1.96 * 5.0 / 20f64.sqrt();
        assert!((i.low - (5.0 - half)).abs() < 0.6 && (i.high - (5.0 + half)).abs() < 0.6, "{i:?}");
        assert!(percentile_interval(f64::NAN, vec![1.0], 1).is_none());
    }
}
