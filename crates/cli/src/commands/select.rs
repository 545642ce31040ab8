//! `butterfly select`: which kept checkpoint to deploy, with the fewest rollouts (docs/selection.md).

use std::path::PathBuf;

use anyhow::bail;
use butterfly_report::{selection_json, selection_text};
use butterfly_select::{ArmFilter, OutcomeTable, Request};
use butterfly_studies::{CommandSelection, RunSelection, select_by_command, select_lm_run, select_run};
use clap::Args;

use super::env::AssetsArg;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  butterfly select runs/walker2d-bc --epsilon 100 --delta 0.05 --export best.safetensors\n  \
                        butterfly select --from-csv runs/walker2d-bc/eval.csv --epsilon 100 --delta 0.05 --json"
)]
pub struct SelectArgs {
    /// A BC run directory: its kept parameters are rolled out from fresh initial conditions (cached in
    /// RUN/select/seed<S>/, so a killed selection resumes). An LM run directory: its kept parameters are
    /// compared by minus their loss on the run's validation batches, one batch a round (cached the same way).
    #[arg(required_unless_present_any = ["from_csv", "evaluate"])]
    run: Option<PathBuf>,
    /// Read outcomes from a table instead of rolling out: columns step, variant, ic (or episode), return.
    #[arg(long, value_name = "EVALS.csv", conflicts_with_all = ["run", "export"])]
    from_csv: Option<PathBuf>,
    /// Roll out with your own evaluator: a shell command printing one return (its last line), with
    /// {checkpoint} and {seed} replaced; every checkpoint of a round gets the same seed. Needs --range.
    #[arg(long, value_name = "'CMD {checkpoint} {seed}'", conflicts_with_all = ["run", "from_csv", "export"], requires = "checkpoints")]
    evaluate: Option<String>,
    /// The checkpoint files --evaluate chooses among.
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "evaluate")]
    checkpoints: Vec<PathBuf>,
    /// Choose an arm within EPSILON of the best mean return …
    #[arg(long, allow_negative_numbers = true)]
    epsilon: f64,
    /// … with probability at least 1 − DELTA.
    #[arg(long, allow_negative_numbers = true)]
    delta: f64,
    /// At most N rollouts; a selection stopped by it reports the best mean so far, without the guarantee
    /// [default: a table's rows; for a BC run, ten times every arm on the run's own evaluation set; for an LM
    /// run, every arm on every validation batch; for
    /// --evaluate, ten times 20 calls per checkpoint].
    #[arg(long, value_name = "N")]
    budget: Option<u64>,
    /// Seed of the order of the table's initial conditions, or of the run's fresh ones.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Only these variants (comma-separated, e.g. raw,ema) [default: all].
    #[arg(long, value_delimiter = ',')]
    variants: Option<Vec<String>>,
    /// Only these kept steps (comma-separated) [default: all].
    #[arg(long, value_delimiter = ',')]
    steps: Option<Vec<u64>>,
    /// Every return lies in LOW,HIGH (the bounds need bounded returns) [default: the smallest and largest
    /// return in the table, or in the run's eval.csv and expert.csv; an LM run: −2 × its largest validation
    /// loss, 0].
    #[arg(long, value_name = "LOW,HIGH", value_delimiter = ',', allow_hyphen_values = true)]
    range: Option<Vec<f64>>,
    /// Roll every arm of a BC run out from the first N initial conditions of the seed's stream (cached like a
    /// race's) and choose the best mean over them: the exhaustive answer a race is measured against. The
    /// returns are also written as a table, RUN/select/seed<S>/exhaustive-N.csv, for --from-csv.
    #[arg(long, value_name = "N", conflicts_with_all = ["from_csv", "evaluate"])]
    exhaustive: Option<usize>,
    /// Rollout threads (BC runs; an LM run's validation batches are judged on one).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Write the chosen policy here in `bc export`'s format, the selection in its metadata (runs only).
    #[arg(long, value_name = "FILE")]
    export: Option<PathBuf>,
    /// Replace an existing --export file.
    #[arg(long, requires = "export")]
    force: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    assets: AssetsArg,
}

pub fn run(args: &SelectArgs) -> anyhow::Result<()> {
    let range = match args.range.as_deref() {
        None => None,
        Some(&[low, high]) => Some((low, high)),
        Some(_) => bail!("--range takes two numbers, LOW,HIGH"),
    };
    let request = Request {
        epsilon: args.epsilon,
        delta: args.delta,
        budget: args.budget,
        range,
        filter: ArmFilter { variants: args.variants.clone(), steps: args.steps.clone() },
        seed: args.seed,
    };
    let (selection, cached) = match (&args.from_csv, &args.run) {
        (Some(csv), _) => (OutcomeTable::load(csv)?.select(&request)?, None),
        (None, None) if args.evaluate.is_some() => {
            let command = args.evaluate.clone().unwrap_or_default();
            let how = CommandSelection { request, command, checkpoints: args.checkpoints.clone() };
            (select_by_command(&how, &crate::progress::Bars)?, None)
        }
        (None, Some(run)) => {
            if let Some(out) = &args.export {
                butterfly_store::check_output(out, args.force)?;
            }
            let how = RunSelection {
                request,
                threads: args.threads,
                export: args.export.clone(),
                exhaustive: args.exhaustive,
            };
            let lm = butterfly_report::is_lm_run(run);
            if lm && args.exhaustive.is_some() {
                bail!("--exhaustive is for BC runs: an LM run's selection reads every validation batch at the latest");
            }
            let choice = if lm {
                select_lm_run(run, &how, &crate::progress::Bars)?
            } else {
                select_run(run, &how, args.assets.assets.as_deref(), &crate::progress::Bars)?
            };
            (choice.selection, Some(choice.cached))
        }
        (None, None) => bail!("name a BC or LM run directory, or --from-csv EVALS.csv"),
    };
    if args.json {
        println!("{}", serde_json::to_string(&selection_json(&selection, cached))?);
    } else {
        print!("{}", selection_text(&selection, cached));
        if let Some(out) = &args.export {
            println!("  policy written to {}", out.display());
        }
    }
    Ok(())
}
