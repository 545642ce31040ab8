//! The flip-flop study over seeds: the read error of every evaluated iterate, raw and stabilized, on test
//! sets in and out of the training distribution. Per set and variant: the mean read error and the
//! oscillation of the read accuracy over the second half of training, each a mean over seeds with its 95 %
//! interval, and the paired difference from the raw model of the same seed (the same iterates' average,
//! scored on the same sequences), whose interval says whether the stabilizer really changes it.

use std::path::{Path, PathBuf};

use butterfly_lm::analysis::flipflop_score::StepScore;
use butterfly_store::write_atomic;

use crate::plot::{Axis, Corner, LineChart, Panels, Series, Style};
use crate::reports::flipflop_score::flipflop_summaries;
use crate::runs::variant_order;
use crate::stats::interval::{Interval, Sign};
use crate::{CsvTable, ReportError};

/// One seed's run, scored at every kept step on each test set (`label`, rows).
#[derive(Debug, Clone)]
pub struct FlipflopSeed {
    pub seed: u64,
    pub sets: Vec<(String, Vec<StepScore>)>,
}

/// One test set and variant over the seeds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FlipflopStudyRow {
    pub set: String,
    pub variant: String,
    /// Mean read error over the second half of each run.
    pub error: Interval,
    /// Oscillation of the read accuracy (mean |change| between consecutive evaluations) over the same steps.
    pub osc: Interval,
    /// This variant minus the raw model, seed by seed (None for the raw model).
    pub error_minus_raw: Option<Interval>,
    pub osc_minus_raw: Option<Interval>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct FlipflopStudy {
    pub seeds: Vec<u64>,
    pub rows: Vec<FlipflopStudyRow>,
    pub figure: PathBuf,
    pub csv: PathBuf,
}

fn empty(what: &str) -> ReportError {
    ReportError::Study(what.to_string())
}

/// Writes `flipflop.csv` (every score) and `plots/flipflop.{png,svg}` (read error over training, one panel
/// per test set) into `dir`, and returns the summary over seeds.
pub fn write_flipflop_study(seeds: &[FlipflopSeed], dir: &Path) -> Result<FlipflopStudy, ReportError> {
    let first = seeds.first().ok_or_else(|| empty("no seeds"))?;
    let labels: Vec<String> = first.sets.iter().map(|(l, _)| l.clone()).collect();
    let mut csv =
        CsvTable::new(["seed", "set", "step", "variant", "reads", "read_errors", "error_rate", "all_correct"]);
    let mut rows = Vec::new();
    let mut charts = Vec::new();
    for (k, label) in labels.iter().enumerate() {
        let per_seed: Vec<&Vec<StepScore>> = seeds
            .iter()
            .map(|s| s.sets.get(k).filter(|(l, r)| l == label && !r.is_empty()).map(|(_, r)| r))
            .collect::<Option<_>>()
            .ok_or_else(|| empty(&format!("a seed has no scores on {label}")))?;
        let variants = variant_order(per_seed[0].iter().map(|r| r.variant.as_str()));
        let mut chart = LineChart::new(label.clone(), Axis::linear("update"), Axis::linear("read error rate"));
        chart.legend = Corner::UpperRight;
        for (s, scores) in seeds.iter().zip(&per_seed) {
            for r in scores.iter() {
                let c = &r.score;
                csv.push(vec![
                    s.seed.to_string(),
                    label.clone(),
                    r.step.to_string(),
                    r.variant.clone(),
                    c.reads.to_string(),
                    c.read_errors.to_string(),
                    c.error_rate.to_string(),
                    c.all_correct.to_string(),
                ])?;
            }
            for (color, v) in variants.iter().enumerate() {
                let points =
                    scores.iter().filter(|r| &r.variant == v).map(|r| (r.step as f64, r.score.error_rate)).collect();
                let name = if s.seed == first.seed { v.clone() } else { String::new() };
                chart.push(Series::new(name, points, Style::Line, color));
            }
        }
        charts.push(chart);
        // Per seed and variant: (mean error, accuracy oscillation) over the second half.
        let summaries: Vec<Vec<(f64, f64)>> = per_seed
            .iter()
            .map(|scores| {
                let by_variant = flipflop_summaries(scores);
                variants
                    .iter()
                    .map(|v| {
                        let s = by_variant.iter().find(|s| &s.variant == v);
                        let osc = s.and_then(|s| s.oscillation).map_or(f64::NAN, |o| o.osc);
                        (s.map_or(f64::NAN, |s| s.mean_error_rate), osc)
                    })
                    .collect()
            })
            .collect();
        let column =
            |j: usize, part: fn(&(f64, f64)) -> f64| -> Vec<f64> { summaries.iter().map(|s| part(&s[j])).collect() };
        for (j, v) in variants.iter().enumerate() {
            let (error, osc) = (column(j, |p| p.0), column(j, |p| p.1));
            if error.iter().chain(&osc).any(|x| !x.is_finite()) {
                return Err(empty(&format!(
                    "{v} on {label}: a run has fewer than two evaluations in its second half (train longer or evaluate more often)"
                )));
            }
            let against_raw =
                |xs: &[f64], raw: Vec<f64>| (j > 0).then(|| Interval::paired_difference(xs, &raw)).flatten();
            rows.push(FlipflopStudyRow {
                set: label.clone(),
                variant: v.clone(),
                error: Interval::of(&error).expect("a seed"),
                osc: Interval::of(&osc).expect("a seed"),
                error_minus_raw: against_raw(&error, column(0, |p| p.0)),
                osc_minus_raw: against_raw(&osc, column(0, |p| p.1)),
            });
        }
    }
    let csv_path = dir.join("flipflop.csv");
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(|e| ReportError::Write { path: plots.clone(), message: e.to_string() })?;
    write_atomic(&csv_path, csv.to_csv().as_bytes())
        .map_err(|e| ReportError::Write { path: csv_path.clone(), message: e.to_string() })?;
    let title = format!("Flip-flop read error of every evaluated iterate ({} seeds)", seeds.len());
    let [figure, _] = Panels { title, columns: charts.len().min(3), charts }.save(&plots, "flipflop")?;
    Ok(FlipflopStudy { seeds: seeds.iter().map(|s| s.seed).collect(), rows, figure, csv: csv_path })
}

/// The study as a markdown table, and one sentence per stabilizer and set that says only what the
/// intervals back.
pub fn flipflop_study_markdown(study: &FlipflopStudy) -> String {
    let n = study.seeds.len();
    let mut out = String::from(
        "| test set | variant | read error | accuracy osc | error − raw | osc − raw |\n|---|---|---|---|---|---|\n",
    );
    let show = |i: &Option<Interval>| i.map_or("–".to_string(), |i| i.show(4));
    for r in &study.rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            r.set,
            r.variant,
            r.error.show(4),
            r.osc.show(4),
            show(&r.error_minus_raw),
            show(&r.osc_minus_raw)
        ));
    }
    out.push_str(&format!(
        "\nMeans over {n} seed(s) with 95 % Student-t intervals over seeds; differences are paired by seed. Second half of each run.\n\n"
    ));
    for r in study.rows.iter().filter(|r| r.osc_minus_raw.is_some()) {
        let d = r.osc_minus_raw.expect("filtered");
        let verdict = match d.sign() {
            Sign::OneDraw => "one seed: no interval, so no claim".to_string(),
            Sign::Below => {
                format!("oscillates less than the raw model (paired difference {}, all below zero)", d.show(4))
            }
            Sign::Above => {
                format!("oscillates more than the raw model (paired difference {}, all above zero)", d.show(4))
            }
            Sign::Unclear => format!("no difference from the raw model that {n} seeds can tell ({})", d.show(4)),
        };
        out.push_str(&format!("- {} on {}: {verdict}.\n", r.variant, r.set));
    }
    out
}

#[cfg(test)]
mod tests {
    use butterfly_lm::analysis::flipflop_score::FlipflopScore;

    use super::*;

    fn rows(raw: &[f64], ema: &[f64]) -> Vec<StepScore> {
        let score = |e: f64| FlipflopScore {
            sequences: 10,
            reads: 100,
            read_errors: (e * 100.0) as usize,
            error_rate: e,
            all_correct: 0.0,
        };
        let mut out = Vec::new();
        for (k, (r, m)) in raw.iter().zip(ema).enumerate() {
            let step = 100 * (k as u64 + 1);
            out.push(StepScore { step, variant: "raw".into(), score: score(*r) });
            out.push(StepScore { step, variant: "ema".into(), score: score(*m) });
        }
        out
    }

    #[test]
    fn intervals_over_seeds_and_paired_differences_from_raw() {
        let dir = std::env::temp_dir().join(format!("butterfly-ffl-study-{}", std::process::id()));
        // Second half (steps 300, 400): raw swings by 0.2, 0.25, 0.15 per seed; the EMA by 0 each time.
        let seeds: Vec<FlipflopSeed> = [(0.2, 0), (0.25, 1), (0.15, 2)]
            .iter()
            .map(|&(swing, seed)| FlipflopSeed {
                seed,
                sets: vec![("FFL(0.8)".into(), rows(&[0.5, 0.4, 0.3, 0.3 + swing], &[0.5, 0.4, 0.3, 0.3]))],
            })
            .collect();
        let study = write_flipflop_study(&seeds, &dir).unwrap();
        let ema = &study.rows[1];
        assert_eq!((ema.set.as_str(), ema.variant.as_str()), ("FFL(0.8)", "ema"));
        // Raw osc per seed = the swing; the EMA's 0: difference −0.2 on average, s = 0.05.
        let d = ema.osc_minus_raw.unwrap();
        assert!((d.mean + 0.2).abs() < 1e-12 && (d.high - d.mean - 4.303 * 0.05 / 3f64.sqrt()).abs() < 1e-9, "{d:?}");
        assert!(d.excludes_zero() && ema.osc.mean == 0.0);
        assert!(study.rows[0].osc_minus_raw.is_none());
        // Raw's mean error over steps 300 and 400: 0.3 + swing / 2, so 0.4 over the seeds.
        assert!((study.rows[0].error.mean - 0.4).abs() < 1e-12);
        let md = flipflop_study_markdown(&study);
        assert!(md.contains("ema on FFL(0.8): oscillates less than the raw model"), "{md}");
        let csv = std::fs::read_to_string(&study.csv).unwrap();
        assert_eq!(csv.lines().count(), 1 + 3 * 8);
        assert!(study.figure.is_file());
        // A seed whose run never reached the second half's second evaluation cannot be summarised.
        let short = [FlipflopSeed { seed: 0, sets: vec![("FFL(0.8)".into(), rows(&[0.5], &[0.5]))] }];
        assert!(write_flipflop_study(&short, &dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
