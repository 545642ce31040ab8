//! A BC run directory (DESIGN.md §4): the resolved `config.toml`, the expert data, the CSV logs and the
//! checkpoint.

use std::path::{Path, PathBuf};

use butterfly_store::CsvLog;

use crate::ImitateError;

pub const CONFIG: &str = "config.toml";
pub const TRAIN_DATA: &str = "data/train.safetensors";
pub const VALIDATION_DATA: &str = "data/validation.safetensors";
pub const CHECKPOINT: &str = "checkpoints/latest.safetensors";
/// The expert's J_H per evaluation initial condition: `ic,return,length`.
pub const EXPERT_RETURNS: &str = "expert.csv";
/// Training loss: `step,lr,train_loss`.
pub const METRICS: &str = "metrics.csv";
/// J_H per evaluation, variant and initial condition: `step,variant,ic,return,length`.
pub const EVAL: &str = "eval.csv";
/// Held-out BC loss per evaluation and variant: `step,variant,val_loss`.
pub const VALIDATION: &str = "validation.csv";
/// J_H of every iterate inside the evaluation windows: `step,variant,ic,return,length`.
pub const ITERATES: &str = "iterates.csv";

/// The parameters of every variant (tensors named `raw` and after each stabilizer) at evaluation `step`.
pub fn params_file(step: u64) -> String {
    format!("checkpoints/params_{step:08}.safetensors")
}

/// The CSV logs, in checkpoint order. `timing.csv` holds the wall-clock figures, so that the other
/// three are bit-identical for the same config, seed and thread count.
const LOGS: [(&str, &str); 5] = [
    (METRICS, "step,lr,train_loss"),
    (EVAL, "step,variant,ic,return,length"),
    (VALIDATION, "step,variant,val_loss"),
    (ITERATES, "step,variant,ic,return,length"),
    ("timing.csv", "step,elapsed_s,updates_per_s,eval_s"),
];

pub(crate) struct Logs {
    pub metrics: CsvLog,
    pub eval: CsvLog,
    pub validation: CsvLog,
    pub iterates: CsvLog,
    pub timing: CsvLog,
}

impl Logs {
    /// New logs with headers, or the existing ones cut back to the lengths a checkpoint recorded.
    pub fn open(dir: &Path, lengths: Option<&[u64]>) -> Result<Self, ImitateError> {
        if let Some(lens) = lengths
            && lens.len() != LOGS.len()
        {
            return Err(ImitateError::RunDir {
                path: dir.join(CHECKPOINT),
                what: "log_lengths has the wrong size".into(),
            });
        }
        let mut open = LOGS.iter().enumerate().map(|(k, (name, header))| match lengths {
            // timing.csv (last) is recorded by rows: its wall-clock figures make its bytes vary.
            Some(lens) if k == LOGS.len() - 1 => CsvLog::resume_rows(&dir.join(name), lens[k]),
            Some(lens) => CsvLog::resume(&dir.join(name), lens[k]),
            None => CsvLog::create(&dir.join(name), header),
        });
        let mut next = || open.next().expect("five logs");
        Ok(Self { metrics: next()?, eval: next()?, validation: next()?, iterates: next()?, timing: next()? })
    }

    /// What a checkpoint records: byte lengths, except the row count of timing.csv.
    pub fn lengths(&self) -> Result<Vec<u64>, ImitateError> {
        Ok(vec![
            self.metrics.len()?,
            self.eval.len()?,
            self.validation.len()?,
            self.iterates.len()?,
            self.timing.rows()?,
        ])
    }
}

/// Checks that `dir` holds a complete run, naming what is missing.
pub fn check_complete(dir: &Path) -> Result<(), ImitateError> {
    let required = [CONFIG, TRAIN_DATA, VALIDATION_DATA, EXPERT_RETURNS, CHECKPOINT]
        .into_iter()
        .chain(LOGS.iter().map(|(n, _)| *n));
    let missing: Vec<&str> = required.filter(|f| !dir.join(f).is_file()).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ImitateError::RunDir {
            path: dir.to_path_buf(),
            what: format!("not a complete run directory: missing {}", missing.join(", ")),
        })
    }
}

pub(crate) fn create_dirs(dir: &Path) -> Result<(), ImitateError> {
    for sub in [PathBuf::new(), PathBuf::from("data"), PathBuf::from("checkpoints")] {
        let path = dir.join(sub);
        std::fs::create_dir_all(&path).map_err(|source| ImitateError::Io { path, source })?;
    }
    Ok(())
}
