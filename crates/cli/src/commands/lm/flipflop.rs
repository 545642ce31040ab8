//! `butterfly lm flipflop`: the flip-flop language FFL(p).

use std::path::{Path, PathBuf};

use anyhow::Context;
use butterfly_lm::data::flipflop;
use butterfly_report::flipflop_study_markdown;
use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum FlipflopCommand {
    /// Write COUNT sequences of LENGTH instruction–bit pairs of FFL(P), one per line (`w1i0r1…`).
    Generate(FlipflopGenerateArgs),
    /// Runs of one config over seeds, every kept iterate scored on test sets: read error and accuracy
    /// oscillation per variant with intervals over seeds, paired differences from raw, a figure and a CSV.
    Study(FlipflopStudyArgs),
}

#[derive(Args)]
pub struct FlipflopStudyArgs {
    /// LM run directories (one per seed).
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// A test set as LABEL=FILE (a flip-flop file); repeat for several.
    #[arg(long = "test", value_name = "LABEL=FILE", required = true)]
    tests: Vec<String>,
    /// Where flipflop.csv, plots/flipflop.{png,svg} and study.md go.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Threads scoring kept models side by side.
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

#[derive(Args)]
pub struct FlipflopGenerateArgs {
    /// Probability of an ignore; writes and reads share the rest equally (0.8 for training).
    #[arg(long, default_value_t = 0.8)]
    p: f64,
    /// Instruction–bit pairs per sequence (2 × LENGTH tokens).
    #[arg(long, default_value_t = 256)]
    length: usize,
    #[arg(long, default_value_t = 1000)]
    count: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The text file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace an existing --out file (never one inside a run directory).
    #[arg(long)]
    force: bool,
}

pub fn run(cmd: FlipflopCommand) -> anyhow::Result<()> {
    match cmd {
        FlipflopCommand::Study(args) => {
            let tests = args
                .tests
                .iter()
                .map(|t| {
                    let (label, file) =
                        t.split_once('=').with_context(|| format!("--test {t}: expected LABEL=FILE"))?;
                    Ok((label.to_string(), flipflop::read(Path::new(file))?))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let found =
                butterfly_studies::flipflop_study(&args.runs, &tests, &args.out, args.threads, &crate::progress::Bars)?;
            let md = flipflop_study_markdown(&found);
            butterfly_store::write_atomic(&args.out.join("study.md"), md.as_bytes())?;
            println!("{md}\nfigure: {}\nscores: {}", found.figure.display(), found.csv.display());
            Ok(())
        }
        FlipflopCommand::Generate(args) => {
            butterfly_store::check_output(&args.out, args.force)?;
            let sequences = flipflop::generate(args.p, args.length, args.count, args.seed)?;
            butterfly_store::write_atomic(&args.out, (sequences.join("\n") + "\n").as_bytes())?;
            println!("{} sequences of FFL({}) × {} pairs → {}", args.count, args.p, args.length, args.out.display());
            Ok(())
        }
    }
}
