//! The GPT benchmark behind `butterfly bench lm`: training tokens/s (forward, backward, AdamW) at given
//! shapes, the rate the GEMMs alone would allow at the sgemm peak measured in the same run, and
//! generation tokens/s.

use std::path::Path;
use std::time::Instant;

use butterfly_gpt::{Gpt, GptConfig};
use butterfly_nn::{Optimizer, OptimizerConfig, Threads};
use rand::{Rng, SeedableRng};

use crate::LmError;
use crate::analysis::generator::Generator;
use crate::bench::torch_gpt::{run_torch, split_rows, token_bytes};

/// One shape to measure.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LmShape {
    pub name: String,
    pub model: GptConfig,
    pub batch: usize,
    pub seq: usize,
}

/// The default LM (configs/lm/shakespeare-char.toml) and a larger one (6 layers × 384, context 256).
pub fn standard_shapes() -> Vec<LmShape> {
    let shape = |name: &str, n_layer, n_head, n_embd, context, batch| LmShape {
        name: name.into(),
        model: GptConfig { vocab_size: 85, context, n_layer, n_head, n_embd },
        batch,
        seq: context,
    };
    vec![shape("4x128 ctx64 b12", 4, 4, 128, 64, 12), shape("6x384 ctx256 b8", 6, 6, 384, 256, 8)]
}

/// Medians over the repeats.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LmRates {
    pub config: String,
    pub tokens_per_s: f64,
    /// The same steps in PyTorch (None: not run).
    pub torch_tokens_per_s: Option<f64>,
    /// The largest relative difference between our losses and PyTorch's over [`RECORDED_STEPS`] steps
    /// from the same initial parameters on the same batches (None: not run).
    pub torch_loss_rel_diff: Option<f64>,
    /// Training tokens/s if the step cost only its GEMM FLOPs at the measured sgemm peak.
    pub gemm_limit_tokens_per_s: f64,
    /// Greedy generation of one sequence with the key/value cache (the prompt's own steps included).
    pub sample_tokens_per_s: f64,
}

/// FLOPs of one training token: 3 × the forward's (backward ≈ 2 × forward), whose matmuls are
/// 2·(12·L·C² + V·C) and whose causal attention is 2·L·T·C (QKᵀ and A·V over half the positions).
pub fn train_flops_per_token(m: &GptConfig, seq: usize) -> f64 {
    let (l, c, v, t) = (m.n_layer as f64, m.n_embd as f64, m.vocab_size as f64, seq as f64);
    3.0 * (2.0 * (12.0 * l * c * c + v * c) + 2.0 * l * t * c)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Steps whose losses are compared with PyTorch's.
pub const RECORDED_STEPS: usize = 20;
/// The constant learning rate of the benchmark's AdamW (β = (0.9, 0.999), decay 0.1 on 2-D weights).
const LR: f32 = 1e-4;

fn adamw(gpt: &Gpt, threads: &Threads) -> Result<Optimizer<f32>, LmError> {
    Ok(Optimizer::new(OptimizerConfig::adamw(0.1), gpt.num_params())?
        .with_decayed_ranges(gpt.table.decayed_ranges())?
        .with_threads(threads.clone()))
}

/// Our losses over `batches` (each `[B, T+1]`: a row's first T tokens predict its last T) from `theta`.
fn recorded_losses(
    shape: &LmShape,
    mut theta: Vec<f32>,
    batches: &[u32],
    threads: &Threads,
) -> Result<Vec<f64>, LmError> {
    let mut gpt = Gpt::new(shape.model)?.with_threads(threads.clone());
    let mut opt = adamw(&gpt, threads)?;
    let (b, t) = (shape.batch, shape.seq);
    let mut grad = vec![0.0f32; theta.len()];
    let mut losses = Vec::new();
    for batch in batches.chunks_exact(b * (t + 1)) {
        let (tokens, targets) = split_rows(batch, t);
        losses.push(gpt.loss_and_grad(&theta, &tokens, &targets, t, &mut grad, false, None)?);
        opt.step(&mut theta, &grad, LR as f64)?;
    }
    Ok(losses)
}

/// PyTorch's tokens/s and losses on the same model, parameters and batches (bench/torch_gpt.py).
fn torch_side(
    python: &Path,
    shape: &LmShape,
    theta: &[f32],
    batches: &[u32],
    steps: usize,
    repeats: usize,
    threads: usize,
) -> Result<(f64, Vec<f64>), LmError> {
    let extra = [("steps", steps), ("repeats", repeats), ("record", RECORDED_STEPS)].map(|(k, v)| (k, v.to_string()));
    let mut extra = extra.to_vec();
    extra.push(("lr", LR.to_string()));
    let dims = (shape.batch, shape.seq, threads);
    let out = run_torch(python, "bench", &shape.model, theta, dims, &[("tokens", token_bytes(batches))], &extra)?;
    let rate = out["tokens_per_s"].as_f64().ok_or_else(|| LmError::Reference(format!("no tokens_per_s in {out}")))?;
    let losses = out["losses"].as_array().map(|l| l.iter().filter_map(|x| x.as_f64()).collect()).unwrap_or_default();
    Ok((rate, losses))
}

/// Measures `shape` over `steps` training steps on `threads`, `repeats` times, against `peak_gflops`; and
/// PyTorch the same way (on as many threads) when `torch` (a Python with torch) is given.
pub fn measure(
    shape: &LmShape,
    steps: usize,
    repeats: usize,
    peak_gflops: f64,
    torch: Option<&Path>,
    threads: &Threads,
) -> Result<LmRates, LmError> {
    let mut gpt = Gpt::new(shape.model)?.with_threads(threads.clone());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut theta = gpt.table.init(&mut rng);
    let theta0 = theta.clone();
    let mut opt = adamw(&gpt, threads)?;
    let n = shape.batch * shape.seq;
    let v = shape.model.vocab_size as u32;
    let tokens: Vec<u32> = (0..n + 1).map(|_| rng.random_range(0..v)).collect();
    let mut grad = vec![0.0f32; theta.len()];
    let mut step = |theta: &mut Vec<f32>| -> Result<(), LmError> {
        gpt.loss_and_grad(theta, &tokens[..n], &tokens[1..], shape.seq, &mut grad, false, None)?;
        opt.step(theta, &grad, LR as f64)?;
        Ok(())
    };
    step(&mut theta)?;
    let mut rates = Vec::new();
    for _ in 0..repeats {
        let start = Instant::now();
        for _ in 0..steps {
            step(&mut theta)?;
        }
        rates.push((steps * n) as f64 / start.elapsed().as_secs_f64());
    }
    let generated = shape.model.context / 2;
    let mut generator = Generator::new(shape.model)?;
    let mut context = tokens[..shape.seq / 2].to_vec();
    let start = Instant::now();
    for _ in 0..generated {
        let last = generator.logits(&theta, &context)?;
        let next = (0..last.len()).max_by(|&a, &b| last[a].total_cmp(&last[b])).unwrap_or(0);
        context.push(next as u32);
    }
    let sample_tokens_per_s = generated as f64 / start.elapsed().as_secs_f64();
    let (torch_tokens_per_s, torch_loss_rel_diff) = match torch {
        None => (None, None),
        Some(python) => {
            // The timed batch, then one batch per recorded step, each [B, T+1].
            let count = (1 + RECORDED_STEPS) * shape.batch * (shape.seq + 1);
            let batches: Vec<u32> = (0..count).map(|_| rng.random_range(0..v)).collect();
            let (rate, theirs) = torch_side(python, shape, &theta0, &batches, steps, repeats, threads.count())?;
            let ours = recorded_losses(shape, theta0, &batches[shape.batch * (shape.seq + 1)..], threads)?;
            if theirs.len() != ours.len() {
                return Err(LmError::Reference(format!(
                    "{} losses from PyTorch, {} expected",
                    theirs.len(),
                    ours.len()
                )));
            }
            let diff = ours.iter().zip(&theirs).map(|(a, b)| (a - b).abs() / b.abs()).fold(0.0, f64::max);
            (Some(rate), Some(diff))
        }
    };
    Ok(LmRates {
        config: shape.name.clone(),
        tokens_per_s: median(rates),
        torch_tokens_per_s,
        torch_loss_rel_diff,
        gemm_limit_tokens_per_s: peak_gflops * 1e9 / train_flops_per_token(&shape.model, shape.seq),
        sample_tokens_per_s,
    })
}
