//! Training a run to its end (or a stop) while a [`Watch`] shows its progress: the loss and each
//! variant's last J_H for BC, the loss, validation losses and tokens/s for a language model.

use std::time::Instant;

use butterfly_imitate::BcTrainer;
use butterfly_lm::{LmTrainer, tokens_per_step};
use butterfly_train::{Learner, Progress, TrainLoop};

use crate::watch::Watch;

/// Trains `run` to `stop_at` (or its end); `describe` writes the bar's message from the loop's progress
/// and the last training loss.
fn train_watched<L: Learner>(
    run: &mut TrainLoop<L>,
    label: &str,
    stop_at: Option<u64>,
    watch: &dyn Watch,
    mut describe: impl FnMut(&Progress, Option<f64>) -> String,
) -> Result<(), L::Error> {
    let mut bar = watch.bar(label, run.step(), run.total_steps());
    let mut last_loss = None;
    run.run(stop_at, |p| {
        last_loss = p.train_loss.or(last_loss);
        bar.update(p.step, &describe(p, last_loss));
    })?;
    bar.finish();
    Ok(())
}

/// A BC run to `stop_at` (or its end): the loss and the last J_H of every variant as it goes.
pub fn train_bc(
    trainer: &mut BcTrainer,
    label: &str,
    stop_at: Option<u64>,
    watch: &dyn Watch,
) -> Result<(), butterfly_imitate::ImitateError> {
    train_watched(&mut **trainer, label, stop_at, watch, |p, last_loss| {
        let loss = last_loss.map_or("-".into(), |l| format!("{l:.3e}"));
        let evals: Vec<String> = p.last_eval.iter().map(|(name, j)| format!("{name} {j:.1}")).collect();
        format!("loss {loss}  J_H: {}", if evals.is_empty() { "-".into() } else { evals.join(", ") })
    })
}

/// An LM run to `stop_at` (or its end): the loss, the last validation losses and tokens/s as it goes.
pub fn train_lm(
    trainer: &mut LmTrainer,
    label: &str,
    stop_at: Option<u64>,
    watch: &dyn Watch,
) -> Result<(), butterfly_lm::LmError> {
    let per_step = tokens_per_step(trainer.config());
    let (start, first) = (Instant::now(), trainer.step());
    train_watched(&mut **trainer, label, stop_at, watch, |p, last_loss| {
        let rate = (p.step - first) as f64 * per_step as f64 / start.elapsed().as_secs_f64();
        let val: Vec<String> = p.last_eval.iter().map(|(name, l)| format!("{name} {l:.4}")).collect();
        let loss = last_loss.map_or("-".into(), |l| format!("{l:.4}"));
        format!("loss {loss}  val: {}  {rate:.0} tok/s", if val.is_empty() { "-".into() } else { val.join(", ") })
    })
}
