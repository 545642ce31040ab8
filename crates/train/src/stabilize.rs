//! `butterfly stabilize`: averages chosen after training (crate::posthoc) become variants of the run. At
//! every kept step (or the ones asked for) each average's parameters join the kept ones in
//! `checkpoints/params_*.safetensors`, and the run's own evaluation judges them; its rows go to
//! `posthoc/<log>` in the format of the run's own log of the same name, which readers take together with it
//! ([`read_with_posthoc`]).
//!
//! Why beside the run's logs and not appended to them: a log is in step order (readers refuse a step that
//! goes back) and a training resume cuts it back to the checkpoint's position, so rows of earlier steps
//! appended after training would break every reader, and a resumed run (`--steps` raised) would drop them.
//!
//! Resume: each step's rows are written atomically (the whole file, temp sibling and rename), the held-out
//! losses last; a (step, variant) whose held-out loss is there is done and skipped, and rows of a step
//! written again replace their earlier copies, so a kill anywhere leaves no torn or repeated row and the
//! rerun writes the files of an uninterrupted run.

use std::collections::BTreeSet;
use std::path::Path;

use butterfly_store::{LogRow, RunDir, StoreError, read_log, write_atomic};

use crate::kept::{KeptTensors, add_kept, not_kept};
use crate::posthoc::{exponent_of, lawa, reconstruct_from, run_stabilizers, tail_average, tracked_powers};
use crate::{TrainError, ValidationRow, kept_steps};

/// Where a run keeps the logs of its post-hoc variants.
pub const POSTHOC_DIR: &str = "posthoc";

/// An average chosen after training, named as a variant of the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Average {
    /// `posthoc_s{σ}`: the power EMA of relative width σ_rel, reconstructed from the tracked power EMAs'
    /// snapshots (the tracked one of the same width is `power_s{σ}`).
    Ema { sigma_rel: f64 },
    /// `lawa_k{k}`: the uniform mean of the raw iterates of the last k kept steps (fewer at the start).
    Lawa { k: usize },
    /// `tail_from{from}`: the uniform mean of every raw iterate kept from step `from` on (none before it).
    Tail { from: u64 },
}

impl Average {
    pub fn name(&self) -> String {
        match self {
            Average::Ema { sigma_rel } => format!("posthoc_s{sigma_rel}"),
            Average::Lawa { k } => format!("lawa_k{k}"),
            Average::Tail { from } => format!("tail_from{from}"),
        }
    }

    /// The average a variant name stands for (only names that [`Average::name`] writes).
    pub fn parse(name: &str) -> Option<Self> {
        let average = if let Some(s) = name.strip_prefix("posthoc_s") {
            Average::Ema { sigma_rel: s.parse().ok()? }
        } else if let Some(k) = name.strip_prefix("lawa_k") {
            Average::Lawa { k: k.parse().ok()? }
        } else {
            Average::Tail { from: name.strip_prefix("tail_from")?.parse().ok()? }
        };
        (average.name() == name).then_some(average)
    }

    /// Whether it is defined at kept step `step`.
    fn defined_at(&self, step: u64) -> bool {
        match self {
            Average::Tail { from } => step >= *from,
            _ => true,
        }
    }

    /// Its parameters at kept step `step` of the run `kept` reads.
    fn params(&self, kept: &mut KeptTensors, step: u64) -> Result<Vec<f32>, TrainError> {
        match *self {
            Average::Ema { sigma_rel } => Ok(reconstruct_from(kept, sigma_rel, step)?.0),
            Average::Lawa { k } => lawa(kept, k, step),
            Average::Tail { from } => tail_average(kept, from, step),
        }
    }
}

/// Rows of one of a run's logs whose rows begin `step,variant`, as lines.
pub struct Rows {
    file: &'static str,
    header: &'static str,
    lines: Vec<String>,
}

impl Rows {
    pub fn of<R: LogRow>(rows: &[R]) -> Self {
        debug_assert!(R::HEADER.starts_with("step,variant,"), "{}", R::HEADER);
        Self { file: R::FILE, header: R::HEADER, lines: rows.iter().map(LogRow::line).collect() }
    }
}

/// A kind of run's own evaluation, for parameters it did not train.
pub trait Judge {
    type Error: From<TrainError> + From<StoreError>;

    /// The held-out loss at `theta` (what training writes to `validation.csv`).
    fn held_out_loss(&mut self, theta: &[f32]) -> Result<f64, Self::Error>;

    /// The rows of the run's other evaluation logs for `variants` at `step`, as its training writes them
    /// (BC: the rollouts of `eval.csv`); none for a run judged by its held-out loss alone.
    fn evaluate(&mut self, step: u64, variants: &[(&str, &[f32])]) -> Result<Vec<Rows>, Self::Error>;
}

/// What `stabilize` will do: the variants to evaluate at each step, and how many are done already.
#[derive(Debug, Clone)]
pub struct Plan {
    pub todo: Vec<(u64, Vec<Average>)>,
    /// (step, variant) pairs evaluated by an earlier invocation.
    pub done: usize,
}

/// Checks a request against the run and plans it (reading only file names, headers and the post-hoc logs):
/// every average at every kept step up to the checkpoint, or at `steps`. Refused with one line: no average,
/// a name the run's stabilizers use, a width out of range or a run without power EMAs, LAWA over more
/// iterates than the run kept, a tail that starts after the last step asked for, a step not kept.
pub fn plan(run: &RunDir, averages: &[Average], steps: Option<&[u64]>) -> Result<Plan, TrainError> {
    let dir = run.path();
    let bad = |what: String| TrainError::Store(StoreError::RunDir { path: dir.to_path_buf(), what });
    if averages.is_empty() {
        return Err(TrainError::Config("stabilize: no average asked for (--sigma-rel, --lawa or --tail)".into()));
    }
    let checkpoint = run.checkpoint_step()?.unwrap_or(0);
    // Steps after the checkpoint belong to a run that was killed: a resume writes their files again.
    let kept: Vec<u64> = kept_steps(dir).into_iter().filter(|&s| s >= 1 && s <= checkpoint).collect();
    if kept.is_empty() {
        return Err(bad("kept no parameters yet: train it first".into()));
    }
    let steps: Vec<u64> = match steps {
        Some(asked) => {
            if let Some(&s) = asked.iter().find(|s| !kept.contains(s)) {
                return Err(not_kept(dir, s, &kept).into());
            }
            asked.iter().copied().collect::<BTreeSet<_>>().into_iter().collect()
        }
        None => kept.clone(),
    };
    let tracked: Vec<String> = run_stabilizers(dir)?
        .iter()
        .map(|s| Ok(crate::Stabilizer::name(&s.build(&[])?).to_string()))
        .collect::<Result<_, TrainError>>()?;
    let mut names = BTreeSet::new();
    for average in averages {
        let name = average.name();
        if !names.insert(name.clone()) || tracked.contains(&name) {
            return Err(bad(format!("has '{name}' already (asked twice, or one of the run's stabilizers)")));
        }
        match *average {
            Average::Ema { sigma_rel } => {
                exponent_of(sigma_rel)?;
                tracked_powers(dir)?;
            }
            Average::Lawa { k } if k == 0 || k > kept.len() => {
                let what = format!("LAWA needs 1 ≤ k ≤ {} (the raw iterates the run kept), got {k}", kept.len());
                return Err(TrainError::Config(what));
            }
            Average::Tail { from } => {
                let last = steps[steps.len() - 1];
                if from > last {
                    return Err(bad(format!("kept nothing from step {from} on (the last step asked for is {last})")));
                }
            }
            Average::Lawa { .. } => {}
        }
    }
    let done: BTreeSet<(u64, String)> = if run.join(POSTHOC_DIR).join(ValidationRow::FILE).is_file() {
        read_log::<ValidationRow>(&run.join(POSTHOC_DIR))?.into_iter().map(|r| (r.step, r.variant)).collect()
    } else {
        BTreeSet::new()
    };
    let mut plan = Plan { todo: Vec::new(), done: 0 };
    for step in steps {
        let (defined, todo): (Vec<Average>, Vec<Average>) = (
            averages.iter().copied().filter(|a| a.defined_at(step)).collect(),
            averages.iter().copied().filter(|a| a.defined_at(step) && !done.contains(&(step, a.name()))).collect(),
        );
        plan.done += defined.len() - todo.len();
        if !todo.is_empty() {
            plan.todo.push((step, todo));
        }
    }
    Ok(plan)
}

/// Carries out `plan` on the run: at each step the averages' parameters join the kept ones, then `judge`
/// evaluates them and the rows are written (the held-out losses last: they mark a pair done). `on_step`
/// hears of each finished step.
pub fn stabilize<J: Judge>(
    run: &RunDir,
    judge: &mut J,
    plan: &Plan,
    mut on_step: impl FnMut(u64),
) -> Result<(), J::Error> {
    let logs = run.make_dir(POSTHOC_DIR)?;
    // Snapshots and raw iterates read once for all the steps that combine them.
    let mut kept = KeptTensors::new(run.path());
    for (step, averages) in &plan.todo {
        let step = *step;
        let variants: Vec<(String, Vec<f32>)> =
            averages.iter().map(|a| Ok((a.name(), a.params(&mut kept, step)?))).collect::<Result<_, TrainError>>()?;
        add_kept(run, step, &variants)?;
        let borrowed: Vec<(&str, &[f32])> = variants.iter().map(|(n, t)| (n.as_str(), t.as_slice())).collect();
        let names: Vec<&str> = borrowed.iter().map(|(n, _)| *n).collect();
        for rows in judge.evaluate(step, &borrowed)? {
            merge(&logs, step, &names, rows)?;
        }
        let mut held_out = Vec::with_capacity(borrowed.len());
        for (name, theta) in &borrowed {
            held_out.push(ValidationRow { step, variant: name.to_string(), val_loss: judge.held_out_loss(theta)? });
        }
        merge(&logs, step, &names, Rows::of(&held_out))?;
        on_step(step);
    }
    Ok(())
}

/// Puts `rows` (of `step`) into the post-hoc log in `dir`, atomically: in place of any earlier rows of the
/// same step and variants (a step rewritten after a kill), after every row of an earlier or equal step, so
/// that the log stays in step order and holds each row once.
fn merge(dir: &Path, step: u64, variants: &[&str], rows: Rows) -> Result<(), StoreError> {
    let path = dir.join(rows.file);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => format!("{}\n", rows.header),
        Err(error) => return Err(StoreError::Read { path, error }),
    };
    let mut lines = text.lines();
    if lines.next() != Some(rows.header) {
        return Err(StoreError::Log { path, line: 1, what: format!("header is not '{}'", rows.header) });
    }
    // Every row begins `step,variant,` (Rows::of).
    let key = |line: &str| {
        let mut fields = line.splitn(3, ',');
        (fields.next().and_then(|s| s.parse::<u64>().ok()), fields.next().unwrap_or_default().to_string())
    };
    let kept: Vec<&str> =
        lines.filter(|l| !matches!(key(l), (Some(s), ref v) if s == step && variants.contains(&v.as_str()))).collect();
    let at = kept.iter().position(|l| key(l).0.is_none_or(|s| s > step)).unwrap_or(kept.len());
    let mut out = String::with_capacity(text.len() + rows.lines.iter().map(|l| l.len() + 1).sum::<usize>());
    for line in std::iter::once(rows.header).chain(kept[..at].iter().copied()) {
        out.push_str(line);
        out.push('\n');
    }
    for line in rows.lines.iter().map(String::as_str).chain(kept[at..].iter().copied()) {
        out.push_str(line);
        out.push('\n');
    }
    write_atomic(&path, out.as_bytes())
}

/// The rows of the run's log `R` in `dir` followed by those of its post-hoc variants (`posthoc/`), for
/// readers that show post-hoc variants as any other.
pub fn read_with_posthoc<R: LogRow>(dir: &Path) -> Result<Vec<R>, StoreError> {
    let mut rows = read_log::<R>(dir)?;
    let posthoc = dir.join(POSTHOC_DIR);
    if posthoc.join(R::FILE).is_file() {
        rows.extend(read_log::<R>(&posthoc)?);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_nothing_else_does() {
        for a in [Average::Ema { sigma_rel: 0.1 }, Average::Lawa { k: 5 }, Average::Tail { from: 40000 }] {
            assert_eq!(Average::parse(&a.name()), Some(a), "{}", a.name());
        }
        assert_eq!(Average::Ema { sigma_rel: 0.05 }.name(), "posthoc_s0.05");
        for other in ["raw", "power_s0.1", "posthoc_s0.10", "lawa_k", "tail_b100", "tail_from+3"] {
            assert_eq!(Average::parse(other), None, "{other}");
        }
    }

    #[test]
    fn a_merge_keeps_step_order_and_replaces_rewritten_rows() {
        let dir = std::env::temp_dir().join(format!("butterfly-merge-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let row = |step, variant: &str, val_loss| ValidationRow { step, variant: variant.into(), val_loss };
        merge(&dir, 100, &["a"], Rows::of(&[row(100, "a", 1.0)])).unwrap();
        merge(&dir, 200, &["a"], Rows::of(&[row(200, "a", 2.0)])).unwrap();
        // A second average over the same steps, and step 100 of "a" written again (after a kill).
        merge(&dir, 100, &["b"], Rows::of(&[row(100, "b", 3.0)])).unwrap();
        merge(&dir, 100, &["a"], Rows::of(&[row(100, "a", 1.0)])).unwrap();
        merge(&dir, 200, &["b"], Rows::of(&[row(200, "b", 4.0)])).unwrap();
        let rows = read_log::<ValidationRow>(&dir).unwrap();
        let got: Vec<(u64, &str)> = rows.iter().map(|r| (r.step, r.variant.as_str())).collect();
        assert_eq!(got, [(100, "b"), (100, "a"), (200, "a"), (200, "b")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
