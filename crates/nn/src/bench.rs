//! The training benchmark behind `butterfly bench train`: BC steps/s of the paper's default
//! imitator (4 hidden ReLU layers, input 17 + 6, output 6, batch 256, Adam, MSE), batch-20
//! inference latency, and the sgemm peak of the same GEMM, so achieved GFLOP/s have a yardstick.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::activation::Activation;
use crate::error::Result;
use crate::gemm::{Operand, gemm};
use crate::layout::{Layout, MlpSpec};
use crate::loss::mse;
use crate::mlp::Mlp;
use crate::optimizer::{Optimizer, OptimizerConfig};
use crate::packed::PackedMlp;
use crate::threads::Threads;

/// Walker2d observation (17) plus the previous action (6).
pub const IMITATOR_INPUT: usize = 23;
pub const IMITATOR_OUTPUT: usize = 6;
pub const IMITATOR_DEPTH: usize = 4;
pub const TRAIN_BATCH: usize = 256;
pub const INFER_BATCH: usize = 20;

/// The default imitator's architecture at a given hidden width.
pub fn imitator_spec(width: usize) -> MlpSpec {
    MlpSpec {
        input: IMITATOR_INPUT,
        hidden: vec![width; IMITATOR_DEPTH],
        output: IMITATOR_OUTPUT,
        activation: Activation::Relu,
        layer_norm: false,
        dropout: 0.0,
    }
}

/// Floating-point operations of one BC step (multiply-adds count 2): the forward GEMMs, the
/// weight-gradient GEMMs and the input-gradient GEMMs of every layer but the first.
pub fn bc_step_flops(layout: &Layout, batch: usize) -> f64 {
    let macs: Vec<f64> = layout.linears().iter().map(|l| (l.in_dim * l.out_dim) as f64).collect();
    let total: f64 = macs.iter().sum();
    2.0 * batch as f64 * (2.0 * total + (total - macs[0]))
}

/// Seconds per call of `step` over `timed` calls, after `warm_up` untimed ones; the first error stops it.
pub fn seconds_per_call<E>(
    warm_up: usize,
    timed: usize,
    mut step: impl FnMut() -> std::result::Result<(), E>,
) -> std::result::Result<f64, E> {
    for _ in 0..warm_up {
        step()?;
    }
    let start = Instant::now();
    for _ in 0..timed {
        step()?;
    }
    Ok(start.elapsed().as_secs_f64() / timed.max(1) as f64)
}

fn random(rng: &mut ChaCha8Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// BC training steps per second (forward, MSE, backward, Adam) over `steps` timed steps after a
/// short warm-up, on a fixed batch (data loading is not part of the engine).
pub fn bc_steps_per_s(width: usize, steps: usize, threads: &Threads) -> Result<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut mlp = Mlp::<f32>::new(imitator_spec(width))?.with_threads(threads.clone());
    let mut theta = mlp.layout().init_params(&mut rng);
    let mut opt = Optimizer::new(OptimizerConfig::adam(), theta.len())?.with_threads(threads.clone());
    let x = random(&mut rng, TRAIN_BATCH * IMITATOR_INPUT);
    let y = random(&mut rng, TRAIN_BATCH * IMITATOR_OUTPUT);
    let mut grad = vec![0.0; theta.len()];
    let mut d_out = vec![0.0; y.len()];
    let step = || -> Result<()> {
        let pred = mlp.forward(&theta, &x, TRAIN_BATCH)?;
        mse(pred, &y, &mut d_out)?;
        mlp.backward(&theta, &d_out, &mut grad, false, None)?;
        opt.step(&mut theta, &grad, 1e-3)?;
        Ok(())
    };
    Ok(1.0 / seconds_per_call(steps.div_ceil(10).max(3), steps, step)?)
}

/// Mean forward latency in microseconds at batch 20 (rollout inference) of a [`PackedMlp`].
pub fn infer_latency_us(width: usize, iters: usize, threads: &Threads) -> Result<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let layout = Layout::new(imitator_spec(width))?;
    let theta = layout.init_params(&mut rng);
    let mut policy = PackedMlp::new(&layout, &theta)?.with_threads(threads.clone());
    let x = random(&mut rng, INFER_BATCH * IMITATOR_INPUT);
    let call = || {
        policy.forward(&x, INFER_BATCH).map(|y| {
            std::hint::black_box(y);
        })
    };
    Ok(1e6 * seconds_per_call(iters.div_ceil(10).max(10), iters, call)?)
}

/// GFLOP/s of an n×n×n sgemm (`a · bᵀ`, the forward Linear's shape) with the engine's GEMM, its rows
/// split in two when `threads` splits (as the engine splits a batch): the limit the engine's own
/// parallelism can reach.
pub fn sgemm_gflops(n: usize, reps: usize, threads: &Threads) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let (a, b) = (random(&mut rng, n * n), random(&mut rng, n * n));
    let mut c = vec![0.0f32; n * n];
    let half = n / 2;
    let mut run = || {
        let (c0, c1) = c.split_at_mut(half * n);
        let (a0, a1) = a.split_at(half * n);
        let rows =
            |m: usize, a: &[f32], c: &mut [f32]| gemm(m, n, n, Operand::plain(a), Operand::transposed(&b), c, false);
        if threads.splits() {
            threads.join(|| rows(half, a0, c0), || rows(n - half, a1, c1));
        } else {
            rows(n, &a, &mut c);
        }
    };
    run();
    let start = Instant::now();
    for _ in 0..reps {
        run();
    }
    2.0 * (n * n * n * reps) as f64 / start.elapsed().as_secs_f64() / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flop_count_matches_the_issue_figure() {
        // The issue quotes ≈ 0.31 GFLOP per step at width 256.
        let layout = Layout::new(imitator_spec(256)).unwrap();
        let gflop = bc_step_flops(&layout, TRAIN_BATCH) / 1e9;
        assert!((gflop - 0.3100).abs() < 0.001, "{gflop}");
    }

    #[test]
    fn harness_runs() {
        let two = Threads::new(2).unwrap();
        assert!(bc_steps_per_s(8, 3, &two).unwrap() > 0.0);
        assert!(infer_latency_us(8, 3, &two).unwrap() > 0.0);
        assert!(sgemm_gflops(16, 2, &two) > 0.0);
    }
}
