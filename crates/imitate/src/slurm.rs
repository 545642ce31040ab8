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
    /// A partition name, or several separated by commas.
    pub partition: Option<String>,
    /// Per task, in a form `--time` accepts: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.
    pub time: Option<String>,
    pub cpus_per_task: usize,
    /// An integer with an optional K, M, G or T suffix.
    pub mem: Option<String>,
    /// More `#SBATCH` lines, one `--option[=value]` each (e.g. `--account=lab`, `--qos=long`).
    pub extra: Vec<String>,
}

impl SlurmSpec {
    /// Checks every field before anything is written: a malformed value would otherwise reach the
    /// scripts verbatim, and a newline in one would add a line of its own (a command, or another #SBATCH).
    pub fn validate(&self) -> Result<(), ImitateError> {
        let bad = |what: String| Err(ImitateError::Config(what));
        if self.cpus_per_task == 0 {
            return bad("--cpus-per-task must be at least 1".into());
        }
        if let Some(p) = &self.partition
            && !p
                .split(',')
                .all(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)))
        {
            return bad(format!(
                "--partition {p:?}: expected partition names of letters, digits, '_', '.' and '-', separated by commas"
            ));
        }
        if let Some(t) = &self.time
            && !valid_time(t)
        {
            return bad(format!(
                "--time {t:?}: expected minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (minutes and seconds below 60), or UNLIMITED"
            ));
        }
        if let Some(m) = &self.mem
            && !valid_mem(m)
        {
            return bad(format!("--mem {m:?}: expected a whole number with an optional K, M, G or T suffix (e.g. 8G)"));
        }
        for arg in &self.extra {
            if !valid_option(arg) {
                return bad(format!(
                    "--sbatch-arg {arg:?}: expected one option, --NAME or --NAME=VALUE (NAME of letters, digits and '-'; no control characters)"
                ));
            }
        }
        Ok(())
    }
}

/// Whole numbers of ASCII digits (no sign, no spaces).
fn number(s: &str) -> Option<u64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// The `--time` forms of sbatch(1); a field after the leading one is below 60 (minutes, seconds) or 24 (hours
/// after a day count).
fn valid_time(t: &str) -> bool {
    if t.eq_ignore_ascii_case("unlimited") || t.eq_ignore_ascii_case("infinite") {
        return true;
    }
    let below = |s: &str, limit: u64| number(s).is_some_and(|n| n < limit);
    let clock: Vec<&str> = t.split(':').collect();
    match t.split_once('-') {
        Some((days, rest)) => {
            let parts: Vec<&str> = rest.split(':').collect();
            number(days).is_some() && parts.len() <= 3 && below(parts[0], 24) && parts[1..].iter().all(|p| below(p, 60))
        }
        None => clock.len() <= 3 && number(clock[0]).is_some() && clock[1..].iter().all(|p| below(p, 60)),
    }
}

/// sbatch's `--mem`: a whole number, optionally K, M, G or T.
fn valid_mem(m: &str) -> bool {
    let digits = m.strip_suffix(['K', 'M', 'G', 'T', 'k', 'm', 'g', 't']).unwrap_or(m);
    number(digits).is_some()
}

/// One long option, `--NAME` or `--NAME=VALUE`, with nothing that could end the line it is written on.
fn valid_option(arg: &str) -> bool {
    let Some(option) = arg.strip_prefix("--") else { return false };
    let (name, value) = option.split_once('=').unwrap_or((option, ""));
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !value.chars().any(char::is_control)
}

/// One argument of an `#SBATCH` line as sbatch reads it back: plain when it is plain, otherwise in double
/// quotes with `\` and `"` escaped (sbatch groups quoted text into one argument, honours backslash escapes
/// and would take an unquoted `#` for the start of a comment).
fn sbatch_word(arg: &str) -> String {
    if arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_=.,:/%+@".contains(c)) {
        arg.to_string()
    } else {
        format!("\"{}\"", arg.replace('\\', "\\\\").replace('"', "\\\""))
    }
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
    spec.validate()?;
    let ids: Vec<String> = runs.iter().map(|r| r.id()).collect();
    if let Some(word) = sweep_command.iter().chain(report_command).chain(&ids).find(|w| w.chars().any(char::is_control))
    {
        return Err(ImitateError::Config(format!(
            "{word:?} holds a control character: it cannot go into a job script"
        )));
    }
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
    let sbatch = |lines: &[String]| lines.iter().map(|l| format!("#SBATCH {}\n", sbatch_word(l))).collect::<String>();
    let command = |words: &[String]| words.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" ");
    let output = |file: &str| format!("--output={}", logs.join(file).display());
    let array_text = format!(
        "#!/usr/bin/env bash\n# Written by `butterfly sweep --slurm`: task i trains run i of the list (resumable).\n\
         #SBATCH --job-name=butterfly-sweep\n#SBATCH --array=0-{}\n{}{}\
         set -euo pipefail\nruns=({})\nexec {} --only \"${{runs[$SLURM_ARRAY_TASK_ID]}}\" --no-report\n",
        runs.len() - 1,
        sbatch(&[output("task-%a.out")]),
        sbatch(&header),
        command(&ids),
        command(sweep_command)
    );
    let report_text = format!(
        "#!/usr/bin/env bash\n# Written by `butterfly sweep --slurm`: the report, after every task of the array.\n\
         #SBATCH --job-name=butterfly-sweep-report\n{}{}set -euo pipefail\nexec {}\n",
        sbatch(&[output("report.out")]),
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

/// Where `run` (task `index`) stands.
pub fn task_state(sweep_run: &SweepRun, index: usize, out: &Path, queued: &Option<Vec<(usize, String)>>) -> String {
    if sweep_run.finished(out) {
        return "done".into();
    }
    if let Some(q) = queued.as_ref().and_then(|q| q.iter().find(|(i, _)| *i == index)) {
        return q.1.clone();
    }
    let log = task_log(out, index);
    let started = sweep_run.dir(out).join(crate::run_dir::CONFIG).exists();
    match (started, log.is_file()) {
        (_, true) => format!("stopped before its end (log: {})", log.display()),
        (true, false) => "stopped before its end (resumable)".into(),
        (false, false) => "not started".into(),
    }
}
