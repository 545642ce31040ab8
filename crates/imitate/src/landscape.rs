//! Reward landscapes around an evaluation checkpoint (paper Figure 1, right): J_H and the held-out BC
//! loss on the grid θ + s·d₁ + t·d₂, where d₁, d₂ are two independent minibatch gradient steps at θ.
//! The BC loss is smooth there; J_H, through the closed loop, often is not.

use std::collections::BTreeMap;
use std::path::Path;

use butterfly_envs::{Env, TaskEnv, env_rng, evaluate, initial_conditions};
use butterfly_nn::Threads;

use crate::run_dir::{TRAIN_DATA, VALIDATION_DATA};
use crate::{BcConfig, Dataset, ImitateError, Imitator};

/// What to compute.
#[derive(Debug, Clone)]
pub struct LandscapeSpec {
    /// An evaluation step of the run (its parameters are kept in checkpoints/params_*.safetensors).
    pub step: u64,
    /// `raw` or a stabilizer's name.
    pub variant: String,
    /// Points per axis (odd puts θ itself at the centre).
    pub grid: usize,
    /// The axes run over ±span minibatch SGD steps (d = learning rate × minibatch gradient).
    pub span: f64,
    /// Initial conditions per point (default: the run's evaluation set).
    pub initial_conditions: Option<usize>,
    /// Seed of the two minibatches.
    pub seed: u64,
    pub threads: usize,
}

#[derive(Debug, Clone)]
pub struct Landscape {
    /// Axis coordinates, in SGD steps.
    pub coords: Vec<f64>,
    /// Mean J_H at (s_i, t_j), row-major by i.
    pub returns: Vec<f64>,
    /// Held-out BC loss at (s_i, t_j).
    pub bc_loss: Vec<f64>,
    /// Mean |difference| between grid neighbours relative to the surface's range: "jagged vs smooth".
    pub return_roughness: f64,
    pub loss_roughness: f64,
    /// Mean |difference| of J_H between grid neighbours, unnormalized: comparable across variants
    /// (roughness divides by each surface's own range, which flatters a jagged surface with a wide range).
    pub return_neighbour_change: f64,
    /// The norms of the two steps d₁, d₂ and the learning rate they used.
    pub step_norms: [f64; 2],
    pub lr: f64,
}

/// Mean |f(a) − f(b)| over horizontally and vertically adjacent grid points.
pub fn mean_neighbour_change(values: &[f64], grid: usize) -> f64 {
    let mut total = 0.0;
    let mut pairs = 0usize;
    for i in 0..grid {
        for j in 0..grid {
            let v = values[i * grid + j];
            if i + 1 < grid {
                total += (values[(i + 1) * grid + j] - v).abs();
                pairs += 1;
            }
            if j + 1 < grid {
                total += (values[i * grid + j + 1] - v).abs();
                pairs += 1;
            }
        }
    }
    total / pairs.max(1) as f64
}

/// [`mean_neighbour_change`] divided by max f − min f (0 for a flat surface).
pub fn roughness(values: &[f64], grid: usize) -> f64 {
    let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if max <= min {
        return 0.0;
    }
    mean_neighbour_change(values, grid) / (max - min)
}

pub fn compute_landscape(dir: &Path, spec: &LandscapeSpec, assets: Option<&Path>) -> Result<Landscape, ImitateError> {
    if spec.grid < 2 || spec.span.is_nan() || spec.span <= 0.0 {
        return Err(ImitateError::Config("a landscape needs grid ≥ 2 and span > 0".into()));
    }
    if spec.initial_conditions == Some(0) {
        return Err(ImitateError::Config("a landscape needs at least 1 initial condition".into()));
    }
    butterfly_store::threads::check_threads("threads", spec.threads)?;
    let config = BcConfig::of_run(dir)?;
    let kept = butterfly_train::kept_parameters(dir, &spec.variant, Some(spec.step))?;
    let (theta, params_path) = (&kept.theta[..], kept.path);
    let env = TaskEnv::make(&config.env, assets)?;
    let train = Dataset::load(&dir.join(TRAIN_DATA))?;
    let validation = Dataset::load(&dir.join(VALIDATION_DATA))?;
    // The gradient directions on the run's own thread count, as it trained.
    let mut imitator = Imitator::new(&config, env.spec(), &train)?.with_threads(&Threads::new(config.threads)?);
    let n = spec.grid as u128;
    let k = spec.initial_conditions.unwrap_or(config.eval.initial_conditions) as u128;
    butterfly_store::memory::ensure_fits(&[
        (&format!("a {0}×{0} landscape grid", spec.grid), n.saturating_mul(n), 16),
        ("a row of the grid's parameters", n.saturating_mul(theta.len() as u128), 4),
        // Each initial state (a Vec), and a row's episodes: n policies from each.
        (&format!("{k} initial conditions"), k, (24 + 8 * env.spec().state_dim) as u128),
        ("the episodes of a grid row", n.saturating_mul(k), std::mem::size_of::<butterfly_envs::Episode>() as u128),
    ])?;
    if theta.len() != imitator.num_params() {
        return Err(ImitateError::RunDir {
            path: params_path,
            what: "parameters do not fit the configured network".into(),
        });
    }

    // Two independent minibatch SGD steps at θ.
    let lr = config.schedule.lr(spec.step);
    let mut rng = env_rng(spec.seed);
    let mut directions = [vec![0.0f32; theta.len()], vec![0.0f32; theta.len()]];
    let mut step_norms = [0.0; 2];
    for (d, norm) in directions.iter_mut().zip(&mut step_norms) {
        let rows = train.draw_rows(config.batch_size, &mut rng);
        imitator.minibatch_gradient(theta, &train, &rows, &mut rng, d, false)?;
        d.iter_mut().for_each(|g| *g *= lr as f32);
        *norm = d.iter().map(|g| (*g as f64).powi(2)).sum::<f64>().sqrt();
    }

    let k = spec.initial_conditions.unwrap_or(config.eval.initial_conditions);
    let states = initial_conditions(&mut TaskEnv::make(&config.env, assets)?, k, &mut env_rng(config.eval.seed));
    let n = spec.grid;
    let coords: Vec<f64> = (0..n).map(|i| -spec.span + 2.0 * spec.span * i as f64 / (n - 1) as f64).collect();
    let (mut returns, mut bc_loss) = (Vec::with_capacity(n * n), Vec::with_capacity(n * n));
    // One row of the grid at a time: its n × K rollouts run together on the threads.
    for &s in &coords {
        let points: Vec<Vec<f32>> = coords
            .iter()
            .map(|&t| {
                theta
                    .iter()
                    .zip(&directions[0])
                    .zip(&directions[1])
                    .map(|((x, a), b)| x + s as f32 * a + t as f32 * b)
                    .collect()
            })
            .collect();
        let policies = points.iter().map(|p| imitator.policy(p, BTreeMap::new())).collect::<Result<Vec<_>, _>>()?;
        let episodes = evaluate(&env, &policies, &states, config.eval.horizon, spec.threads)?;
        for (p, eps) in points.iter().zip(&episodes) {
            returns.push(eps.iter().map(|e| e.ret).sum::<f64>() / eps.len() as f64);
            bc_loss.push(imitator.loss(p, &validation)?);
        }
    }
    Ok(Landscape {
        return_roughness: roughness(&returns, n),
        return_neighbour_change: mean_neighbour_change(&returns, n),
        loss_roughness: roughness(&bc_loss, n),
        coords,
        returns,
        bc_loss,
        step_norms,
        lr,
    })
}

#[cfg(test)]
mod tests {
    use super::{mean_neighbour_change, roughness};

    #[test]
    fn roughness_tells_a_checkerboard_from_a_ramp() {
        let ramp: Vec<f64> = (0..25).map(|k| (k / 5 + k % 5) as f64).collect();
        let checker: Vec<f64> = (0..25).map(|k| ((k / 5 + k % 5) % 2) as f64).collect();
        assert!((roughness(&ramp, 5) - 1.0 / 8.0).abs() < 1e-12, "steps of 1 over a range of 8");
        assert_eq!(roughness(&checker, 5), 1.0, "every neighbour differs by the whole range");
        assert_eq!(roughness(&[3.0; 9], 3), 0.0);
        // Unnormalized, a wide smooth ramp changes more between neighbours than a small checkerboard.
        let wide: Vec<f64> = ramp.iter().map(|v| 100.0 * v).collect();
        assert_eq!(mean_neighbour_change(&wide, 5), 100.0);
        assert_eq!(mean_neighbour_change(&checker, 5), 1.0);
    }
}
