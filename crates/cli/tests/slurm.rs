//! Sweeps on a real Slurm: a one-node cluster on localhost (slurmctld + slurmd from Debian's packages,
//! which scripts/test.sh installs when it runs as root), a sweep submitted with `--slurm` against the same
//! sweep run locally (bit-identical CSVs), a task cancelled mid-run and completed by a resubmission.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const EXE: &str = env!("CARGO_BIN_EXE_butterfly");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn found(program: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {program}")]).output().is_ok_and(|o| o.status.success())
}

/// A throwaway cluster; its daemons are stopped (by PID, waited for) when it is dropped.
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        for sub in ["state", "spool", "log"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let user =
            String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap().trim().to_string();
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let port = 20_000 + (std::process::id() % 20_000) as u16;
        let d = dir.display();
        let conf = dir.join("slurm.conf");
        std::fs::write(
            &conf,
            format!(
                "ClusterName=butterflytest\nSlurmctldHost=localhost\nSlurmUser={user}\nSlurmdUser={user}\n\
                 AuthType=auth/none\nCredType=cred/none\nProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n\
                 SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\nReturnToService=2\nMpiDefault=none\n\
                 StateSaveLocation={d}/state\nSlurmdSpoolDir={d}/spool\nSlurmctldPidFile={d}/slurmctld.pid\n\
                 SlurmdPidFile={d}/slurmd.pid\nSlurmctldLogFile={d}/log/slurmctld.log\nSlurmdLogFile={d}/log/slurmd.log\n\
                 SlurmctldPort={port}\nSlurmdPort={}\nJobCompType=jobcomp/none\nAccountingStorageType=accounting_storage/none\n\
                 NodeName=localhost CPUs={cpus} State=UNKNOWN\nPartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n",
                port + 1
            ),
        )
        .unwrap();
        let cluster = Cluster { dir: dir.to_path_buf(), conf };
        assert!(cluster.run("slurmctld", &["-f", cluster.conf.to_str().unwrap()]).status.success(), "slurmctld");
        assert!(
            cluster.run("slurmd", &["-f", cluster.conf.to_str().unwrap(), "-N", "localhost"]).status.success(),
            "slurmd"
        );
        cluster.wait("the node to come up", || {
            String::from_utf8_lossy(&cluster.run("sinfo", &["-h", "-o", "%t"]).stdout).contains("idle")
        });
        cluster
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        Command::new(program).args(args).env("SLURM_CONF", &self.conf).output().unwrap()
    }

    fn butterfly(&self, args: &[&str]) -> Output {
        let out = Command::new(EXE).args(args).env("SLURM_CONF", &self.conf).current_dir(repo()).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    fn wait(&self, what: &str, done: impl Fn() -> bool) {
        let start = Instant::now();
        while !done() {
            let log = std::fs::read_to_string(self.dir.join("log/slurmctld.log")).unwrap_or_default();
            assert!(
                start.elapsed() < Duration::from_secs(300),
                "waited 300 s for {what}; slurmctld.log ends:\n{}",
                &log[log.len().saturating_sub(2000)..]
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Polls squeue until none of the jobs is listed.
    fn wait_for(&self, jobs: &[&str]) {
        self.wait("the jobs to finish", || self.run("squeue", &["-h", "-j", &jobs.join(",")]).stdout.is_empty());
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for daemon in ["slurmd", "slurmctld"] {
            let Ok(pid) = std::fs::read_to_string(self.dir.join(format!("{daemon}.pid"))) else { continue };
            let pid = pid.trim().to_string();
            let _ = Command::new("kill").arg(&pid).status();
            let start = Instant::now();
            while Path::new(&format!("/proc/{pid}")).exists() && start.elapsed() < Duration::from_secs(20) {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn same_csvs(a: &Path, b: &Path, runs: &[&str]) {
    for run in runs {
        for file in ["metrics.csv", "eval.csv", "validation.csv"] {
            let (x, y) = (a.join(run).join(file), b.join(run).join(file));
            assert!(
                std::fs::read(&x).unwrap() == std::fs::read(&y).unwrap(),
                "{} and {} differ",
                x.display(),
                y.display()
            );
        }
    }
}

#[test]
fn a_sweep_on_slurm_writes_the_files_of_a_local_sweep_and_a_cancelled_task_completes_when_resubmitted() {
    let missing: Vec<&str> =
        ["slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo"].into_iter().filter(|p| !found(p)).collect();
    let root = String::from_utf8_lossy(&Command::new("id").arg("-u").output().unwrap().stdout).trim() == "0";
    if !missing.is_empty() || !root {
        eprintln!(
            "skipped: a one-node Slurm needs root and Debian's slurmctld, slurmd and munge (scripts/test.sh installs them as root); missing: {missing:?}, root: {root}"
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("butterfly-slurm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cluster = Cluster::start(&dir.join("cluster"));
    let sweep = repo().join("configs/sweeps/linear.toml");
    let s = sweep.to_str().unwrap();
    let (local, remote) = (dir.join("local"), dir.join("slurm"));
    cluster.butterfly(&["sweep", s, "--out", local.to_str().unwrap()]);
    let out = cluster.butterfly(&["sweep", s, "--out", remote.to_str().unwrap(), "--slurm", "--cpus-per-task", "1"]);
    let array = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let jobs = std::fs::read_to_string(remote.join("slurm/jobs.txt")).unwrap();
    let report = jobs.split_whitespace().nth(1).unwrap().to_string();
    assert!(jobs.starts_with(&array), "{jobs}");
    cluster.wait_for(&[&array, &report]);
    let runs = [
        "baseline/seed0",
        "baseline/seed1",
        "batch-512/seed0",
        "batch-512/seed1",
        "cosine-decay/seed0",
        "cosine-decay/seed1",
    ];
    same_csvs(&local, &remote, &runs);
    assert!(remote.join("sweep.md").is_file(), "the report job ran after the array");
    let status =
        String::from_utf8(cluster.butterfly(&["sweep", s, "--out", remote.to_str().unwrap(), "--status"]).stdout)
            .unwrap();
    assert_eq!(status.lines().filter(|l| l.ends_with(" done")).count(), 6, "{status}");

    // One long run, cancelled after its first checkpoint, then resubmitted: it completes, and its files are
    // those of the same run trained locally without a break.
    let one = dir.join("one.toml");
    std::fs::write(&one, format!("base = \"{}\"\nseeds = [3]\nset = {{ steps = 60000, eval = {{ windows = [] }} }}\n[[variants]]\nname = \"long\"\n", repo().join("configs/linear-bc.toml").display())).unwrap();
    let o = one.to_str().unwrap();
    let (local_one, remote_one) = (dir.join("local-one"), dir.join("slurm-one"));
    let first = String::from_utf8(
        cluster
            .butterfly(&["sweep", o, "--out", remote_one.to_str().unwrap(), "--slurm", "--cpus-per-task", "1"])
            .stdout,
    )
    .unwrap();
    let checkpoint = remote_one.join("long/seed3/checkpoints/latest.safetensors");
    cluster.wait("the task's first checkpoint", || checkpoint.is_file());
    // (A job that has just finished cannot be cancelled: then there is nothing to resubmit, checked below.)
    let _ = cluster.run("scancel", &[first.trim()]);
    cluster.wait_for(&[first.trim()]);
    let status =
        String::from_utf8(cluster.butterfly(&["sweep", o, "--out", remote_one.to_str().unwrap(), "--status"]).stdout)
            .unwrap();
    if !status.contains(" done") {
        assert!(status.contains("stopped before its end (log: "), "{status}");
        cluster.butterfly(&["sweep", o, "--out", remote_one.to_str().unwrap(), "--slurm", "--cpus-per-task", "1"]);
        let arrays: Vec<String> = std::fs::read_to_string(remote_one.join("slurm/jobs.txt"))
            .unwrap()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        cluster.wait_for(&arrays.iter().map(String::as_str).collect::<Vec<_>>());
    } else {
        eprintln!("the run finished before scancel reached it: nothing to resubmit");
    }
    cluster.butterfly(&["sweep", o, "--out", local_one.to_str().unwrap()]);
    same_csvs(&local_one, &remote_one, &["long/seed3"]);
    drop(cluster);
    std::fs::remove_dir_all(&dir).unwrap();
}
