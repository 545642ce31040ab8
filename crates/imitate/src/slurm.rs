//! Sweeps on a Slurm cluster: one job-array task per run, each the resumable `sweep --only RUN --no-report`
//! command (a requeued or preempted task continues from its checkpoint), and a report job that runs after
//! the whole array, however its tasks ended (`--dependency=afterany`). Task logs are named by array index and
//! appended to, so a resubmitted task keeps its history and `--status` / `--report-only` can point at them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{ImitateError, SweepRun};

/// The `slurm/` folder of a sweep's output.
pub const SLURM_DIR: &str = "slurm";

/// What the job scripts ask of the scheduler.
#[derive(Debug, Clone, Default)]
pub struct SlurmSpec {
    pub partition: Option<String>,
    /// `HH:MM:SS` (or any `--time` Slurm accepts) per task.
    pub time: Option<String>,
    pub cpus_per_task: usize,
    pub mem: Option<String>,
    /// More `#SBATCH` lines, verbatim (e.g. `--account=lab`, `--qos=long`).
    pub extra: Vec<String>,
}

/// The array script, the report script and the run list, written into `<out>/slurm/`.
#[derive(Debug, Clone)]
pub struct SlurmScripts {
    pub array: PathBuf,
    pub report: PathBuf,
    pub tasks: usize,
}

/// Single quotes for the shell (a quote inside closes, escapes and reopens).
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The log of array task `index` (appended to across resubmissions).
pub fn task_log(out: &Path, index: usize) -> PathBuf {
    out.join(SLURM_DIR).join("logs").join(format!("task-{index}.out"))
}

/// Writes the scripts: `sweep_command` is the command that trains one run (its `--only` is added per task),
/// `report_command` the one that reports.
pub fn write_scripts(
    out: &Path,
    runs: &[&SweepRun],
    spec: &SlurmSpec,
    sweep_command: &[String],
    report_command: &[String],
) -> Result<SlurmScripts, ImitateError> {
    let dir = out.join(SLURM_DIR);
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs)
        .map_err(|e| ImitateError::Config(format!("cannot create {}: {e}", logs.display())))?;
    let mut header =
        vec![format!("--cpus-per-task={}", spec.cpus_per_task), "--requeue".into(), "--open-mode=append".into()];
    header.extend(spec.partition.iter().map(|p| format!("--partition={p}")));
    header.extend(spec.time.iter().map(|t| format!("--time={t}")));
    header.extend(spec.mem.iter().map(|m| format!("--mem={m}")));
    header.extend(spec.extra.iter().cloned());
    let sbatch = |lines: &[String]| lines.iter().map(|l| format!("#SBATCH {l}\n")).collect::<String>();
    let command = |words: &[String]| words.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" ");
    let ids: Vec<String> = runs.iter().map(|r| shell_quote(&r.id())).collect();
    let array_text = format!(
        "#!/usr/bin/env bash\n# Written by `butterfly sweep --slurm`: task i trains run i of the list (resumable).\n\
         #SBATCH --job-name=butterfly-sweep\n#SBATCH --array=0-{}\n#SBATCH --output={}\n{}\
         set -euo pipefail\nruns=({})\nexec {} --only \"${{runs[$SLURM_ARRAY_TASK_ID]}}\" --no-report\n",
        runs.len() - 1,
        logs.join("task-%a.out").display(),
        sbatch(&header),
        ids.join(" "),
        command(sweep_command)
    );
    let report_text = format!(
        "#!/usr/bin/env bash\n# Written by `butterfly sweep --slurm`: the report, after every task of the array.\n\
         #SBATCH --job-name=butterfly-sweep-report\n#SBATCH --output={}\n{}set -euo pipefail\nexec {}\n",
        logs.join("report.out").display(),
        sbatch(&[header[0].clone()].into_iter().chain(header[3..].iter().cloned()).collect::<Vec<_>>()),
        command(report_command)
    );
    let (array, report) = (dir.join("array.sbatch"), dir.join("report.sbatch"));
    for (path, text) in [(&array, array_text), (&report, report_text)] {
        butterfly_store::write_atomic(path, text.as_bytes())?;
    }
    Ok(SlurmScripts { array, report, tasks: runs.len() })
}

/// Runs `sbatch --parsable ARGS SCRIPT` and returns the job id.
fn sbatch(script: &Path, args: &[String]) -> Result<String, ImitateError> {
    let out = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .arg(script)
        .output()
        .map_err(|e| ImitateError::Config(format!("cannot run sbatch ({e}): is Slurm installed and on PATH?")))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let id = stdout.trim().split(';').next().unwrap_or("").to_string();
    if !out.status.success() || id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(ImitateError::Config(format!(
            "sbatch {} failed: {}",
            script.display(),
            stderr.trim().replace('\n', " ")
        )));
    }
    Ok(id)
}

/// Submits the array, then the report job after it; returns (array job id, report job id) and records them
/// in `<out>/slurm/jobs.txt`.
pub fn submit(out: &Path, scripts: &SlurmScripts) -> Result<(String, String), ImitateError> {
    let array = sbatch(&scripts.array, &[])?;
    let report = sbatch(&scripts.report, &[format!("--dependency=afterany:{array}")])?;
    let jobs = out.join(SLURM_DIR).join("jobs.txt");
    let mut text = std::fs::read_to_string(&jobs).unwrap_or_default();
    text.push_str(&format!("{array} {report}\n"));
    butterfly_store::write_atomic(&jobs, text.as_bytes())?;
    Ok((array, report))
}

/// The array job ids this output has submitted, newest last.
pub fn submitted_arrays(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out.join(SLURM_DIR).join("jobs.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Array task indices that Slurm lists as pending or running for `arrays` (None when squeue is missing).
pub fn queued_tasks(arrays: &[String]) -> Option<Vec<(usize, String)>> {
    if arrays.is_empty() {
        return Some(Vec::new());
    }
    let out = Command::new("squeue").args(["-h", "-r", "-o", "%K %T", "-j", &arrays.join(",")]).output().ok()?;
    if !out.status.success() {
        // A job id Slurm has forgotten is not an error of the sweep: nothing of it is queued.
        return Some(Vec::new());
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut f = l.split_whitespace();
                Some((f.next()?.parse().ok()?, f.next()?.to_lowercase()))
            })
            .collect(),
    )
}
