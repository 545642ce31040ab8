//! `butterfly landscape`: J_H and BC loss around a checkpoint, in two minibatch-gradient directions.

use std::path::PathBuf;

use butterfly_imitate::{Landscape, LandscapeSpec, compute_landscape};
use butterfly_report::{Heatmaps, Surface};
use butterfly_store::write_atomic;
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

/// J_H and the BC loss side by side (paper Figure 1, right), titled with their roughness.
pub fn heatmaps(land: &Landscape, what: &str) -> Heatmaps {
    Heatmaps {
        title: format!("{what}: roughness J_H {:.3}, BC loss {:.3}", land.return_roughness, land.loss_roughness),
        x_label: "s (SGD steps along d₁)".into(),
        y_label: "t (SGD steps along d₂)".into(),
        panels: vec![
            Surface { title: "rollout reward J_H".into(), coords: land.coords.clone(), values: land.returns.clone() },
            Surface { title: "held-out BC loss".into(), coords: land.coords.clone(), values: land.bc_loss.clone() },
        ],
    }
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
    let dir = args.run.join("landscapes");
    std::fs::create_dir_all(&dir)?;
    let stem = format!("step_{}_{}", args.checkpoint, args.variant);
    let n = args.grid;
    let mut csv = String::from("s,t,return,bc_loss\n");
    for i in 0..n {
        for j in 0..n {
            let k = i * n + j;
            csv.push_str(&format!(
                "{:?},{:?},{:?},{:?}\n",
                land.coords[i], land.coords[j], land.returns[k], land.bc_loss[k]
            ));
        }
    }
    let csv_path = dir.join(format!("{stem}.csv"));
    write_atomic(&csv_path, csv.as_bytes())?;
    let plots = heatmaps(&land, &format!("{} around step {}", args.variant, args.checkpoint)).save(&dir, &stem)?;
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
