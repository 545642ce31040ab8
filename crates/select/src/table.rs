//! Outcomes already made: a CSV of returns by (step, variant, initial condition), such as a BC run's
//! eval.csv or anyone's evaluations. A selection over it draws the initial conditions in a seeded random
//! order without replacement and looks each outcome up instead of rolling it out, so its cost can be set
//! against evaluating every row.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::arm::{Arm, ArmFilter};
use crate::error::SelectError;
use crate::race::RaceSpec;
use crate::selection::{Request, Selection, run_selection};

/// Every arm's return from every initial condition of the table.
#[derive(Debug, Clone)]
pub struct OutcomeTable {
    path: PathBuf,
    /// Steps ascending; variants and initial conditions in order of first appearance.
    steps: Vec<u64>,
    variants: Vec<String>,
    ics: Vec<String>,
    /// Returns of an arm, by position in `ics`.
    returns: HashMap<Arm, Vec<f64>>,
}

impl OutcomeTable {
    pub fn load(path: &Path) -> Result<Self, SelectError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SelectError::Table { path: path.to_path_buf(), what: format!("cannot be read: {e}") })?;
        Self::parse(path, &text)
    }

    /// Parses the CSV text: a header naming `step`, `variant`, `ic` (or `episode`) and `return` (other
    /// columns are ignored), then one row per outcome; every arm needs the same initial conditions.
    pub fn parse(path: &Path, text: &str) -> Result<Self, SelectError> {
        let bad = |what: String| SelectError::Table { path: path.to_path_buf(), what };
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split(',').map(str::trim).collect();
        let column = |names: &[&str]| {
            header.iter().position(|h| names.contains(h)).ok_or_else(|| {
                bad(format!("has no '{}' column (header: '{}')", names.join("' or '"), header.join(",")))
            })
        };
        let (step_at, variant_at) = (column(&["step"])?, column(&["variant"])?);
        let (ic_at, return_at) = (column(&["ic", "episode"])?, column(&["return"])?);

        let mut table = Self {
            path: path.to_path_buf(),
            steps: Vec::new(),
            variants: Vec::new(),
            ics: Vec::new(),
            returns: HashMap::new(),
        };
        for (k, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let at = |what: String| bad(format!("line {}: {what}", k + 2));
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() != header.len() {
                return Err(at(format!("has {} fields, the header {}", fields.len(), header.len())));
            }
            let step: u64 =
                fields[step_at].parse().map_err(|_| at(format!("step '{}' is not a count", fields[step_at])))?;
            let ret: f64 = fields[return_at]
                .parse()
                .ok()
                .filter(|r: &f64| r.is_finite())
                .ok_or_else(|| at(format!("return '{}' is not a finite number", fields[return_at])))?;
            let variant = fields[variant_at].to_string();
            let ic = position_or_push(&mut table.ics, fields[ic_at]);
            if !table.steps.contains(&step) {
                table.steps.push(step);
            }
            position_or_push(&mut table.variants, &variant);
            let arm = Arm { step, variant };
            let repeated = format!("repeats {arm}, initial condition {}", fields[ic_at]);
            let row = table.returns.entry(arm).or_default();
            row.resize(row.len().max(ic + 1), f64::NAN);
            if !row[ic].is_nan() {
                return Err(at(repeated));
            }
            row[ic] = ret;
        }
        if table.returns.is_empty() {
            return Err(bad("holds no outcome".into()));
        }
        table.steps.sort_unstable();
        for (arm, row) in &mut table.returns {
            row.resize(table.ics.len(), f64::NAN);
            if let Some(missing) = row.iter().position(|r| r.is_nan()) {
                return Err(bad(format!(
                    "{arm} has no outcome from initial condition {} (every arm needs the same ones, to be paired)",
                    table.ics[missing]
                )));
            }
        }
        Ok(table)
    }

    pub fn steps(&self) -> &[u64] {
        &self.steps
    }

    pub fn variants(&self) -> &[String] {
        &self.variants
    }

    /// The number of initial conditions (each arm's rows).
    pub fn initial_conditions(&self) -> usize {
        self.ics.len()
    }

    /// The returns of `arm` by initial condition (None: the table lacks the arm).
    pub fn returns(&self, arm: &Arm) -> Option<&[f64]> {
        self.returns.get(arm).map(Vec::as_slice)
    }

    /// The arms of the filter that the table holds (a step may lack a variant that others have).
    pub fn arms(&self, filter: &ArmFilter) -> Result<Vec<Arm>, SelectError> {
        let arms: Vec<Arm> =
            filter.arms(&self.steps, &self.variants)?.into_iter().filter(|a| self.returns.contains_key(a)).collect();
        if arms.is_empty() {
            return Err(SelectError::Table {
                path: self.path.clone(),
                what: "holds none of the arms asked for".into(),
            });
        }
        Ok(arms)
    }

    /// Selects among the table's arms, looking every outcome up (range None: the table's own smallest and
    /// largest return among the arms raced; the seed orders the initial conditions).
    pub fn select(&self, how: &Request) -> Result<Selection, SelectError> {
        let arms = self.arms(&how.filter)?;
        let range = how.range.unwrap_or_else(|| {
            let all = arms.iter().flat_map(|a| &self.returns[a]);
            all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| (lo.min(r), hi.max(r)))
        });
        // A table whose returns are all equal: any arm is the best; widen the range so the bounds exist.
        let range = if range.0 < range.1 { range } else { (range.0 - 0.5, range.0 + 0.5) };
        let spec = RaceSpec {
            epsilon: how.epsilon,
            delta: how.delta,
            range,
            population: Some(self.ics.len()),
            budget: how.budget,
        };
        let mut order: Vec<usize> = (0..self.ics.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(how.seed));
        let exhaustive = (arms.len() * self.ics.len()) as u64;
        run_selection(&arms, &spec, exhaustive, |round, live: &[&Arm]| {
            Ok::<_, SelectError>(live.iter().map(|a| self.returns[*a][order[round]]).collect())
        })
    }
}

/// The position of `name` in `names`, appending it first if new.
fn position_or_push(names: &mut Vec<String>, name: &str) -> usize {
    names.iter().position(|n| n == name).unwrap_or_else(|| {
        names.push(name.to_string());
        names.len() - 1
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn parse(text: &str) -> Result<OutcomeTable, String> {
        OutcomeTable::parse(Path::new("t.csv"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_a_table_and_refuses_broken_ones_in_one_line() {
        let t = parse("step,variant,ic,return,length\n5,raw,0,1.5,10\n5,raw,1,2.5,10\n10,raw,0,3,10\n10,raw,1,4,10\n")
            .unwrap();
        assert_eq!((t.steps(), t.initial_conditions()), (&[5, 10][..], 2));
        assert_eq!(t.returns(&Arm { step: 10, variant: "raw".into() }), Some(&[3.0, 4.0][..]));
        // `episode` stands for `ic`; extra columns are ignored.
        assert!(parse("episode,return,step,variant\n0,1,5,raw\n").is_ok());
        for (text, says) in [
            ("step,variant,return\n5,raw,1\n", "no 'ic' or 'episode' column"),
            ("step,variant,ic,return\n5,raw,0,x\n", "line 2: return 'x'"),
            ("step,variant,ic,return\n5,raw,0,1\n5,raw,0,2\n", "repeats raw at step 5"),
            (
                "step,variant,ic,return\n5,raw,0,1\n5,raw,1,2\n10,raw,0,1\n",
                "raw at step 10 has no outcome from initial condition 1",
            ),
            ("step,variant,ic,return\n", "holds no outcome"),
            ("step,variant,ic,return\n5,raw,0\n", "has 3 fields"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(says) && !e.contains('\n'), "{e}");
        }
    }
}
