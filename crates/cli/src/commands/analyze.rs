//! `butterfly analyze`: the GVA report of evaluations made anywhere, from a CSV of returns.

use std::path::PathBuf;

use butterfly_report::{EvaluationSource, RunReports, run_reports_text, write_analysis};
use clap::Args;

#[derive(Args)]
pub struct AnalyzeArgs {
    /// CSVs of evaluations: columns `step`, `variant`, `ic` (or `episode`) and `return`, optional `seed` (runs
    /// of several seeds: intervals over seeds), `val_loss` and `length`; a CSV with `step`, `variant` and
    /// `val_loss` only adds validation losses. A variant `raw` goes first and the others are paired with it;
    /// rows of variant `expert` are the expert's returns. Steps that run consecutively (three or more) are
    /// every-iterate windows. A Butterfly run's eval.csv, iterates.csv and validation.csv read as they are.
    #[arg(required = true, value_name = "EVALS.csv")]
    files: Vec<PathBuf>,
    /// Where the report goes: report.md and plots/ (several seeds: seed<S>/ each, panels and sweep.md here).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The expert's return, the same from every initial condition (the metrics are relative to it).
    #[arg(long, value_name = "R", conflicts_with = "expert", allow_hyphen_values = true)]
    expert_return: Option<f64>,
    /// The expert's return from each initial condition: a CSV with `ic` (or `episode`) and `return`,
    /// optional `seed` (a Butterfly run's expert.csv). Without either, the best mean evaluation stands in.
    #[arg(long, value_name = "CSV")]
    expert: Option<PathBuf>,
    /// First step of the oscillation window (default: half the last evaluated step).
    #[arg(long, value_name = "STEP")]
    window_start: Option<u64>,
    /// The rollout horizon H of J_H (default: the longest `length` in the files, if any).
    #[arg(long, value_name = "H")]
    horizon: Option<usize>,
    /// What the report calls the task (default: the first file's name).
    #[arg(long)]
    name: Option<String>,
    /// Print a JSON list of the seeds' summaries.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &AnalyzeArgs) -> anyhow::Result<()> {
    let source = EvaluationSource {
        files: args.files.clone(),
        expert_return: args.expert_return,
        expert_file: args.expert.clone(),
        horizon: args.horizon,
        name: args.name.clone(),
    };
    let analysis = write_analysis(&source, &args.out, args.window_start)?;
    for path in &analysis.over_seeds {
        eprintln!("over seeds: {}", path.display());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&analysis.summaries)?);
    } else {
        let reports = RunReports::Bc { summaries: analysis.summaries, comparison: Vec::new() };
        print!("{}", run_reports_text(&reports));
    }
    Ok(())
}
