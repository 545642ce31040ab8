//! Stabilizers chosen after training, from what a run kept. Post-hoc EMA (Karras et al., EDM2, 2024):
//! power-function EMAs tracked during training, whose kept snapshots are combined into the EMA of any other
//! width. Checkpoint averages: LAWA (the uniform mean of the last k kept raw iterates) and the tail average
//! of every kept raw iterate from a step on.
//!
//! A power EMA of exponent p at step t weights iterate τ ≤ t by the profile f(τ) = (p + 1) τ^p / t^(p+1);
//! its relative width is σ_rel = √((p + 1) / ((p + 2)² (p + 3))). The EMA of width σ at step T is the
//! combination Σ w_k θ̂_k of snapshots (p_k, t_k) whose profiles best match its own in L²; the inner product
//! of two profiles has a closed form, so the weights solve a small linear system.

use std::path::Path;

use butterfly_store::StoreError;

use crate::kept::KeptTensors;
use crate::{StabilizerSpec, TrainError, kept_steps};

/// σ_rel of the power EMA of exponent `p`.
pub fn sigma_rel(p: f64) -> f64 {
    ((p + 1.0) / ((p + 2.0).powi(2) * (p + 3.0))).sqrt()
}

/// The exponent p ≥ 0 whose power EMA has relative width `sigma_rel` (0 < σ_rel ≤ σ_rel(0) ≈ 0.289): the
/// largest root of p³ + 7p² + (16 − σ⁻²)p + 12 − σ⁻² = 0, by Newton's method from above (the cubic is
/// convex there, so the iterates fall monotonically onto it).
pub fn exponent_of(sigma_rel: f64) -> Result<f64, TrainError> {
    let widest = self::sigma_rel(0.0);
    if !(sigma_rel > 0.0 && sigma_rel <= widest) {
        let what = format!("stabilizer: a power EMA needs 0 < sigma_rel ≤ {widest:.4}, got {sigma_rel}");
        return Err(TrainError::Config(what));
    }
    let t = sigma_rel.powi(-2);
    let cubic = |p: f64| ((p + 7.0) * p + 16.0 - t) * p + 12.0 - t;
    let slope = |p: f64| (3.0 * p + 14.0) * p + 16.0 - t;
    let mut p = t;
    for _ in 0..200 {
        let next = p - cubic(p) / slope(p);
        if (p - next).abs() <= 1e-12 * p.max(1.0) {
            return Ok(next.max(0.0));
        }
        p = next;
    }
    Ok(p.max(0.0))
}

/// ⟨f_a, f_b⟩ over τ ≥ 0 for the profiles of (p_a, t_a) and (p_b, t_b), in log space (the powers overflow).
fn inner(a: (f64, f64), b: (f64, f64)) -> f64 {
    let ((pa, ta), (pb, tb)) = (a, b);
    let m = ta.min(tb);
    let log = (pa + 1.0).ln() + (pb + 1.0).ln() + (pa + pb + 1.0) * m.ln()
        - (pa + pb + 1.0).ln()
        - (pa + 1.0) * ta.ln()
        - (pb + 1.0) * tb.ln();
    log.exp()
}

/// The weights of `snapshots` (exponent, step) whose combination best matches the power EMA `target`
/// (exponent, step) in L²: the normal equations solved by Gaussian elimination with partial pivoting.
pub fn reconstruction_weights(snapshots: &[(f64, f64)], target: (f64, f64)) -> Result<Vec<f64>, TrainError> {
    let n = snapshots.len();
    if n == 0 || snapshots.iter().chain([&target]).any(|&(p, t)| !(p >= 0.0 && t >= 1.0)) {
        return Err(TrainError::Config("post-hoc EMA: no snapshot, or a snapshot before step 1".into()));
    }
    // Steps in units of the target's: the same solution, tamer numbers.
    let scaled = |(p, t): (f64, f64)| (p, t / target.1);
    let mut a: Vec<Vec<f64>> = snapshots
        .iter()
        .map(|&s| {
            let mut row: Vec<f64> = snapshots.iter().map(|&r| inner(scaled(s), scaled(r))).collect();
            row.push(inner(scaled(s), scaled(target)));
            row
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs())).expect("rows left");
        a.swap(col, pivot);
        if a[col][col].abs() < 1e-300 {
            return Err(TrainError::Config("post-hoc EMA: two snapshots have the same profile".into()));
        }
        for row in col + 1..n {
            let (above, below) = a.split_at_mut(row);
            let (pivot, target) = (&above[col], &mut below[0]);
            let f = target[col] / pivot[col];
            for (x, p) in target[col..].iter_mut().zip(&pivot[col..]) {
                *x -= f * p;
            }
        }
    }
    let mut w = vec![0.0; n];
    for row in (0..n).rev() {
        let rest: f64 = (row + 1..n).map(|k| a[row][k] * w[k]).sum();
        w[row] = (a[row][n] - rest) / a[row][row];
    }
    Ok(w)
}

/// The stabilizers in the config of the run in `dir` (its `[[stabilizers]]`).
pub fn run_stabilizers(dir: &Path) -> Result<Vec<StabilizerSpec>, TrainError> {
    let bad = |what: String| TrainError::Store(StoreError::RunDir { path: dir.to_path_buf(), what });
    let config = std::fs::read_to_string(dir.join(butterfly_store::run_dir::CONFIG))
        .map_err(|e| bad(format!("has no readable config: {e}")))?;
    let table: toml::Table = config.parse().map_err(|e| bad(format!("config: {e}")))?;
    match table.get("stabilizers") {
        Some(v) => v.clone().try_into().map_err(|e| bad(format!("stabilizers: {e}"))),
        None => Ok(Vec::new()),
    }
}

/// The power EMAs the run in `dir` tracked at every step, whose snapshots a reconstruction combines:
/// (name, exponent); refused when there is none.
pub fn tracked_powers(dir: &Path) -> Result<Vec<(String, f64)>, TrainError> {
    let mut tracked = Vec::new();
    for spec in &run_stabilizers(dir)? {
        if let StabilizerSpec::Power { sigma_rel, every: 1, .. } = spec {
            let ema = spec.build(&[])?;
            tracked.push((crate::Stabilizer::name(&ema).to_string(), exponent_of(*sigma_rel)?));
        }
    }
    if tracked.is_empty() {
        let what = "tracked no power EMA (kind = \"power\", every = 1): there is nothing to reconstruct an EMA from";
        return Err(TrainError::Store(StoreError::RunDir { path: dir.to_path_buf(), what: what.into() }));
    }
    Ok(tracked)
}

/// A snapshot's weight in a reconstruction: (variant, step, weight).
pub type Weight = (String, u64, f64);

/// The EMA of width `sigma_rel` at kept step `step` of the run in `dir`, from the kept snapshots (every kept
/// step up to `step`) of the run's power EMAs (`kind = "power"` in its config). Returns θ and the weights
/// used, by (variant, step).
pub fn reconstruct(dir: &Path, sigma_rel: f64, step: u64) -> Result<(Vec<f32>, Vec<Weight>), TrainError> {
    reconstruct_from(&mut KeptTensors::new(dir), sigma_rel, step)
}

/// [`reconstruct`] reading the snapshots through `kept`, which keeps them for the next step's.
pub fn reconstruct_from(
    kept: &mut KeptTensors,
    sigma_rel: f64,
    step: u64,
) -> Result<(Vec<f32>, Vec<Weight>), TrainError> {
    let dir = kept.run();
    let bad = |what: String| TrainError::Store(StoreError::RunDir { path: dir.to_path_buf(), what });
    let tracked = tracked_powers(dir)?;
    let steps: Vec<u64> = kept_steps(dir).into_iter().filter(|&s| s >= 1 && s <= step).collect();
    if !steps.contains(&step) {
        return Err(bad(format!("kept no parameters at step {step}")));
    }
    let snapshots: Vec<(String, u64, f64)> =
        steps.iter().flat_map(|&s| tracked.iter().map(move |(name, p)| (name.clone(), s, *p))).collect();
    let profiles: Vec<(f64, f64)> = snapshots.iter().map(|(_, s, p)| (*p, *s as f64)).collect();
    let weights = reconstruction_weights(&profiles, (exponent_of(sigma_rel)?, step as f64))?;
    let mut theta: Vec<f64> = Vec::new();
    for ((name, s, _), w) in snapshots.iter().zip(&weights) {
        accumulate(&mut theta, *w, kept.get(*s, name)?);
    }
    let used = snapshots.into_iter().zip(weights).map(|((name, s, _), w)| (name, s, w)).collect();
    Ok((theta.into_iter().map(|x| x as f32).collect(), used))
}

/// Adds `w · snapshot` to a reconstruction's f64 sum (snapshot after snapshot, in order; the sum is rounded
/// to f32 once at the end): [`reconstruct`]'s arithmetic, shared with in-memory snapshots (python/src).
pub fn accumulate(sum: &mut Vec<f64>, w: f64, snapshot: &[f32]) {
    sum.resize(snapshot.len(), 0.0);
    for (t, &x) in sum.iter_mut().zip(snapshot) {
        *t += w * x as f64;
    }
}

/// The uniform mean of the raw iterates kept at `steps` (in f64, in order).
fn mean_of_kept(kept: &mut KeptTensors, steps: &[u64]) -> Result<Vec<f32>, TrainError> {
    let mut sum: Vec<f64> = Vec::new();
    for &s in steps {
        let raw = kept.get(s, "raw")?;
        sum.resize(raw.len(), 0.0);
        for (t, &x) in sum.iter_mut().zip(raw) {
            *t += x as f64;
        }
    }
    Ok(sum.into_iter().map(|t| (t / steps.len() as f64) as f32).collect())
}

/// LAWA at kept step `step`: the uniform mean of the raw iterates of the last `k` kept steps up to it
/// (fewer at the start of the run).
pub fn lawa(kept: &mut KeptTensors, k: usize, step: u64) -> Result<Vec<f32>, TrainError> {
    let dir = kept.run();
    let bad = |what: String| TrainError::Store(StoreError::RunDir { path: dir.to_path_buf(), what });
    if k == 0 {
        return Err(TrainError::Config("LAWA needs k ≥ 1 kept iterates".into()));
    }
    let steps: Vec<u64> = kept_steps(dir).into_iter().filter(|&s| s <= step).collect();
    if steps.last() != Some(&step) {
        return Err(bad(format!("kept no parameters at step {step}")));
    }
    mean_of_kept(kept, &steps[steps.len().saturating_sub(k)..])
}

/// The tail average at kept step `step`: the uniform mean of every raw iterate kept from step `from` to it.
pub fn tail_average(kept: &mut KeptTensors, from: u64, step: u64) -> Result<Vec<f32>, TrainError> {
    let dir = kept.run();
    let bad = |what: String| TrainError::Store(StoreError::RunDir { path: dir.to_path_buf(), what });
    let steps: Vec<u64> = kept_steps(dir).into_iter().filter(|&s| s >= from && s <= step).collect();
    if steps.last() != Some(&step) {
        return Err(bad(format!("kept no parameters at step {step} (from {from})")));
    }
    mean_of_kept(kept, &steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_width_and_the_exponent_invert_each_other() {
        for p in [0.0, 1.5, 6.94, 16.97, 50.0, 400.0] {
            let back = exponent_of(sigma_rel(p)).unwrap();
            assert!((back - p).abs() < 1e-6 * (1.0 + p), "{p} → {back}");
        }
        // EDM2's reference point: σ_rel = 0.10 is p ≈ 6.94.
        assert!((exponent_of(0.10).unwrap() - 6.94).abs() < 0.01);
        assert!(exponent_of(0.3).is_err() && exponent_of(0.0).is_err());
    }

    /// The discrete power EMA of a sequence, as the stabilizer computes it.
    fn power_ema(p: f64, xs: &[f64]) -> f64 {
        let mut avg = 0.0;
        for (k, &x) in xs.iter().enumerate() {
            let s = (k + 1) as f64;
            let g = 1.0 - (1.0 - 1.0 / s).powf(p + 1.0);
            avg += g * (x - avg);
        }
        avg
    }

    #[test]
    fn two_widths_reconstruct_a_third_one_of_a_wandering_sequence() {
        // A wandering scalar "parameter": what an SGD iterate does.
        let xs: Vec<f64> = (1..=3000).map(|t| (t as f64 / 300.0).sin() + (t as f64 / 47.0).cos() * 0.3).collect();
        let (p1, p2, target) = (exponent_of(0.05).unwrap(), exponent_of(0.15).unwrap(), exponent_of(0.10).unwrap());
        let mut snapshots = Vec::new();
        let mut values = Vec::new();
        for t in (100..=3000).step_by(100) {
            for p in [p1, p2] {
                snapshots.push((p, t as f64));
                values.push(power_ema(p, &xs[..t]));
            }
        }
        let w = reconstruction_weights(&snapshots, (target, 3000.0)).unwrap();
        let rebuilt: f64 = w.iter().zip(&values).map(|(w, v)| w * v).sum();
        let direct = power_ema(target, &xs);
        let raw = xs[xs.len() - 1];
        assert!(
            (rebuilt - direct).abs() < 0.02 * (raw - direct).abs(),
            "rebuilt {rebuilt}, tracked {direct}, raw {raw}"
        );
        // The weights reproduce the target's profile: they sum to one (both integrate to 1).
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-3, "{}", w.iter().sum::<f64>());
    }
}
