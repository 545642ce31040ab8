//! `butterfly lm train`: a GPT from a TOML config, with progress and tokens/s, or a resumed run.

use anyhow::Context;
use butterfly_lm::{LmConfig, LmTrainer};
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
    butterfly_studies::train_lm(&mut trainer, "lm", args.run.stop_at, &crate::progress::Bars)?;
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
