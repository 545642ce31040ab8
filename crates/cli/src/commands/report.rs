//! `butterfly report`: figures, oscillation metrics and `report.md` of BC runs, and Figure 4 of LM runs,
//! from their CSVs alone.

use std::path::PathBuf;

use butterfly_lm::analysis::bifurcation::{BifurcationSpec, bifurcations};
use butterfly_report::{
    BcRun, RunSummary, is_lm_run, write_bc_report, write_comparison, write_lm_comparison, write_lm_report,
};
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
    butterfly_store::ensure_distinct(&args.runs)?;
    let mut summaries = Vec::new();
    let mut runs = Vec::new();
    if args.runs.iter().any(|d| is_lm_run(d)) {
        let mut summaries = Vec::new();
        for dir in &args.runs {
            let spec = BifurcationSpec::default();
            let found = if args.generations { Some(bifurcations(dir, &spec)?) } else { None };
            summaries.push(write_lm_report(dir, found.as_ref().map(|f| (f, spec.tokens)))?);
        }
        if let Some(out) = &args.compare {
            let runs: Vec<_> = args.runs.iter().cloned().zip(summaries.iter().cloned()).collect();
            eprintln!("comparison: {}", write_lm_comparison(&runs, out)?.report.display());
        }
        if args.json {
            println!("{}", serde_json::to_string_pretty(&summaries)?);
        } else {
            for s in &summaries {
                println!("{}: {}", s.dir.display(), s.figure.display());
                for v in &s.variants {
                    println!(
                        "  {:<12} final val loss {:.4}, best {:.4} at step {}",
                        v.name, v.final_loss, v.best_loss, v.best_step
                    );
                }
            }
        }
        return Ok(());
    }
    for dir in &args.runs {
        let run = BcRun::load(dir)?;
        let mut summary = RunSummary::of(&run, args.window_start);
        write_bc_report(&run, &mut summary)?;
        summaries.push(summary);
        runs.push(run);
    }
    if let Some(dir) = &args.compare {
        for path in write_comparison(&runs, &summaries, dir)? {
            eprintln!("comparison: {}", path.display());
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summaries)?);
        return Ok(());
    }
    for s in &summaries {
        println!(
            "{} ({}, expert J_H {:.2}; window: steps ≥ {}, every {} updates)",
            s.dir.display(),
            s.env,
            s.expert_return,
            s.window_start,
            s.eval_every
        );
        println!(
            "  {:<28} {:>10} {:>8} {:>9} {:>8} {:>7} {:>7}",
            "variant", "final J_H", "osc", "collapse", "spread", "level", "falls"
        );
        for v in &s.variants {
            let m = v.metrics();
            let [osc, collapse, spread, level, falls] = [m.osc, m.collapse, m.spread, m.level, m.falls]
                .map(|x| x.map_or("-".to_string(), |x| format!("{x:.3}")));
            println!(
                "  {:<28} {:>10.2} {osc:>8} {collapse:>9} {spread:>8} {level:>7} {falls:>7}",
                v.name, v.final_return
            );
        }
        println!("  report: {}", s.report.display());
    }
    Ok(())
}
