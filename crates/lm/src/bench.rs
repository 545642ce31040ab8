//! The GPT benchmark behind `butterfly bench lm`: training tokens/s (forward, backward, AdamW) at given
//! shapes, the rate the GEMMs alone would allow at the sgemm peak measured in the same run, and
//! generation tokens/s.

use std::time::Instant;

use butterfly_gpt::{Gpt, GptConfig};
use butterfly_nn::{Optimizer, OptimizerConfig};
use rand::{Rng, SeedableRng};

use crate::LmError;
use crate::sample::Generator;

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

/// Measures `shape` over `steps` training steps, `repeats` times, against `peak_gflops`.
pub fn measure(shape: &LmShape, steps: usize, repeats: usize, peak_gflops: f64) -> Result<LmRates, LmError> {
    let mut gpt = Gpt::new(shape.model)?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut theta = gpt.table.init(&mut rng);
    let decayed = gpt.table.tensors.iter().filter(|t| t.shape.len() == 2).map(|t| t.offset..t.offset + t.len()).collect();
    let mut opt = Optimizer::new(OptimizerConfig::adamw(0.1), theta.len())?.with_decayed_ranges(decayed)?;
    let n = shape.batch * shape.seq;
    let v = shape.model.vocab_size as u32;
    let tokens: Vec<u32> = (0..n + 1).map(|_| rng.random_range(0..v)).collect();
    let mut grad = vec![0.0f32; theta.len()];
    let mut step = |theta: &mut Vec<f32>| -> Result<(), LmError> {
        gpt.loss_and_grad(theta, &tokens[..n], &tokens[1..], shape.seq, &mut grad, false)?;
        opt.step(theta, &grad, 1e-4)?;
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
    Ok(LmRates {
        config: shape.name.clone(),
        tokens_per_s: median(rates),
        gemm_limit_tokens_per_s: peak_gflops * 1e9 / train_flops_per_token(&shape.model, shape.seq),
        sample_tokens_per_s,
    })
}
