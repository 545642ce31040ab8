//! `butterfly sweep`: variants of a BC config × seeds (paper Figures 2 and 3), run here (one after
//! another, or `--jobs` side by side) or one per task on a cluster, then compared in one report.

use std::path::{Path, PathBuf};

use anyhow::Context;
use butterfly_imitate::{BcTrainer, Sweep, SweepRun, run_dir};
use butterfly_report::{BcRun, SweepGroup, write_sweep_report};
use clap::Args;

use super::bc::train_with_progress;
use super::env::AssetsArg;
use crate::show::show;

#[derive(Args)]
pub struct SweepArgs {
    /// The sweep (TOML: `base` config, `seeds`, `[[variants]]` with `set` overrides; see configs/sweeps/).
    sweep: PathBuf,
    /// Output directory: runs go to <out>/<variant>/seed<k>, the report to <out>.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Only this variant or run (`variant` or `variant/seed<k>`), e.g. one task of a cluster job array.
    #[arg(long, value_name = "NAME")]
    only: Option<String>,
    /// Train nothing: print one command per run (for a cluster job array) and write them to
    /// <out>/commands.txt.
    #[arg(long, conflicts_with = "report_only")]
    list: bool,
    /// Train nothing: report on the runs that exist.
    #[arg(long)]
    report_only: bool,
    /// Skip the report after training (when every cluster task trains one run; report once at the end).
    #[arg(long, conflicts_with = "report_only")]
    no_report: bool,
    /// Runs trained side by side here (give each run `threads = 1` to use one core each).
    #[arg(long, default_value_t = 1, value_name = "N")]
    jobs: usize,
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
        anyhow::ensure!(args.jobs >= 1, "--jobs must be at least 1");
        super::side_by_side::side_by_side(&chosen, args.jobs, |k, run| {
            train(args, run, &format!("sweep {}/{} {}", k + 1, chosen.len(), run.id()))
        })?;
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

/// Creates, resumes or skips (when finished) one run of the sweep.
fn train(args: &SweepArgs, run: &SweepRun, label: &str) -> anyhow::Result<()> {
    let dir = run.dir(&args.out);
    let assets = args.assets.assets.as_deref();
    if !dir.join(run_dir::CONFIG).exists() {
        eprintln!("{label}: collecting expert data for {} ...", run.config.env);
    }
    // A run of this config is continued (from its checkpoint, or from nothing); another is refused.
    let mut trainer = BcTrainer::create(run.config.clone(), &dir, assets).map_err(|e| {
        // Only a run of another config points at the sweep file; a lock or a damaged run says what it is.
        let hint = if e.to_string().contains("another config") { " (did the sweep file change?)" } else { "" };
        anyhow::Error::new(e).context(format!("sweep run {}{hint}", run.id()))
    })?;
    if trainer.step() >= trainer.total_steps() {
        eprintln!("{label}: finished earlier");
        return Ok(());
    }
    train_with_progress(&mut trainer, label, None)
}

/// Whether a run's eval.csv holds a row below its header (two lines read, not the whole log).
fn has_evaluation(dir: &Path) -> bool {
    use butterfly_store::LogRow;
    use std::io::BufRead;
    std::fs::File::open(dir.join(run_dir::RolloutRow::FILE))
        .is_ok_and(|f| std::io::BufReader::new(f).lines().nth(1).is_some_and(|l| l.is_ok()))
}

fn report(args: &SweepArgs, sweep: &Sweep) -> anyhow::Result<()> {
    let mut groups = Vec::new();
    let mut missing = Vec::new();
    let mut unfinished = Vec::new();
    let queued = butterfly_imitate::slurm::queued_tasks(&butterfly_imitate::slurm::submitted_arrays(&args.out));
    for (index, run) in sweep.runs.iter().enumerate() {
        if has_evaluation(&run.dir(&args.out)) && !run.finished(&args.out) {
            unfinished.push(format!("{} ({})", run.id(), super::sweep_slurm::state(run, index, &args.out, &queued)));
        }
    }
    for variant in &sweep.variants {
        let mut runs = Vec::new();
        for run in sweep.runs.iter().filter(|r| &r.variant == variant) {
            let dir = run.dir(&args.out);
            if !dir.join(run_dir::CONFIG).exists() {
                missing.push(run.id());
                continue;
            }
            match BcRun::load(&dir) {
                Ok(loaded) => runs.push(loaded),
                // A run still on its way to its first evaluation has nothing to report yet.
                Err(_) if !run.finished(&args.out) && !has_evaluation(&dir) => missing.push(run.id()),
                Err(e) => return Err(e.into()),
            }
        }
        if !runs.is_empty() {
            groups.push(SweepGroup { variant: variant.clone(), runs });
        }
    }
    anyhow::ensure!(!groups.is_empty(), "no run of this sweep exists under {} yet", args.out.display());
    if !missing.is_empty() {
        eprintln!("not started or not evaluated yet, left out of the report: {}", missing.join(", "));
    }
    if !unfinished.is_empty() {
        eprintln!("unfinished, reported as far as they got: {}", unfinished.join("; "));
    }
    let summary = write_sweep_report(&groups, &args.out, args.window_start)?;
    show(args.json, &summary.curves, summary.table())
}
