//! `butterfly analyze` and `butterfly select --from-csv` for Python: the same library calls the CLI makes
//! (crates/cli/src/commands/analyze.rs and select.rs), answering the JSON those commands print.

use std::path::{Path, PathBuf};

use butterfly_report::{EvaluationSource, selection_json, write_analysis};
use butterfly_select::{ArmFilter, OutcomeTable, Request};
use pyo3::prelude::*;

use crate::error::{PyFaceError, Result};

fn json(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| PyFaceError::Invalid(e.to_string()))
}

/// The GVA report of the evaluations in `files`, written into `out`; the seeds' summaries as JSON.
#[pyfunction]
#[pyo3(signature = (files, out, expert_return=None, expert=None, window_start=None, horizon=None, name=None))]
#[allow(clippy::too_many_arguments)] // the CLI's options, as Python keywords
pub fn analyze(
    py: Python<'_>,
    files: Vec<PathBuf>,
    out: PathBuf,
    expert_return: Option<f64>,
    expert: Option<PathBuf>,
    window_start: Option<u64>,
    horizon: Option<usize>,
    name: Option<String>,
) -> Result<String> {
    let source = EvaluationSource { files, expert_return, expert_file: expert, horizon, name };
    let analysis = py.detach(|| write_analysis(&source, &out, window_start))?;
    json(&analysis.summaries)
}

/// A selection over the outcome table `csv` (its text; `path` names it in messages), as JSON.
#[pyfunction]
#[pyo3(signature = (csv, path, epsilon, delta, budget=None, seed=0, variants=None, steps=None, range=None))]
#[allow(clippy::too_many_arguments)] // the CLI's options, as Python keywords
pub fn select(
    csv: &str,
    path: &str,
    epsilon: f64,
    delta: f64,
    budget: Option<u64>,
    seed: u64,
    variants: Option<Vec<String>>,
    steps: Option<Vec<u64>>,
    range: Option<(f64, f64)>,
) -> Result<String> {
    let request = Request { epsilon, delta, budget, range, filter: ArmFilter { variants, steps }, seed };
    let selection = OutcomeTable::parse(Path::new(path), csv)?.select(&request)?;
    json(&selection_json(&selection, None))
}
