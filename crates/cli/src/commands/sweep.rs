//! `butterfly sweep`: variants of a BC config × seeds (paper Figures 2 and 3), run here (one after
//! another, or `--jobs` side by side) or one per task on a cluster, then compared in one report.

use std::path::{Path, PathBuf};

use anyhow::Context;
use butterfly_imitate::{Sweep, SweepRun};
use butterfly_studies::{report_sweep, train_sweep};
use clap::Args;

use super::env::AssetsArg;
use crate::progress::Bars;
use crate::show::show;

#[derive(Args)]
pub struct SweepArgs {
    /// The sweep (TOML: `base` config, `seeds`, `[[variants]]` with `set` overrides; see configs/sweeps/).
    sweep: PathBuf,
    /// Output directory: runs go to <out>/<variant>/seed<k>, the report to <out>.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Only this variant or run (`variant` or `variant/seed<k>`), e.g. one task of a cluster job array.
    #[arg(long, value_name = "NAME", conflicts_with = "slurm")]
    only: Option<String>,
    /// Train nothing: print one command per run (for a cluster job array) and write them to
    /// <out>/commands.txt.
    #[arg(long, conflicts_with_all = ["report_only", "slurm"])]
    list: bool,
    /// Train nothing: report on the runs that exist.
    #[arg(long, conflicts_with = "slurm")]
    report_only: bool,
    /// Skip the report after training (when every cluster task trains one run; report once at the end).
    #[arg(long, conflicts_with = "report_only")]
    no_report: bool,
    /// Runs trained side by side here [default: the machine's cores over the largest `threads` of a run].
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// First step of the oscillation window (default: half of each run, after every burn-in).
    #[arg(long, value_name = "STEP")]
    window_start: Option<u64>,
    /// Print the per-variant summary as JSON.
    #[arg(long)]
    json: bool,
    /// Override a key of every run's config after the sweep's own `set`, e.g. `--set steps=20000` (give the
    /// same overrides to every later call on the same --out: they are part of each run's config).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Run these seeds instead of the sweep file's, e.g. `--seeds 3,4` for two more (a later `--report-only`
    /// reports the seeds it is given: `--seeds 0,1,2,3,4` for all).
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = crate::config_file::config_seed())]
    seeds: Option<Vec<u64>>,
    #[command(flatten)]
    cluster: super::sweep_slurm::SlurmArgs,
    #[command(flatten)]
    assets: AssetsArg,
}

impl SweepArgs {
    /// The options that make each run what it is (`--set`, `--seeds`), repeated in every command a run or
    /// report is given elsewhere (`--list`, `--slurm`).
    fn passed_on(&self) -> Vec<String> {
        let mut words: Vec<String> = self.set.iter().flat_map(|s| ["--set".to_string(), s.clone()]).collect();
        if let Some(seeds) = &self.seeds {
            let list: Vec<String> = seeds.iter().map(u64::to_string).collect();
            words.extend(["--seeds".to_string(), list.join(",")]);
        }
        words
    }
}

pub fn run(args: &SweepArgs) -> anyhow::Result<()> {
    let sweep = Sweep::load(&args.sweep, &args.set, args.seeds.as_deref())?;
    if args.cluster.status {
        return super::sweep_slurm::status(&sweep, &args.out);
    }
    let chosen = sweep.select(args.only.as_deref())?;
    if args.cluster.slurm {
        return super::sweep_slurm::submit(&args.cluster, &args.sweep, &args.out, &args.passed_on(), &chosen);
    }
    if args.list {
        return list(args, &chosen);
    }
    if !args.report_only {
        let widest = chosen.iter().map(|r| r.config.threads).max().unwrap_or(1).max(1);
        let jobs = args.jobs.unwrap_or_else(|| (butterfly_store::threads::cores() / widest).max(1));
        train_sweep(&chosen, &args.out, jobs, args.assets.assets.as_deref(), &Bars)?;
    }
    if args.no_report {
        return Ok(());
    }
    report(args, &sweep)
}

/// One command per run, each resumable: a task that is cut short can simply be run again.
fn list(args: &SweepArgs, runs: &[&SweepRun]) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot locate the butterfly executable")?;
    let abs = |p: &Path| std::path::absolute(p).with_context(|| format!("cannot resolve {}", p.display()));
    let (sweep, out) = (abs(&args.sweep)?, abs(&args.out)?);
    // Each value single-quoted for the shell (a quote inside closes, escapes and reopens); options bare.
    let quoted = |w: &String| if w.starts_with("--") { w.clone() } else { format!("'{}'", w.replace('\'', "'\\''")) };
    let sets: String = args.passed_on().iter().map(|w| format!(" {}", quoted(w))).collect();
    let mut text = String::new();
    for run in runs {
        text.push_str(&format!(
            "{} sweep {} --out {} --only {} --no-report{sets}\n",
            exe.display(),
            sweep.display(),
            out.display(),
            run.id()
        ));
    }
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let file = out.join("commands.txt");
    butterfly_store::write_atomic(&file, text.as_bytes())?;
    print!("{text}");
    eprintln!("{} commands written to {}; report afterwards with --report-only", runs.len(), file.display());
    Ok(())
}

fn report(args: &SweepArgs, sweep: &Sweep) -> anyhow::Result<()> {
    let summary = report_sweep(sweep, &args.out, args.window_start, &Bars)?;
    show(args.json, &summary.curves, summary.table())
}
