//! A sweep's numbers, from its runs' summaries alone: every variant's curves (raw and each stabilizer) as
//! mean ± std over seeds, each stabilizer against the raw iterate of the same runs (paired by seed), and
//! each variant's raw iterate against the first variant's (unpaired).

use serde::Serialize;

use crate::runs::bc_summary::{RunSummary, VariantSummary, WindowMetrics};
use crate::stats::interval::Interval;
use crate::stats::over_seeds::OverSeeds;

/// One curve (raw or a stabilizer) of one variant, over its seeds.
#[derive(Debug, Clone, Serialize)]
pub struct SweepCurve {
    pub variant: String,
    pub curve: String,
    pub seeds: usize,
    pub final_return: Option<OverSeeds>,
    pub osc: Option<OverSeeds>,
    pub collapse: Option<OverSeeds>,
    pub spread: Option<OverSeeds>,
    pub level: Option<OverSeeds>,
    pub falls: Option<OverSeeds>,
    pub final_val_loss: Option<OverSeeds>,
    /// This curve minus the raw curve of the same variant, seed by seed, with the 95 % Student-t interval
    /// over seeds (None for raw, and for seeds missing either).
    pub osc_minus_raw: Option<Interval>,
    pub falls_minus_raw: Option<Interval>,
    /// For the raw curve of every variant after the first: its mean minus the first variant's raw mean
    /// (other runs, so unpaired: Welch's 95 % interval over seeds) — what the intervention itself does.
    pub osc_minus_first: Option<Interval>,
    pub falls_minus_first: Option<Interval>,
}

/// A window metric, picked by name.
type Metric = fn(&WindowMetrics) -> Option<f64>;

/// The curves of every variant, given as (its name, its runs' summaries, one per seed); the first
/// variant is the reference of the `*_minus_first` differences.
pub fn sweep_curves(groups: &[(&str, &[RunSummary])]) -> Vec<SweepCurve> {
    let mut curves = Vec::new();
    for &(variant, summaries) in groups {
        let names: Vec<String> =
            summaries.first().map_or(Vec::new(), |s| s.variants.iter().map(|v| v.name.clone()).collect());
        for name in names {
            let per_seed: Vec<&VariantSummary> = summaries.iter().filter_map(|s| s.variant(&name)).collect();
            // A metric over the seeds that have it.
            let stat = |metric: Metric| {
                OverSeeds::of(&per_seed.iter().filter_map(|v| metric(&v.metrics())).collect::<Vec<_>>())
            };
            // A metric of this curve minus raw's, over the seeds that have both.
            let paired = |metric: Metric| -> Option<Interval> {
                if name == "raw" {
                    return None;
                }
                let (mine, raw): (Vec<f64>, Vec<f64>) = summaries
                    .iter()
                    .filter_map(|s| {
                        let value = |curve: &str| s.variant(curve).and_then(|v| metric(&v.metrics()));
                        Some((value(&name)?, value("raw")?))
                    })
                    .unzip();
                Interval::paired_difference(&mine, &raw)
            };
            curves.push(SweepCurve {
                variant: variant.to_string(),
                curve: name.clone(),
                seeds: per_seed.len(),
                final_return: OverSeeds::of(
                    &per_seed.iter().map(|v| v.final_return).filter(|x| x.is_finite()).collect::<Vec<_>>(),
                ),
                osc: stat(|m| m.osc),
                collapse: stat(|m| m.collapse),
                spread: stat(|m| m.spread),
                level: stat(|m| m.level),
                falls: stat(|m| m.falls),
                final_val_loss: OverSeeds::of(&per_seed.iter().filter_map(|v| v.final_val_loss).collect::<Vec<_>>()),
                osc_minus_raw: paired(|m| m.osc),
                falls_minus_raw: paired(|m| m.falls),
                osc_minus_first: None,
                falls_minus_first: None,
            });
        }
    }
    against_first(groups, &mut curves);
    curves
}

/// Fills each later variant's raw `*_minus_first` from the raw metrics of its runs and the first variant's.
fn against_first(groups: &[(&str, &[RunSummary])], curves: &mut [SweepCurve]) {
    let raw = |runs: &[RunSummary], metric: Metric| per_seed(runs, "raw", &|v| metric(&v.metrics()));
    let Some(&(_, first)) = groups.first() else { return };
    for &(variant, runs) in groups.iter().skip(1) {
        if let Some(c) = curves.iter_mut().find(|c| c.variant == variant && c.curve == "raw") {
            c.osc_minus_first = Interval::difference_of_means(&raw(runs, |m| m.osc), &raw(first, |m| m.osc));
            c.falls_minus_first = Interval::difference_of_means(&raw(runs, |m| m.falls), &raw(first, |m| m.falls));
        }
    }
}

/// One value per run (seed) of `curve`, from the runs that have it.
pub fn per_seed(runs: &[RunSummary], curve: &str, of: &dyn Fn(&VariantSummary) -> Option<f64>) -> Vec<f64> {
    runs.iter().filter_map(|s| s.variant(curve).and_then(of)).collect()
}
