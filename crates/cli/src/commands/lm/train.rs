//! `butterfly lm train`: a GPT from a TOML config, with progress and tokens/s, or a resumed run.

use std::time::Instant;

use anyhow::Context;
use butterfly_lm::{LmConfig, LmTrainer, tokens_per_step};
use clap::Args;

use crate::config_file::RunStart;

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    run: crate::config_file::RunArgs,
}

pub fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let mut trainer = match args.run.start()? {
        RunStart::Resume { dir, steps } => LmTrainer::resume(&dir, (), steps)?,
        RunStart::Create { text, config, out } => {
            LmTrainer::create(LmConfig::from_toml(&text).with_context(|| format!("{}", config.display()))?, &out, ())?
        }
    };
    train_with_progress(&mut trainer, "lm", args.run.stop_at)?;
    println!(
        "run directory: {} (step {} of {})",
        trainer.run_dir().path().display(),
        trainer.step(),
        trainer.total_steps()
    );
    for (name, loss) in trainer.last_eval() {
        println!("  validation loss {name:<28} {loss:.4}");
    }
    Ok(())
}

/// Trains to the end (or `stop_at`) with a progress bar that shows the loss, the last validation losses
/// and tokens/s.
pub fn train_with_progress(trainer: &mut LmTrainer, label: &str, stop_at: Option<u64>) -> anyhow::Result<()> {
    let per_step = tokens_per_step(trainer.config());
    let (start, first) = (Instant::now(), trainer.step());
    crate::progress::train_with_progress(&mut **trainer, label, stop_at, |p, last_loss| {
        let rate = (p.step - first) as f64 * per_step as f64 / start.elapsed().as_secs_f64();
        let val: Vec<String> = p.last_eval.iter().map(|(name, l)| format!("{name} {l:.4}")).collect();
        let loss = last_loss.map_or("-".into(), |l| format!("{l:.4}"));
        format!("loss {loss}  val: {}  {rate:.0} tok/s", if val.is_empty() { "-".into() } else { val.join(", ") })
    })
}
