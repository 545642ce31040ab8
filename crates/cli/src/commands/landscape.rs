//! `butterfly landscape`: J_H and BC loss around a checkpoint, in two minibatch-gradient directions.

use std::path::PathBuf;

use butterfly_imitate::{LandscapeSpec, compute_landscape};
use butterfly_report::{LandscapeFiles, write_landscape};
use clap::Args;

use super::env::AssetsArg;

#[derive(Args)]
pub struct LandscapeArgs {
    /// A BC run directory.
    run: PathBuf,
    /// The evaluation step to look around (a multiple of the run's eval.every).
    #[arg(long, value_name = "ITER")]
    checkpoint: u64,
    /// Points per axis.
    #[arg(long, default_value_t = 21)]
    grid: usize,
    /// `raw` or a stabilizer's name.
    #[arg(long, default_value = "raw")]
    variant: String,
    /// The axes span ±SPAN minibatch SGD steps (learning rate × minibatch gradient).
    #[arg(long, default_value_t = 10.0)]
    span: f64,
    /// Initial conditions per grid point (default: the run's evaluation set).
    #[arg(long)]
    ics: Option<usize>,
    /// Seed of the two minibatches.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    assets: AssetsArg,
}

pub fn run(args: &LandscapeArgs) -> anyhow::Result<()> {
    let spec = LandscapeSpec {
        step: args.checkpoint,
        variant: args.variant.clone(),
        grid: args.grid,
        span: args.span,
        initial_conditions: args.ics,
        seed: args.seed,
        threads: args.threads,
    };
    let land = compute_landscape(&args.run, &spec, args.assets.assets.as_deref())?;
    let what = format!("{} around step {}", args.variant, args.checkpoint);
    let stem = format!("step_{}_{}", args.checkpoint, args.variant);
    let LandscapeFiles { csv: csv_path, plots } = write_landscape(&land, &args.run.join("landscapes"), &stem, &what)?;
    let n = args.grid;
    if args.json {
        let summary = serde_json::json!({
            "run": args.run, "checkpoint": args.checkpoint, "variant": args.variant, "grid": n, "span": args.span,
            "lr": land.lr, "step_norms": land.step_norms,
            "return_roughness": land.return_roughness, "loss_roughness": land.loss_roughness,
            "return_neighbour_change": land.return_neighbour_change,
            "csv": csv_path, "plots": plots,
        });
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "{n}×{n} grid around step {} ({}): roughness of J_H {:.3}, of the BC loss {:.3} (mean neighbour difference / range); \
             J_H changes by {:.1} between neighbours on average",
            args.checkpoint, args.variant, land.return_roughness, land.loss_roughness, land.return_neighbour_change
        );
        println!("  {}\n  {}", csv_path.display(), plots[0].display());
    }
    Ok(())
}
