//! `butterfly sweep --slurm` and `--status`: a sweep as a Slurm job array with a report job after it, and
//! where each run stands (from its directory, and from squeue when Slurm is there).

use std::path::Path;

use anyhow::Context;
use butterfly_imitate::slurm::{self, SlurmSpec};
use butterfly_imitate::{Sweep, SweepRun};
use clap::Args;

#[derive(Args)]
pub struct SlurmArgs {
    /// Submit the runs as a Slurm job array (one task per run, resumable) and a report job after it.
    #[arg(long, conflicts_with = "status")]
    pub slurm: bool,
    /// With --slurm: write <out>/slurm/*.sbatch without submitting them.
    #[arg(long, requires = "slurm")]
    dry_run: bool,
    #[arg(long, requires = "slurm")]
    partition: Option<String>,
    /// Wall-clock limit per task: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.
    #[arg(long, requires = "slurm")]
    time: Option<String>,
    /// CPUs per task (the runs' own `threads` decide how many they use).
    #[arg(long, default_value_t = 2)]
    cpus_per_task: usize,
    /// Memory per task: a whole number with an optional K, M, G or T suffix (e.g. 8G).
    #[arg(long, requires = "slurm")]
    mem: Option<String>,
    /// Another #SBATCH line (repeatable), one --NAME[=VALUE] each, e.g. --sbatch-arg=--account=lab.
    #[arg(long = "sbatch-arg", value_name = "ARG", requires = "slurm", allow_hyphen_values = true)]
    sbatch_args: Vec<String>,
    /// Print where every run stands: done, running or pending (squeue), stopped (log named), not started.
    #[arg(long)]
    pub status: bool,
}

/// The command line of a task (`report`: of the report job), with absolute paths and the overrides.
fn command(sweep: &Path, out: &Path, passed_on: &[String], report: bool) -> anyhow::Result<Vec<String>> {
    let exe = std::env::current_exe().context("cannot locate the butterfly executable")?;
    let abs = |p: &Path| std::path::absolute(p).with_context(|| format!("cannot resolve {}", p.display()));
    let mut words = vec![exe.display().to_string(), "sweep".into(), abs(sweep)?.display().to_string(), "--out".into()];
    words.push(abs(out)?.display().to_string());
    if report {
        words.push("--report-only".into());
    }
    words.extend(passed_on.iter().cloned());
    Ok(words)
}

/// `passed_on`: the options every task's command repeats (`--set`, `--seeds`).
pub fn submit(
    args: &SlurmArgs,
    sweep: &Path,
    out: &Path,
    passed_on: &[String],
    runs: &[&SweepRun],
) -> anyhow::Result<()> {
    let spec = SlurmSpec {
        partition: args.partition.clone(),
        time: args.time.clone(),
        cpus_per_task: args.cpus_per_task,
        mem: args.mem.clone(),
        extra: args.sbatch_args.clone(),
    };
    let scripts = slurm::write_scripts(
        out,
        runs,
        &spec,
        &command(sweep, out, passed_on, false)?,
        &command(sweep, out, passed_on, true)?,
    )?;
    if args.dry_run {
        println!("{}\n{}", scripts.array.display(), scripts.report.display());
        eprintln!(
            "{} tasks; submit with: sbatch {} (then the report with --dependency=afterany)",
            scripts.tasks,
            scripts.array.display()
        );
        return Ok(());
    }
    let (array, report) = slurm::submit(out, &scripts)?;
    println!("{array}");
    eprintln!(
        "submitted job array {array} ({} tasks) and report job {report} after it; logs in {}; follow with --status",
        scripts.tasks,
        out.join(slurm::SLURM_DIR).join("logs").display()
    );
    Ok(())
}

pub fn status(sweep: &Sweep, out: &Path) -> anyhow::Result<()> {
    let arrays = slurm::submitted_arrays(out);
    let queued = slurm::queued_tasks(&arrays);
    if queued.is_none() && !arrays.is_empty() {
        eprintln!("squeue is not available: queued and running tasks show as stopped or not started");
    }
    for (index, run) in sweep.runs.iter().enumerate() {
        println!("{:<32} {}", run.id(), slurm::task_state(run, index, out, &queued));
    }
    Ok(())
}
