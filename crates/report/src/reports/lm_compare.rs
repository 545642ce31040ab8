//! LM runs side by side over seeds (`butterfly report LM_RUNS... --compare DIR`): runs whose configs differ
//! only in their seed form a group; per group and variant the final validation loss and the standard
//! deviation of the every-iterate window, as means over seeds with 95 % Student-t intervals; and every pair of
//! (group, variant) compared seed by seed — the same seed draws the same initial parameters and batches
//! whatever the schedule, so differences are paired (paper finding R5: constant lr + EMA against decay).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use butterfly_lm::LmConfig;
use butterfly_store::write_atomic;

use crate::ReportError;
use crate::reports::lm_report::LmSummary;
use crate::stats::interval::{Interval, Sign};

/// One group and variant over its seeds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LmGroupRow {
    pub group: String,
    pub variant: String,
    pub seeds: Vec<u64>,
    pub final_loss: Interval,
    /// The standard deviation of the validation loss over the every-iterate window (None without one).
    pub window_sd: Option<Interval>,
}

/// `a` minus `b` over the seeds both have.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LmPairRow {
    pub a: (String, String),
    pub b: (String, String),
    pub final_loss: Interval,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LmComparison {
    pub rows: Vec<LmGroupRow>,
    pub pairs: Vec<LmPairRow>,
    pub report: PathBuf,
}

fn group_key(dir: &Path) -> Result<(String, u64), ReportError> {
    let path = dir.join(butterfly_store::run_dir::CONFIG);
    let text =
        std::fs::read_to_string(&path).map_err(|e| ReportError::Run { path: path.clone(), what: e.to_string() })?;
    let mut config = LmConfig::from_toml(&text).map_err(|e| ReportError::Run { path, what: e.to_string() })?;
    let seed = config.seed;
    config.seed = 0;
    Ok((config.to_toml(), seed))
}

/// A group's label: its first run's directory name without a trailing `-seed<N>` or `seed<N>`.
fn label(dir: &Path) -> String {
    let name = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned());
    let cut = name.rfind("seed").filter(|&i| name[i + 4..].chars().all(|c| c.is_ascii_digit()) && i + 4 < name.len());
    cut.map_or(name.clone(), |i| name[..i].trim_end_matches(['-', '_', '/']).to_string())
}

/// (group label, variant name).
type GroupVariant = (String, String);
/// Per seed: (final validation loss, window sd).
type BySeed = BTreeMap<u64, (f64, Option<f64>)>;

/// Writes `compare.md` into `dir`.
pub fn write_lm_comparison(runs: &[(PathBuf, LmSummary)], dir: &Path) -> Result<LmComparison, ReportError> {
    // group key → (label, seed → summary)
    let mut groups: Vec<(String, String, BTreeMap<u64, &LmSummary>)> = Vec::new();
    for (run, summary) in runs {
        let (key, seed) = group_key(run)?;
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => {
                if g.2.insert(seed, summary).is_some() {
                    return Err(ReportError::Study(format!("two runs of group {} have seed {seed}", g.1)));
                }
            }
            None => groups.push((key, label(run), BTreeMap::from([(seed, summary)]))),
        }
    }
    // (group, variant) → seed → (final loss, window sd)
    let mut cells: Vec<(GroupVariant, BySeed)> = Vec::new();
    for (_, name, seeds) in &groups {
        for (seed, s) in seeds {
            for v in &s.variants {
                let key = (name.clone(), v.name.clone());
                let value = (v.final_loss, v.window.map(|w| w.2));
                match cells.iter_mut().find(|c| c.0 == key) {
                    Some(c) => {
                        c.1.insert(*seed, value);
                    }
                    None => cells.push((key, BTreeMap::from([(*seed, value)]))),
                }
            }
        }
    }
    let rows: Vec<LmGroupRow> = cells
        .iter()
        .map(|((group, variant), by_seed)| {
            let losses: Vec<f64> = by_seed.values().map(|v| v.0).collect();
            let sds: Option<Vec<f64>> = by_seed.values().map(|v| v.1).collect();
            LmGroupRow {
                group: group.clone(),
                variant: variant.clone(),
                seeds: by_seed.keys().copied().collect(),
                final_loss: Interval::of(&losses).expect("a seed"),
                window_sd: sds.and_then(|s| Interval::of(&s)),
            }
        })
        .collect();
    let mut pairs = Vec::new();
    for (i, (a, sa)) in cells.iter().enumerate() {
        for (b, sb) in &cells[i + 1..] {
            let common: Vec<u64> = sa.keys().filter(|s| sb.contains_key(s)).copied().collect();
            let xs: Vec<f64> = common.iter().map(|s| sa[s].0).collect();
            let ys: Vec<f64> = common.iter().map(|s| sb[s].0).collect();
            if let Some(d) = Interval::paired_difference(&xs, &ys) {
                pairs.push(LmPairRow { a: a.clone(), b: b.clone(), final_loss: d });
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| ReportError::Write { path: dir.to_path_buf(), message: e.to_string() })?;
    let report = dir.join("compare.md");
    write_atomic(&report, markdown(&rows, &pairs).as_bytes())?;
    Ok(LmComparison { rows, pairs, report })
}

fn markdown(rows: &[LmGroupRow], pairs: &[LmPairRow]) -> String {
    let mut md = String::from(
        "# LM runs over seeds\n\nMeans over seeds with 95 % Student-t intervals (one seed: the value alone).\n\n\
         | group | variant | seeds | final val loss | window sd |\n|---|---|---|---|---|\n",
    );
    for r in rows {
        let sd = r.window_sd.map_or("–".to_string(), |i| i.show(4));
        let _ = writeln!(md, "| {} | {} | {:?} | {} | {sd} |", r.group, r.variant, r.seeds, r.final_loss.show(4));
    }
    md.push_str("\nFinal validation loss, A − B, paired by seed (same initial parameters and batches):\n\n| A | B | seeds | A − B | |\n|---|---|---|---|---|\n");
    for p in pairs {
        let d = p.final_loss;
        let verdict = match d.sign() {
            Sign::OneDraw => "one seed: no claim",
            Sign::Below => "A lower",
            Sign::Above => "A higher",
            Sign::Unclear => "cannot tell",
        };
        let _ = writeln!(md, "| {} {} | {} {} | {} | {} | {verdict} |", p.a.0, p.a.1, p.b.0, p.b.1, d.n, d.show(4));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_drop_the_seed_suffix() {
        assert_eq!(label(Path::new("/x/r5-constant-seed2")), "r5-constant");
        assert_eq!(label(Path::new("runs/cosine_seed10")), "cosine");
        assert_eq!(label(Path::new("runs/seedless")), "seedless");
        assert_eq!(label(Path::new("runs/plain")), "plain");
    }
}
