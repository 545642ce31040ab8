//! The Transformer imitator's side of `butterfly bench train`: training steps per second (forward,
//! MSE on the action read at each window's last row, backward, Adam) on a fixed batch of windows, and
//! the latency of one batch-20 action step of the packed rollout forward.

use butterfly_nn::bench::seconds_per_call;
use butterfly_nn::{Optimizer, OptimizerConfig, Threads};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{GptError, ImitatorShape, ImitatorTable, PackedImitator, TransformerNet};

fn random(rng: &mut ChaCha8Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

fn unit_box(shape: &ImitatorShape) -> (Vec<f32>, Vec<f32>) {
    (vec![-1.0; shape.output], vec![1.0; shape.output])
}

/// Training steps per second over `steps` timed steps after a short warm-up, `batch` full windows.
pub fn steps_per_s(shape: ImitatorShape, batch: usize, steps: usize, threads: &Threads) -> Result<f64, GptError> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let (low, high) = unit_box(&shape);
    let mut net = TransformerNet::new(shape, low, high)?.with_threads(threads.clone());
    let mut theta = net.table.init(&mut rng);
    let adam = |e: butterfly_nn::NnError| GptError::Input { what: e.to_string() };
    let mut opt = Optimizer::new(OptimizerConfig::adam(), theta.len()).map_err(adam)?.with_threads(threads.clone());
    let x = random(&mut rng, batch * shape.window * shape.input);
    let y: Vec<f32> = random(&mut rng, batch * shape.output).iter().map(|v| 0.9 * v).collect();
    let read = vec![shape.window - 1; batch];
    let mut grad = vec![0.0; theta.len()];
    let step = || -> Result<(), GptError> {
        net.loss_and_grad(&theta, &x, &read, shape.window, &y, &mut grad, false, None)?;
        opt.step(&mut theta, &grad, 1e-3).map(|_| ()).map_err(adam)
    };
    Ok(1.0 / seconds_per_call(steps.div_ceil(10).max(3), steps, step)?)
}

/// Mean latency in microseconds of one action step for `batch` episodes with full windows.
pub fn infer_latency_us(shape: ImitatorShape, batch: usize, iters: usize) -> Result<f64, GptError> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let theta = ImitatorTable::new(&shape).init(&mut rng);
    let (low, high) = unit_box(&shape);
    let mut packed = PackedImitator::new(shape, &theta, low, high)?;
    let x = random(&mut rng, batch * shape.window * shape.input);
    let call = || {
        packed.actions(&x, batch, shape.window).map(|a| {
            std::hint::black_box(a);
        })
    };
    Ok(1e6 * seconds_per_call(iters.div_ceil(10).max(3), iters, call)?)
}
