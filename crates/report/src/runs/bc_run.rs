//! A BC run directory read back from its files alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use butterfly_imitate::run_dir::{ExpertRow, IterateRow, MetricsRow, RolloutRow, ValidationRow};
use butterfly_imitate::{BcConfig, Stabilizer};
use butterfly_store::LogRow;
use butterfly_train::{Average, read_with_posthoc};

use crate::ReportError;
use crate::stats::moments::mean;

/// Per variant: evaluation steps, mean J_H, the per-initial-condition returns, and validation losses.
#[derive(Debug, Clone, Default)]
pub struct VariantCurves {
    pub steps: Vec<u64>,
    pub mean_return: Vec<f64>,
    /// `per_ic[k]` are the returns of evaluation k, one per initial condition.
    pub per_ic: Vec<Vec<f64>>,
    pub val_steps: Vec<u64>,
    pub val_loss: Vec<f64>,
    /// Every-iterate windows: the steps and mean J_H of each evaluated iterate.
    pub iterate_steps: Vec<u64>,
    pub iterate_return: Vec<f64>,
}

/// What the report needs to know of how a run was evaluated: from a BC run's config, or from the options
/// of `butterfly analyze` for evaluations made elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSetting {
    /// The report's heading.
    pub title: String,
    /// What was imitated (an env id, or what the user calls their task).
    pub env: String,
    pub seed: u64,
    /// Training updates (the last step evaluated, for evaluations made elsewhere).
    pub steps: u64,
    /// Evaluations every this many updates (the cadence of the oscillation metrics).
    pub eval_every: u64,
    pub initial_conditions: usize,
    /// Rollout horizon H of J_H (None: not known).
    pub horizon: Option<usize>,
    /// The longest burn-in of the run's stabilizers: the default oscillation window starts after it.
    pub burn_in: u64,
}

impl RunSetting {
    fn of(config: &BcConfig) -> Self {
        Self {
            title: format!("Behavior cloning on {}", config.env),
            env: config.env.clone(),
            seed: config.seed,
            steps: config.steps,
            eval_every: config.eval.every,
            initial_conditions: config.eval.initial_conditions,
            horizon: Some(config.eval.horizon),
            burn_in: config.stabilizers.iter().map(|s| s.burn_in()).max().unwrap_or(0),
        }
    }
}

/// "J_H (H = 1000)", or "J_H" where the horizon is not known.
pub fn j_h(horizon: Option<usize>) -> String {
    horizon.map_or_else(|| "J_H".to_string(), |h| format!("J_H (H = {h})"))
}

#[derive(Debug, Clone)]
pub struct BcRun {
    pub dir: PathBuf,
    pub setting: RunSetting,
    /// Raw first, then the stabilizers in config order.
    pub variants: Vec<(String, VariantCurves)>,
    /// The expert's mean J_H on the same initial conditions.
    pub expert_return: f64,
    /// The expert's J_H on each of them.
    pub expert_per_ic: Vec<f64>,
    /// What the expert's returns are ("Expert", or what stands in for one).
    pub reference: String,
    /// The training loss rows.
    pub metrics: Vec<MetricsRow>,
}

fn bad(path: &Path, what: String) -> ReportError {
    ReportError::Run { path: path.to_path_buf(), what }
}

/// The rows of one log, read and checked (header, fields, order, duplicates) by its row type, followed by
/// those of the variants `butterfly stabilize` added.
fn rows<R: LogRow>(dir: &Path) -> Result<Vec<R>, ReportError> {
    Ok(read_with_posthoc::<R>(dir)?)
}

impl BcRun {
    /// Reads a BC run from its files, refusing one whose logs are damaged or disagree with its config
    /// (the file and row named): no evaluation at all, an unknown variant, an evaluation that misses an
    /// initial condition.
    pub fn load(dir: &Path) -> Result<Self, ReportError> {
        let config = BcConfig::of_run(dir).map_err(|e| bad(dir, e.to_string()))?;
        let mut order = vec!["raw".to_string()];
        for s in &config.stabilizers {
            order.push(s.build(&[]).map_err(|e| bad(dir, e.to_string()))?.name().to_string());
        }
        let k = config.eval.initial_conditions;
        let tracked = order.clone();
        // Post-hoc variants follow the tracked ones, in the order they were added.
        let mut known = |file: &str, variant: &str| {
            if order.iter().any(|v| v == variant) {
                Ok(())
            } else if Average::parse(variant).is_some() {
                order.push(variant.to_string());
                Ok(())
            } else {
                Err(bad(
                    &dir.join(file),
                    format!("variant '{variant}' is not in the run's config (have {})", tracked.join(", ")),
                ))
            }
        };

        butterfly_store::Checkpoint::verify_run_file(dir, ExpertRow::FILE)?;
        let expert: Vec<f64> = rows::<ExpertRow>(dir)?.into_iter().map(|r| r.ret).collect();
        if expert.len() != k {
            let what = format!("{} expert returns, the run evaluates {k} initial conditions", expert.len());
            return Err(bad(&dir.join(ExpertRow::FILE), what));
        }
        let expert_return = mean(expert.iter().copied());
        let metrics = rows::<MetricsRow>(dir)?;

        let mut by_name: BTreeMap<String, VariantCurves> = BTreeMap::new();
        let eval = rows::<RolloutRow>(dir)?;
        if eval.is_empty() {
            return Err(bad(&dir.join(RolloutRow::FILE), "holds no evaluation yet: train the run first".into()));
        }
        for r in &eval {
            known(RolloutRow::FILE, &r.variant)?;
            let v = by_name.entry(r.variant.clone()).or_default();
            if v.steps.last() != Some(&r.step) {
                v.steps.push(r.step);
                v.per_ic.push(Vec::new());
            }
            v.per_ic.last_mut().expect("pushed above").push(r.ret);
        }
        for (name, v) in &by_name {
            if let Some((step, got)) = v.steps.iter().zip(&v.per_ic).find(|(_, r)| r.len() != k) {
                let what = format!(
                    "step {step} has {} returns of '{name}', the run evaluates {k} initial conditions",
                    got.len()
                );
                return Err(bad(&dir.join(RolloutRow::FILE), what));
            }
        }
        let mut iterate_sums: BTreeMap<String, Vec<(u64, f64, usize)>> = BTreeMap::new();
        for IterateRow(r) in rows::<IterateRow>(dir)? {
            known(IterateRow::FILE, &r.variant)?;
            let sums = iterate_sums.entry(r.variant).or_default();
            match sums.last_mut() {
                Some((s, total, count)) if *s == r.step => {
                    *total += r.ret;
                    *count += 1;
                }
                _ => sums.push((r.step, r.ret, 1)),
            }
        }
        for (name, sums) in iterate_sums {
            let v = by_name.entry(name).or_default();
            v.iterate_steps = sums.iter().map(|s| s.0).collect();
            v.iterate_return = sums.iter().map(|s| s.1 / s.2 as f64).collect();
        }
        for r in rows::<ValidationRow>(dir)? {
            known(ValidationRow::FILE, &r.variant)?;
            let v = by_name.entry(r.variant).or_default();
            v.val_steps.push(r.step);
            v.val_loss.push(r.val_loss);
        }
        for v in by_name.values_mut() {
            v.mean_return = v.per_ic.iter().map(|r| mean(r.iter().copied())).collect();
        }
        let variants = order.into_iter().filter_map(|name| by_name.remove(&name).map(|c| (name, c))).collect();
        let setting = RunSetting::of(&config);
        Ok(Self {
            dir: dir.to_path_buf(),
            setting,
            variants,
            expert_return,
            expert_per_ic: expert,
            reference: "Expert".into(),
            metrics,
        })
    }

    /// Default oscillation window: the second half of training, after every burn-in.
    pub fn default_window_start(&self) -> u64 {
        (self.setting.steps / 2).max(self.setting.burn_in)
    }
}
