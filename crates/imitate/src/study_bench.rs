//! `butterfly bench study`: one seed of a GVA study end to end — expert data, BC training with an EMA, J_H
//! on 20 initial conditions at the evaluation cadence — as a user runs it (`butterfly bc train` in a fresh
//! cache, so the data is collected and not found), beside the same study written with Gymnasium and
//! PyTorch (`bench/torch_study.py`), same data size, updates, evaluations and threads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use butterfly_train::{StabilizerSpec, TrainingConfig};
use serde::{Deserialize, Serialize};

use crate::{BcConfig, ImitateError, run_torch_script};

/// The checkout the study's configs name their expert file in.
const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const DEMO: &str = include_str!("../../../configs/demo.toml");
const FIGURE1: &str = include_str!("../../../configs/paper/figure1.toml");

/// Which study.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudySetting {
    /// The demo's (configs/demo.toml): 200 trajectories, 30 000 updates, J_H every 1 500, constant lr.
    Demo,
    /// The paper's Figure 1 (configs/paper/figure1.toml: 1 000 trajectories, cosine to 0), scaled to 15 000
    /// updates, J_H every 5 000 as the paper evaluates.
    Paper,
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct StudyBench {
    pub setting: StudySetting,
    /// Another number of updates (the evaluation cadence and burn-in scale with it).
    pub updates: Option<u64>,
    /// Another number of expert trajectories.
    pub trajectories: Option<usize>,
    /// Threads of each side (ours: training, evaluation and data collection; torch's intra-op threads).
    pub threads: usize,
    /// The `butterfly` binary that runs our side.
    pub exe: PathBuf,
    /// Pythons to try for the reference side; None skips it.
    pub torch: Option<Vec<PathBuf>>,
    /// Scratch directory for the run and its fresh cache (removed afterwards).
    pub scratch: PathBuf,
}

/// Where one side's time went, in seconds of wall clock, and the J_H it ended with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StudyTimes {
    pub total_s: f64,
    /// Until training starts: start-up, expert data (and for Butterfly the expert's own J_H on the
    /// evaluation set and the held-out data, which the reference side does not make).
    pub data_s: f64,
    pub training_s: f64,
    pub evaluation_s: f64,
    /// J_H of `raw` and `ema` at the last update.
    #[serde(rename = "final")]
    pub final_j: BTreeMap<String, f64>,
}

/// The workload and both sides' times.
#[derive(Debug, Clone, Serialize)]
pub struct StudyRates {
    pub setting: String,
    pub env: String,
    pub trajectories: usize,
    pub updates: u64,
    pub eval_every: u64,
    pub initial_conditions: usize,
    pub threads: usize,
    pub butterfly: StudyTimes,
    pub torch: Option<StudyTimes>,
}

impl StudyBench {
    /// The study's config: the setting's file with only the EMA kept and no every-iterate window.
    pub fn config(&self) -> Result<BcConfig, ImitateError> {
        let (text, eval_every) = match self.setting {
            StudySetting::Demo => (DEMO, None),
            StudySetting::Paper => (FIGURE1, Some(5000)),
        };
        let mut config = BcConfig::from_toml(text)?;
        config.stabilizers.retain(|s| study_ema(std::slice::from_ref(s)).is_some());
        config.eval.windows.clear();
        if self.setting == StudySetting::Paper {
            config.scale_budget(15_000);
        }
        if let Some(updates) = self.updates {
            config.scale_budget(updates);
        }
        if let Some(every) = eval_every {
            config.eval.every = every.min(config.steps);
        }
        if let Some(n) = self.trajectories {
            config.data.trajectories = n;
        }
        config.threads = self.threads;
        config.eval.threads = self.threads;
        config.data.threads = self.threads;
        // The shipped expert, wherever the command is run from.
        let expert = Path::new(REPO).join(&config.expert);
        config.expert = std::fs::canonicalize(&expert)
            .map_err(|_| {
                ImitateError::Config(format!("{} is missing: run from a Butterfly checkout", expert.display()))
            })?
            .display()
            .to_string();
        config.validate()?;
        Ok(config)
    }

    pub fn measure(&self) -> Result<StudyRates, ImitateError> {
        butterfly_store::threads::check_threads("threads", self.threads)?;
        let config = self.config()?;
        let _ = std::fs::remove_dir_all(&self.scratch);
        std::fs::create_dir_all(&self.scratch)
            .map_err(|source| ImitateError::Io { path: self.scratch.clone(), source })?;
        let result = self.measure_in(&config);
        let _ = std::fs::remove_dir_all(&self.scratch);
        result
    }

    fn measure_in(&self, config: &BcConfig) -> Result<StudyRates, ImitateError> {
        let file = self.scratch.join("study.toml");
        std::fs::write(&file, config.to_toml()).map_err(|source| ImitateError::Io { path: file.clone(), source })?;
        let run = self.scratch.join("run");
        let butterfly = self.butterfly_side(&file, &run)?;
        let torch = match &self.torch {
            None => None,
            Some(candidates) => self.torch_side(candidates, config)?,
        };
        Ok(StudyRates {
            setting: format!("{:?}", self.setting).to_lowercase(),
            env: config.env.clone(),
            trajectories: config.data.trajectories,
            updates: config.steps,
            eval_every: config.eval.every,
            initial_conditions: config.eval.initial_conditions,
            threads: self.threads,
            butterfly,
            torch,
        })
    }

    /// `butterfly bc train` in a fresh cache; the split from the run's timing.csv (elapsed since training
    /// started, and each evaluation's time).
    fn butterfly_side(&self, config: &Path, run: &Path) -> Result<StudyTimes, ImitateError> {
        let start = Instant::now();
        let out = Command::new(&self.exe)
            .args(["bc", "train"])
            .arg(config)
            .arg("--out")
            .arg(run)
            .env("BUTTERFLY_HOME", self.scratch.join("cache"))
            .output()
            .map_err(|source| ImitateError::Io { path: self.exe.clone(), source })?;
        let total_s = start.elapsed().as_secs_f64();
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(ImitateError::Config(format!(
                "the study's run failed: {}",
                err.trim().lines().last().unwrap_or("")
            )));
        }
        let timing: Vec<butterfly_train::TimingRow> = butterfly_store::read_log(run)?;
        let last = timing.last().map_or(0.0, |r| r.elapsed_s);
        let evaluation_s: f64 = timing.iter().map(|r| r.eval_s).sum();
        let evals: Vec<crate::run_dir::RolloutRow> = butterfly_store::read_log(run)?;
        let last_step = evals.iter().map(|r| r.step).max().unwrap_or(0);
        let mut final_j: BTreeMap<String, (f64, usize)> = BTreeMap::new();
        for r in evals.iter().filter(|r| r.step == last_step) {
            let e = final_j.entry(r.variant.clone()).or_default();
            e.0 += r.ret;
            e.1 += 1;
        }
        Ok(StudyTimes {
            total_s,
            data_s: total_s - last,
            training_s: last - evaluation_s,
            evaluation_s,
            final_j: final_j.into_iter().map(|(v, (sum, n))| (v, sum / n as f64)).collect(),
        })
    }

    fn torch_side(&self, candidates: &[PathBuf], c: &BcConfig) -> Result<Option<StudyTimes>, ImitateError> {
        let (alpha, gamma_min, burn_in) = study_ema(&c.stabilizers)
            .ok_or_else(|| ImitateError::Config("the study's config has no EMA named 'ema' with an alpha".into()))?;
        let width = c.network.hidden.first().copied().unwrap_or(256);
        let args: Vec<String> = [
            ("--env", c.env.clone()),
            ("--expert", c.expert.clone()),
            ("--trajectories", c.data.trajectories.to_string()),
            ("--horizon", c.data.horizon.to_string()),
            ("--updates", c.steps.to_string()),
            ("--eval-every", c.eval.every.to_string()),
            ("--initial-conditions", c.eval.initial_conditions.to_string()),
            ("--eval-horizon", c.eval.horizon.to_string()),
            ("--batch", c.batch_size.to_string()),
            ("--width", width.to_string()),
            ("--depth", c.network.hidden.len().to_string()),
            ("--lr", c.schedule.lr.to_string()),
            ("--alpha", alpha.to_string()),
            ("--gamma-min", gamma_min.to_string()),
            ("--burn-in", burn_in.to_string()),
            ("--threads", self.threads.to_string()),
            ("--seed", c.seed.to_string()),
        ]
        .into_iter()
        .flat_map(|(k, v)| [k.to_string(), v])
        .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_torch_script(candidates, "torch_study.py", &args)
    }
}

/// The EMA the study tracks (the one named `ema`, γ_t = max(t^−α, γ_min)): (α, γ_min, burn-in).
fn study_ema(stabilizers: &[StabilizerSpec]) -> Option<(f64, f64, u64)> {
    stabilizers.iter().find_map(|s| match s {
        StabilizerSpec::Ema { name: Some(name), alpha: Some(alpha), gamma_min, burn_in, .. } if name == "ema" => {
            Some((*alpha, gamma_min.unwrap_or(0.0), *burn_in))
        }
        _ => None,
    })
}
