//! Figure 4's panels and `report.md` of an LM run, from its CSVs alone: validation loss of the raw model
//! and every stabilizer over training, the same at every iterate of the windows (the stabilizers as
//! points, as in the paper), and the training path in the plane (raw loss, stabilizer loss).

use std::path::{Path, PathBuf};

use butterfly_lm::analysis::bifurcation::{BifurcationRow, Bifurcations};
use butterfly_lm::analysis::window_probe::IterateBifurcationRow;
use butterfly_lm::{IterateLossRow, LmConfig};
use butterfly_store::{LogRow, read_log, write_atomic};
use butterfly_train::{ValidationRow, read_with_posthoc};

use crate::ReportError;
use crate::plot::{Axis, Corner, LineChart, Panels, Series, Style};
use crate::reports::bifurcation_table::{bifurcation_text, mean_row};
use crate::runs::variant_order;
use crate::stats::moments::{mean, mean_abs_change, population_std};

/// One variant's validation-loss summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LmVariantSummary {
    pub name: String,
    pub final_loss: f64,
    pub best_loss: f64,
    pub best_step: u64,
    /// Over the every-iterate windows: (min, max, standard deviation, mean |change| per update).
    pub window: Option<(f64, f64, f64, f64)>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LmSummary {
    pub dir: PathBuf,
    pub variants: Vec<LmVariantSummary>,
    /// Per variant, the means over the window's pairs of consecutive iterates (when the run logged them).
    pub window_generations: Vec<BifurcationRow>,
    pub figure: PathBuf,
}

fn bad(path: &Path, what: String) -> ReportError {
    ReportError::Run { path: path.to_path_buf(), what }
}

/// Whether `dir` holds an LM run (its config parses as one).
pub fn is_lm_run(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(butterfly_store::run_dir::CONFIG)).is_ok_and(|t| LmConfig::from_toml(&t).is_ok())
}

fn curve(rows: &[ValidationRow], variant: &str) -> Vec<(f64, f64)> {
    rows.iter().filter(|r| r.variant == variant).map(|r| (r.step as f64, r.val_loss)).collect()
}

/// Writes `plots/figure4.{png,svg}` and `report.md` into the run directory; with `generations`, the
/// report also holds the bifurcation table and its examples.
pub fn write_lm_report(dir: &Path, generations: Option<(&Bifurcations, usize)>) -> Result<LmSummary, ReportError> {
    let val: Vec<ValidationRow> = read_with_posthoc(dir)?;
    let iterates: Vec<ValidationRow> = read_log::<IterateLossRow>(dir)?.into_iter().map(|r| r.0).collect();
    let window_rows: Vec<BifurcationRow> = if dir.join(IterateBifurcationRow::FILE).exists() {
        read_log::<IterateBifurcationRow>(dir)?.into_iter().map(|r| r.0).collect()
    } else {
        Vec::new()
    };
    if val.is_empty() {
        return Err(bad(&dir.join("validation.csv"), "holds no evaluation yet: train the run first".into()));
    }
    let names = variant_order(val.iter().map(|r| r.variant.as_str()));
    let mut variants = Vec::new();
    for name in &names {
        let c = curve(&val, name);
        let best = c.iter().copied().fold((0.0, f64::INFINITY), |b, p| if p.1 < b.1 { p } else { b });
        let w: Vec<f64> = curve(&iterates, name).iter().map(|p| p.1).collect();
        let window = (w.len() >= 2).then(|| {
            (
                w.iter().copied().fold(f64::INFINITY, f64::min),
                w.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                population_std(&w, mean(w.iter().copied())),
                mean_abs_change(&w),
            )
        });
        variants.push(LmVariantSummary {
            name: name.clone(),
            final_loss: c[c.len() - 1].1,
            best_loss: best.1,
            best_step: best.0 as u64,
            window,
        });
    }

    let mut charts = Vec::new();
    let mut over_training =
        LineChart::new("validation loss over training", Axis::linear("update"), Axis::linear("validation loss"));
    over_training.legend = Corner::UpperRight;
    for (k, name) in names.iter().enumerate() {
        over_training.push(Series::new(name.clone(), curve(&val, name), Style::Line, k));
    }
    charts.push(over_training);
    if !iterates.is_empty() {
        let mut window =
            LineChart::new("every iterate of the window", Axis::linear("update"), Axis::linear("validation loss"));
        window.legend = Corner::UpperRight;
        for (k, name) in names.iter().enumerate() {
            let style = if k == 0 { Style::Line } else { Style::Markers };
            window.push(Series::new(name.clone(), curve(&iterates, name), style, k));
        }
        charts.push(window);
    }
    if !window_rows.is_empty() {
        let mut parting = LineChart::new(
            "neighbouring iterates: first differing token",
            Axis::linear("update"),
            Axis::linear("first difference (of the continuation)"),
        );
        parting.legend = Corner::UpperRight;
        for (k, name) in names.iter().enumerate() {
            let points = window_rows
                .iter()
                .filter(|r| &r.variant == name)
                .map(|r| (r.step as f64, r.first_difference))
                .collect();
            parting.push(Series::new(name.clone(), points, if k == 0 { Style::Line } else { Style::Markers }, k));
        }
        charts.push(parting);
    }
    if names.len() > 1 {
        let raw = curve(&val, "raw");
        let mut plane = LineChart::new(
            "training path (raw, stabilizer)",
            Axis::linear("raw validation loss"),
            Axis::linear("stabilizer validation loss"),
        );
        plane.legend = Corner::LowerRight;
        let ends = [
            raw.iter().map(|p| p.1).fold(f64::INFINITY, f64::min),
            raw.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max),
        ];
        plane.push(Series::new("equal", ends.iter().map(|&x| (x, x)).collect(), Style::Dashed, 7));
        for (k, name) in names.iter().enumerate().skip(1) {
            let path: Vec<(f64, f64)> = raw.iter().zip(curve(&val, name)).map(|(r, s)| (r.1, s.1)).collect();
            plane.push(Series::new(name.clone(), path, Style::Markers, k));
        }
        charts.push(plane);
    }
    let panels = Panels { title: format!("Figure 4: {}", dir.display()), columns: 3, charts };
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(|e| ReportError::Write { path: plots.clone(), message: e.to_string() })?;
    let [figure, _] = panels.save(&plots, "figure4")?;
    let window_generations = names
        .iter()
        .filter_map(|name| {
            let mine: Vec<&BifurcationRow> = window_rows.iter().filter(|r| &r.variant == name).collect();
            (!mine.is_empty()).then(|| mean_row(name, &mine))
        })
        .collect();
    let summary = LmSummary { dir: dir.to_path_buf(), variants, window_generations, figure };
    let mut md = markdown(&summary);
    if let Some((found, tokens)) = generations {
        md.push_str(&format!(
            "\n## Generations of consecutive kept iterates\n\n```\n{}```\n",
            bifurcation_text(found, "greedy", tokens)
        ));
    }
    write_atomic(&dir.join("report.md"), md.as_bytes())?;
    Ok(summary)
}

fn markdown(s: &LmSummary) -> String {
    let mut md = format!(
        "# LM run {}\n\n![Figure 4](plots/figure4.png)\n\n\
         | variant | final val loss | best (step) | window min–max | window sd | mean change per update |\n|---|---|---|---|---|---|\n",
        s.dir.display()
    );
    for v in &s.variants {
        let w =
            v.window.map_or("- | - | -".to_string(), |(lo, hi, sd, ch)| format!("{lo:.4}–{hi:.4} | {sd:.4} | {ch:.5}"));
        md.push_str(&format!("| {} | {:.4} | {:.4} ({}) | {w} |\n", v.name, v.final_loss, v.best_loss, v.best_step));
    }
    if !s.window_generations.is_empty() {
        md.push_str(&window_generations_table(&s.window_generations));
    }
    md.push_str(
        "\nOne run: differences between variants are a single draw of the SGD noise. \
         `butterfly report --generations` (or `butterfly lm bifurcate`) adds the generations of consecutive kept iterates.\n",
    );
    md
}

/// The window's neighbouring-iterate generations, one row per variant (means over the window).
pub(crate) fn window_generations_table(rows: &[BifurcationRow]) -> String {
    let mut md = String::from(
        "\nEvery iterate of the window beside the one an update before it (`iterate_generations.csv`), means over \
         the window: where the greedy continuations first differ, the share of prompts that diverge, the differing \
         tokens, the teacher-forced disagreement and their ratio.\n\n\
         | variant | first difference | diverged | differing tokens | teacher-forced | amplification |\n|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let amp = r.amplification.map_or("–".to_string(), |a| format!("{a:.1}×"));
        md.push_str(&format!(
            "| {} | {:.1} | {:.0} % | {:.1} % | {:.2} % | {amp} |\n",
            r.variant,
            r.first_difference,
            100.0 * r.diverged,
            100.0 * r.differing_fraction,
            100.0 * r.teacher_forced
        ));
    }
    md
}
