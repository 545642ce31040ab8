//! Evaluations made anywhere, read into the same runs as Butterfly's own: CSVs of returns by `step`,
//! `variant` and `ic` (or `episode`), with an optional `seed` and `val_loss`, so that `butterfly analyze`
//! reports them with the code that reports `butterfly bc train` runs (docs/analyze.md).
//!
//! Cadence evaluations and every-iterate windows come mixed in such files (a run's eval.csv and
//! iterates.csv concatenated, say); they are told apart by the steps alone: a stretch of three or more
//! consecutive steps is a window, and its steps that fall on the cadence of the other evaluations count
//! as cadence evaluations too, as Butterfly's own runs record them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::ReportError;
use crate::runs::bc_run::{BcRun, RunSetting, VariantCurves};
use crate::stats::moments::mean;

/// How evaluations made elsewhere are to be read.
#[derive(Debug, Clone, Default)]
pub struct EvaluationSource {
    /// CSVs with `step`, `variant`, `ic` or `episode`, `return` (optional `seed`, `val_loss`, `length`);
    /// a CSV with `step`, `variant` and `val_loss` but no `return` holds validation losses only.
    pub files: Vec<PathBuf>,
    /// The expert's return, the same from every initial condition.
    pub expert_return: Option<f64>,
    /// The expert's return from each initial condition: a CSV with `ic` (or `episode`) and `return`
    /// (optional `seed`), such as a Butterfly run's expert.csv.
    pub expert_file: Option<PathBuf>,
    /// The rollout horizon (None: the longest `length` in the files, if they have that column).
    pub horizon: Option<usize>,
    /// What the report calls the task (None: the first file's name).
    pub name: Option<String>,
}

/// The variant whose rows, when the files hold it, are the expert's returns.
const EXPERT: &str = "expert";
/// The variant the others are compared with when present (it goes first, like a run's raw iterate).
const RAW: &str = "raw";
/// Consecutive steps that make an every-iterate window.
const WINDOW_MIN: usize = 3;

/// One CSV file: its columns by name, and every non-empty line's fields with the line's number.
struct Columns {
    names: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

impl Columns {
    fn find(&self, names: &[&str]) -> Option<usize> {
        self.names.iter().position(|h| names.contains(&h.as_str()))
    }
}

/// Returns from one seed's file rows: per variant, per step, per initial condition.
#[derive(Default)]
struct SeedRows {
    variants: Vec<String>,
    ics: Vec<String>,
    returns: BTreeMap<(usize, u64), BTreeMap<usize, f64>>,
    val_loss: BTreeMap<(usize, u64), f64>,
    expert: BTreeMap<usize, f64>,
}

impl SeedRows {
    fn index(list: &mut Vec<String>, name: &str) -> usize {
        list.iter().position(|n| n == name).unwrap_or_else(|| {
            list.push(name.to_string());
            list.len() - 1
        })
    }
}

fn bad(path: &Path, what: String) -> ReportError {
    ReportError::Run { path: path.to_path_buf(), what }
}

/// A CSV file, fields trimmed; a line whose field count differs from the header's is refused.
fn read_csv(path: &Path) -> Result<Columns, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|e| bad(path, format!("cannot be read: {e}")))?;
    let mut lines = text.lines();
    let names: Vec<String> = lines.next().unwrap_or_default().split(',').map(|h| h.trim().to_string()).collect();
    let mut rows = Vec::new();
    for (k, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let fields: Vec<String> = line.split(',').map(|f| f.trim().to_string()).collect();
        if fields.len() != names.len() {
            return Err(bad(path, format!("line {}: has {} fields, the header {}", k + 2, fields.len(), names.len())));
        }
        rows.push((k + 2, fields));
    }
    Ok(Columns { names, rows })
}

fn number<T: std::str::FromStr>(path: &Path, line: usize, column: &str, field: &str) -> Result<T, ReportError> {
    field.parse().map_err(|_| bad(path, format!("line {line}: {column} '{field}' is not a number")))
}

fn finite(path: &Path, line: usize, column: &str, field: &str) -> Result<f64, ReportError> {
    let x: f64 = number(path, line, column, field)?;
    if x.is_finite() { Ok(x) } else { Err(bad(path, format!("line {line}: {column} '{field}' is not finite"))) }
}

/// Everything the files say, by seed (seed 0 when they have no `seed` column), and the longest rollout.
fn read_rows(source: &EvaluationSource) -> Result<(BTreeMap<u64, SeedRows>, Option<usize>), ReportError> {
    let mut seeds: BTreeMap<u64, SeedRows> = BTreeMap::new();
    let mut longest: Option<usize> = None;
    for path in &source.files {
        let columns = read_csv(path)?;
        let need = |names: &[&str]| {
            columns.find(names).ok_or_else(|| {
                bad(path, format!("has no '{}' column (header: '{}')", names.join("' or '"), columns.names.join(",")))
            })
        };
        let (step_at, variant_at) = (need(&["step"])?, need(&["variant"])?);
        let return_at = columns.find(&["return"]);
        let ic_at = match return_at {
            Some(_) => Some(need(&["ic", "episode"])?),
            None => None,
        };
        let val_at = columns.find(&["val_loss"]);
        if return_at.is_none() && val_at.is_none() {
            return Err(bad(path, "has neither a 'return' nor a 'val_loss' column".into()));
        }
        let (seed_at, length_at) = (columns.find(&["seed"]), columns.find(&["length"]));
        for (line, f) in &columns.rows {
            let (line, f) = (*line, f);
            let seed = match seed_at {
                Some(at) => number(path, line, "seed", &f[at])?,
                None => 0,
            };
            let rows = seeds.entry(seed).or_default();
            let step: u64 = number(path, line, "step", &f[step_at])?;
            let variant = SeedRows::index(&mut rows.variants, &f[variant_at]);
            if let (Some(r), Some(i)) = (return_at, ic_at) {
                let ic = SeedRows::index(&mut rows.ics, &f[i]);
                let ret = finite(path, line, "return", &f[r])?;
                if rows.returns.entry((variant, step)).or_default().insert(ic, ret).is_some() {
                    let what = format!(
                        "line {line}: repeats step {step} of '{}' from {} {}",
                        f[variant_at], columns.names[i], f[i]
                    );
                    return Err(bad(path, what));
                }
            }
            if let Some(v) = val_at.filter(|&v| !f[v].is_empty()) {
                // Repeated on every initial condition's row: the first one stands.
                let loss = finite(path, line, "val_loss", &f[v])?;
                rows.val_loss.entry((variant, step)).or_insert(loss);
            }
            if let Some(at) = length_at {
                let length: usize = number(path, line, "length", &f[at])?;
                longest = Some(longest.map_or(length, |l| l.max(length)));
            }
        }
    }
    if seeds.values().all(|s| s.returns.is_empty()) {
        let files: Vec<String> = source.files.iter().map(|f| f.display().to_string()).collect();
        return Err(bad(Path::new(&files.join(", ")), "hold no return: nothing to analyze".into()));
    }
    Ok((seeds, longest))
}

/// The expert's return from each initial condition of each seed, from `source.expert_file`.
fn read_expert_file(path: &Path, seeds: &mut BTreeMap<u64, SeedRows>) -> Result<(), ReportError> {
    let columns = read_csv(path)?;
    let (Some(ic_at), Some(return_at)) = (columns.find(&["ic", "episode"]), columns.find(&["return"])) else {
        return Err(bad(
            path,
            format!("needs 'ic' (or 'episode') and 'return' columns (header: '{}')", columns.names.join(",")),
        ));
    };
    let seed_at = columns.find(&["seed"]);
    for (line, f) in &columns.rows {
        let (line, f) = (*line, f);
        let ret = finite(path, line, "return", &f[return_at])?;
        let seed: Option<u64> = seed_at.map(|at| number(path, line, "seed", &f[at])).transpose()?;
        for (_, rows) in seeds.iter_mut().filter(|(s, _)| seed.is_none_or(|seed| **s == seed)) {
            let ic = SeedRows::index(&mut rows.ics, &f[ic_at]);
            rows.expert.insert(ic, ret);
        }
    }
    Ok(())
}

/// Steps of every-iterate windows and the cadence of the rest: (window steps, cadence).
fn split_steps(steps: &[u64]) -> (Vec<u64>, u64) {
    let mut stretches: Vec<Vec<u64>> = Vec::new();
    for &s in steps {
        match stretches.last_mut() {
            Some(run) if run.last() == Some(&(s.wrapping_sub(1))) => run.push(s),
            _ => stretches.push(vec![s]),
        }
    }
    let sparse: Vec<u64> = stretches.iter().filter(|r| r.len() < WINDOW_MIN).flatten().copied().collect();
    if sparse.len() < 2 {
        // Every iterate evaluated throughout: the cadence is one update and there is no window apart.
        return (Vec::new(), 1);
    }
    let mut gaps: BTreeMap<u64, usize> = BTreeMap::new();
    for w in sparse.windows(2) {
        *gaps.entry(w[1] - w[0]).or_default() += 1;
    }
    // The most frequent gap; the largest of equally frequent ones (a stray pair of steps is not the cadence).
    let cadence = gaps.iter().max_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0))).map_or(1, |(g, _)| *g);
    let on_cadence = |s: u64| s >= sparse[0] && (s - sparse[0]).is_multiple_of(cadence);
    let window = stretches.iter().filter(|r| r.len() >= WINDOW_MIN).flatten().copied().filter(|&s| !on_cadence(s));
    (window.collect(), cadence)
}

/// One seed's rows as a run: variants with the expert's (or raw) first, curves and windows split.
fn seed_run(
    seed: u64,
    rows: &SeedRows,
    source: &EvaluationSource,
    horizon: Option<usize>,
    dir: PathBuf,
) -> Result<BcRun, ReportError> {
    // Default: the first file's folder and name (`seed0/eval`), which tells a run's eval.csv from another's.
    let name = source.name.clone().unwrap_or_else(|| {
        let file = &source.files[0];
        let stem = file.file_stem().map_or_else(|| "evaluations".into(), |s| s.to_string_lossy().into_owned());
        match file.parent().and_then(Path::file_name) {
            Some(folder) => format!("{}/{stem}", folder.to_string_lossy()),
            None => stem,
        }
    });
    let here = |what: String| bad(&source.files[0], format!("seed {seed}: {what}"));
    let k = rows.ics.len();
    let expert_variant = rows.variants.iter().position(|v| v == EXPERT);
    let mut order: Vec<usize> = (0..rows.variants.len()).filter(|&v| Some(v) != expert_variant).collect();
    if let Some(raw) = order.iter().position(|&v| rows.variants[v] == RAW) {
        let raw = order.remove(raw);
        order.insert(0, raw);
    }
    let mut steps: Vec<u64> = rows.returns.keys().map(|(_, s)| *s).collect();
    steps.sort_unstable();
    steps.dedup();
    let (window, cadence) = split_steps(&steps);

    let mut variants = Vec::new();
    for &v in &order {
        let mut c = VariantCurves::default();
        for ((_, step), by_ic) in rows.returns.range((v, 0)..=(v, u64::MAX)) {
            if let Some(missing) = (0..k).find(|i| !by_ic.contains_key(i)) {
                let what = format!(
                    "step {step} of '{}' has no return from initial condition {} (every evaluation needs the same ones, to be paired)",
                    rows.variants[v], rows.ics[missing]
                );
                return Err(here(what));
            }
            let returns: Vec<f64> = by_ic.values().copied().collect();
            if window.binary_search(step).is_ok() {
                c.iterate_steps.push(*step);
                c.iterate_return.push(mean(returns.iter().copied()));
            } else {
                c.steps.push(*step);
                c.mean_return.push(mean(returns.iter().copied()));
                c.per_ic.push(returns);
            }
        }
        for ((_, step), loss) in rows.val_loss.range((v, 0)..=(v, u64::MAX)) {
            c.val_steps.push(*step);
            c.val_loss.push(*loss);
        }
        if c.steps.is_empty() {
            return Err(here(format!("'{}' has no evaluation outside its every-iterate windows", rows.variants[v])));
        }
        variants.push((rows.variants[v].clone(), c));
    }
    if variants.is_empty() {
        return Err(here(format!("holds only the '{EXPERT}' variant: nothing to analyze")));
    }

    let (expert_per_ic, reference) = if let Some(r) = source.expert_return {
        (vec![r; k], "Expert".to_string())
    } else if !rows.expert.is_empty() {
        let per_ic = (0..k).map(|i| rows.expert.get(&i).copied()).collect::<Option<Vec<f64>>>();
        let per_ic = per_ic.ok_or_else(|| here("the expert's returns miss some initial conditions".into()))?;
        (per_ic, "Expert".to_string())
    } else if let Some(v) = expert_variant {
        let per_ic = (0..k)
            .map(|i| mean(rows.returns.range((v, 0)..=(v, u64::MAX)).filter_map(|(_, r)| r.get(&i).copied())))
            .collect();
        (per_ic, "Expert".to_string())
    } else {
        let best = variants.iter().flat_map(|(_, c)| c.mean_return.iter().copied()).fold(f64::NEG_INFINITY, f64::max);
        (vec![best; k], "No expert return given; the best mean evaluation stands in".to_string())
    };
    let setting = RunSetting {
        title: format!("Evaluations of {name}"),
        env: name,
        seed,
        steps: *steps.last().expect("a variant has an evaluation"),
        eval_every: cadence,
        initial_conditions: k,
        horizon,
        burn_in: 0,
    };
    Ok(BcRun {
        dir,
        setting,
        variants,
        expert_return: mean(expert_per_ic.iter().copied()),
        expert_per_ic,
        reference,
        metrics: Vec::new(),
    })
}

/// The runs the files hold, one per seed, each reporting into `out` (one seed) or `out/seed<S>`.
pub fn evaluation_runs(source: &EvaluationSource, out: &Path) -> Result<Vec<BcRun>, ReportError> {
    let (mut seeds, longest) = read_rows(source)?;
    if let Some(path) = &source.expert_file {
        read_expert_file(path, &mut seeds)?;
    }
    let horizon = source.horizon.or(longest);
    let one = seeds.len() == 1;
    seeds
        .iter()
        .filter(|(_, rows)| !rows.returns.is_empty())
        .map(|(&seed, rows)| {
            let dir = if one { out.to_path_buf() } else { out.join(format!("seed{seed}")) };
            seed_run(seed, rows, source, horizon, dir)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_told_from_the_cadence_by_the_steps_alone() {
        // Butterfly's own layout: evaluations every 1000, a window 3001..=3005 after the one at 3000.
        let mut steps = vec![1000, 2000, 3000, 3001, 3002, 3003, 3004, 3005, 4000, 5000];
        assert_eq!(split_steps(&steps), (vec![3001, 3002, 3003, 3004, 3005], 1000));
        // A window that runs over a cadence step keeps that step as a cadence evaluation.
        steps = vec![0, 10, 20, 29, 30, 31, 40];
        assert_eq!(split_steps(&steps), (vec![29, 31], 10));
        // Every iterate, throughout: cadence one, no window apart.
        assert_eq!(split_steps(&[5, 6, 7, 8]), (Vec::new(), 1));
        // Two consecutive steps are not a window.
        assert_eq!(split_steps(&[10, 11, 20, 30]), (Vec::new(), 10));
    }
}
