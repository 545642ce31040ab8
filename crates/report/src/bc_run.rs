//! A BC run directory read back from its files alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use butterfly_imitate::run_dir::{CONFIG, EVAL, EXPERT_RETURNS, ITERATES, VALIDATION, check_complete};
use butterfly_imitate::{BcConfig, Stabilizer};

use crate::ReportError;

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

#[derive(Debug, Clone)]
pub struct BcRun {
    pub dir: PathBuf,
    pub config: BcConfig,
    /// Raw first, then the stabilizers in config order.
    pub variants: Vec<(String, VariantCurves)>,
    /// The expert's mean J_H on the same initial conditions.
    pub expert_return: f64,
    /// The expert's J_H on each of them.
    pub expert_per_ic: Vec<f64>,
}

fn bad(path: &Path, what: String) -> ReportError {
    ReportError::Run { path: path.to_path_buf(), what }
}

/// Rows of a CSV written by Butterfly (no quoting), after the header, checked for `width` fields.
fn rows(path: &Path, width: usize) -> Result<Vec<Vec<String>>, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|e| bad(path, e.to_string()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<String> = line.split(',').map(str::to_string).collect();
        if fields.len() != width {
            return Err(bad(path, format!("line {} has {} fields, expected {width}", i + 1, fields.len())));
        }
        out.push(fields);
    }
    Ok(out)
}

fn num<T: std::str::FromStr>(path: &Path, field: &str) -> Result<T, ReportError> {
    field.parse().map_err(|_| bad(path, format!("'{field}' is not a number")))
}

impl BcRun {
    pub fn load(dir: &Path) -> Result<Self, ReportError> {
        check_complete(dir).map_err(|e| bad(dir, e.to_string()))?;
        let config_path = dir.join(CONFIG);
        let text = std::fs::read_to_string(&config_path).map_err(|e| bad(&config_path, e.to_string()))?;
        let config = BcConfig::from_toml(&text).map_err(|e| bad(&config_path, e.to_string()))?;

        let expert_path = dir.join(EXPERT_RETURNS);
        let expert: Vec<f64> =
            rows(&expert_path, 3)?.iter().map(|r| num(&expert_path, &r[1])).collect::<Result<_, _>>()?;
        if expert.is_empty() {
            return Err(bad(&expert_path, "no expert returns".into()));
        }
        let expert_return = expert.iter().sum::<f64>() / expert.len() as f64;

        let mut by_name: BTreeMap<String, VariantCurves> = BTreeMap::new();
        let eval_path = dir.join(EVAL);
        for r in rows(&eval_path, 5)? {
            let (step, ret): (u64, f64) = (num(&eval_path, &r[0])?, num(&eval_path, &r[3])?);
            let v = by_name.entry(r[1].clone()).or_default();
            if v.steps.last() != Some(&step) {
                v.steps.push(step);
                v.per_ic.push(Vec::new());
            }
            v.per_ic.last_mut().expect("pushed above").push(ret);
        }
        let iterates_path = dir.join(ITERATES);
        let mut iterate_sums: BTreeMap<String, Vec<(u64, f64, usize)>> = BTreeMap::new();
        for r in rows(&iterates_path, 5)? {
            let (step, ret): (u64, f64) = (num(&iterates_path, &r[0])?, num(&iterates_path, &r[3])?);
            let sums = iterate_sums.entry(r[1].clone()).or_default();
            match sums.last_mut() {
                Some((s, total, count)) if *s == step => {
                    *total += ret;
                    *count += 1;
                }
                _ => sums.push((step, ret, 1)),
            }
        }
        for (name, sums) in iterate_sums {
            let v = by_name.entry(name).or_default();
            v.iterate_steps = sums.iter().map(|s| s.0).collect();
            v.iterate_return = sums.iter().map(|s| s.1 / s.2 as f64).collect();
        }
        let val_path = dir.join(VALIDATION);
        for r in rows(&val_path, 3)? {
            let v = by_name.entry(r[1].clone()).or_default();
            v.val_steps.push(num(&val_path, &r[0])?);
            v.val_loss.push(num(&val_path, &r[2])?);
        }
        for v in by_name.values_mut() {
            v.mean_return = v.per_ic.iter().map(|r| r.iter().sum::<f64>() / r.len().max(1) as f64).collect();
        }
        let mut order = vec!["raw".to_string()];
        for s in &config.stabilizers {
            order.push(s.build(&[]).map_err(|e| bad(&config_path, e.to_string()))?.name().to_string());
        }
        let variants = order.into_iter().filter_map(|name| by_name.remove(&name).map(|c| (name, c))).collect();
        Ok(Self { dir: dir.to_path_buf(), config, variants, expert_return, expert_per_ic: expert })
    }

    /// Default oscillation window: the second half of training, after every burn-in.
    pub fn default_window_start(&self) -> u64 {
        let burn_in = self.config.stabilizers.iter().map(|s| s.burn_in()).max().unwrap_or(0);
        (self.config.steps / 2).max(burn_in)
    }
}
