//! Same learning as PyTorch over a whole run: a config's model, initial parameters, optimizer, schedule
//! and gradient clipping, trained on the same batches of its prepared data by our engine and by
//! bench/torch_gpt.py, with the validation loss of both on the config's fixed validation batches.
//! The raw iterate only (stabilizers are plain averages of it on either side).

use std::path::Path;

use butterfly_envs::{Purpose, seed_stream};
use butterfly_gpt::Gpt;
use butterfly_nn::{Optimizer, OptimizerKind, Threads};

use crate::bench::torch_gpt::{run_torch, split_rows, token_bytes};
use crate::{LmConfig, LmError};

/// Validation loss after the same steps in both engines.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ValidationComparison {
    pub steps: u64,
    pub tokens_per_step: usize,
    /// (step, our validation loss, PyTorch's).
    pub curve: Vec<(u64, f64, f64)>,
    /// The largest relative difference over the curve, and at its last point.
    pub max_rel_diff: f64,
    pub final_rel_diff: f64,
}

/// Rows `[start, start + seq]` of `tokens`, one after the other: `[count, seq + 1]`.
fn windows(tokens: &[u32], starts: &[usize], seq: usize) -> Vec<u32> {
    starts.iter().flat_map(|&s| tokens[s..s + seq + 1].iter().copied()).collect()
}

/// Trains `config` (with `accumulation = 1`, no dropout and an AdamW optimizer) for its `steps` in both engines.
pub fn compare_validation(config: &LmConfig, python: &Path, threads: usize) -> Result<ValidationComparison, LmError> {
    let inputs = crate::training::trainer::inputs(config)?;
    let OptimizerKind::AdamW { beta1, beta2, eps } = config.optimizer.kind else {
        return Err(LmError::Config("the PyTorch comparison runs AdamW configs only".into()));
    };
    if config.accumulation != 1 || config.model.dropout != 0.0 {
        // Dropout's masks cannot be drawn alike on both sides.
        return Err(LmError::Config("the PyTorch comparison runs accumulation = 1 and dropout = 0 only".into()));
    }
    let (b, t, steps) = (config.batch_size, config.seq_len, config.steps);
    let mut gpt = Gpt::new(inputs.gpt)?.with_threads(Threads::new(threads)?);
    // The trainer's initial parameters and windows: the seed's network and training streams.
    let theta0 = gpt.table.init(&mut seed_stream(config.seed, Purpose::NetworkInit));
    let mut rng = seed_stream(config.seed, Purpose::Training);
    let starts: Vec<usize> = (0..steps as usize * b).map(|_| inputs.starts.0.draw(&mut rng)).collect();
    let batches = windows(&inputs.train, &starts, t);
    let val = windows(&inputs.val, &inputs.starts.1, t);
    let lrs: Vec<f64> = (0..steps).map(|k| config.schedule.lr(k)).collect();

    let val_loss = |gpt: &mut Gpt, theta: &[f32]| -> Result<f64, LmError> {
        let mut total = 0.0;
        for chunk in val.chunks_exact(b * (t + 1)) {
            let (tokens, targets) = split_rows(chunk, t);
            total += gpt.loss(theta, &tokens, &targets, t)?;
        }
        Ok(total / config.eval.val_batches as f64)
    };
    let mut opt = Optimizer::new(config.optimizer, gpt.num_params())?
        .with_decayed_ranges(gpt.table.decayed_ranges())?
        .with_threads(Threads::new(threads)?);
    let mut theta = theta0.clone();
    let mut grad = vec![0.0f32; theta.len()];
    let mut ours = Vec::new();
    for (k, batch) in batches.chunks_exact(b * (t + 1)).enumerate() {
        let (tokens, targets) = split_rows(batch, t);
        gpt.loss_and_grad(&theta, &tokens, &targets, t, &mut grad, false, None)?;
        opt.step(&mut theta, &grad, lrs[k])?;
        let done = k as u64 + 1;
        if done.is_multiple_of(config.eval.every) || done == steps {
            ours.push((done, val_loss(&mut gpt, &theta)?));
        }
    }

    let lr_bytes: Vec<u8> = lrs.iter().flat_map(|x| x.to_le_bytes()).collect();
    let mut extra = vec![
        ("eval-every", config.eval.every.to_string()),
        ("beta1", beta1.to_string()),
        ("beta2", beta2.to_string()),
        ("eps", eps.to_string()),
        ("weight-decay", config.optimizer.weight_decay.to_string()),
    ];
    if let Some(clip) = config.optimizer.clip_norm {
        extra.push(("clip", clip.to_string()));
    }
    let files = [("tokens", token_bytes(&batches)), ("val", token_bytes(&val)), ("lrs", lr_bytes)];
    let out = run_torch(python, "run", &inputs.gpt, &theta0, (b, t, threads), &files, &extra)?;
    let theirs: Vec<(u64, f64)> = out["val"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| Some((r[0].as_u64()?, r[1].as_f64()?))).collect())
        .unwrap_or_default();
    if theirs.iter().map(|r| r.0).ne(ours.iter().map(|r| r.0)) {
        return Err(LmError::Reference(format!("PyTorch evaluated at {theirs:?}, expected the steps of {ours:?}")));
    }
    let curve: Vec<(u64, f64, f64)> = ours.iter().zip(&theirs).map(|(&(s, a), &(_, b))| (s, a, b)).collect();
    let rel = |&(_, a, b): &(u64, f64, f64)| (a - b).abs() / b.abs();
    Ok(ValidationComparison {
        steps,
        tokens_per_step: b * t,
        max_rel_diff: curve.iter().map(rel).fold(0.0, f64::max),
        final_rel_diff: curve.last().map(rel).unwrap_or(f64::NAN),
        curve,
    })
}
