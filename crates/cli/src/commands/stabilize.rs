//! `butterfly stabilize`: averages chosen after training become variants of a trained run.

use std::path::PathBuf;

use butterfly_studies::{StabilizeSpec, stabilize_run};
use butterfly_train::Average;
use clap::{ArgGroup, Args};

use super::env::AssetsArg;
use crate::progress::Bars;

/// The arguments of `butterfly stabilize` (its help is on `Command::Stabilize`).
#[derive(Args)]
#[command(group(ArgGroup::new("average").required(true).multiple(true).args(["sigma_rel", "lawa", "tail"])))]
pub struct StabilizeArgs {
    /// A trained run directory (`bc train` or `lm train`).
    run: PathBuf,
    /// Post-hoc EMAs of these relative widths (0 < S ≤ 0.2887), from the run's `kind = "power"` EMAs.
    #[arg(long, value_name = "S", num_args = 1..)]
    sigma_rel: Vec<f64>,
    /// LAWA: the uniform mean of the raw iterates of the last K kept steps.
    #[arg(long, value_name = "K", num_args = 1..)]
    lawa: Vec<usize>,
    /// The uniform mean of the raw iterates kept from step FROM on (evaluated at the steps from FROM).
    #[arg(long, value_name = "FROM", num_args = 1..)]
    tail: Vec<u64>,
    /// Only at these kept steps (default: every kept step).
    #[arg(long, value_name = "STEP", num_args = 1..)]
    steps: Option<Vec<u64>>,
    #[command(flatten)]
    assets: AssetsArg,
}

pub fn run(args: &StabilizeArgs) -> anyhow::Result<()> {
    let averages = (args.sigma_rel.iter().map(|&sigma_rel| Average::Ema { sigma_rel }))
        .chain(args.lawa.iter().map(|&k| Average::Lawa { k }))
        .chain(args.tail.iter().map(|&from| Average::Tail { from }))
        .collect();
    let spec = StabilizeSpec {
        run: args.run.clone(),
        averages,
        steps: args.steps.clone(),
        assets: args.assets.assets.clone(),
    };
    let outcome = stabilize_run(&spec, &Bars)?;
    println!(
        "{}: {} (step, variant) pairs evaluated, {} done before ({})",
        args.run.display(),
        outcome.evaluated,
        outcome.skipped,
        outcome.variants.join(", ")
    );
    Ok(())
}
