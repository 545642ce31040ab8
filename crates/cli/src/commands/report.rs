//! `butterfly report`: figures, oscillation metrics and `report.md` of BC runs, and Figure 4 of LM runs,
//! from their CSVs alone.

use std::path::PathBuf;

use butterfly_report::{RunReports, run_reports_text, write_run_reports};
use clap::Args;

#[derive(Args)]
pub struct ReportArgs {
    /// Run directories (made by `butterfly bc train` or `butterfly lm train`).
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// First step of the oscillation window (default: half the run, after every burn-in).
    #[arg(long, value_name = "STEP")]
    window_start: Option<u64>,
    /// Print a JSON list of run summaries.
    #[arg(long)]
    json: bool,
    /// With several runs: also write a comparison here — BC: figure and table (compare_returns.png,
    /// compare.md); LM: compare.md, runs differing only in seed grouped, intervals over seeds and paired
    /// differences between every two groups' variants.
    #[arg(long, value_name = "DIR")]
    compare: Option<PathBuf>,
    /// LM runs: also compare the greedy generations of consecutive kept iterates (as `lm bifurcate` with
    /// its defaults) in report.md — a minute or so for a few dozen kept steps.
    #[arg(long)]
    generations: bool,
}

pub fn run(args: &ReportArgs) -> anyhow::Result<()> {
    let reports = write_run_reports(&args.runs, args.window_start, args.generations, args.compare.as_deref())?;
    let comparison = match &reports {
        RunReports::Bc { comparison, .. } => comparison.clone(),
        RunReports::Lm { comparison, .. } => comparison.iter().cloned().collect(),
    };
    for path in comparison {
        eprintln!("comparison: {}", path.display());
    }
    match &reports {
        RunReports::Bc { summaries, .. } if args.json => println!("{}", serde_json::to_string_pretty(summaries)?),
        RunReports::Lm { summaries, .. } if args.json => println!("{}", serde_json::to_string_pretty(summaries)?),
        _ => print!("{}", run_reports_text(&reports)),
    }
    Ok(())
}
