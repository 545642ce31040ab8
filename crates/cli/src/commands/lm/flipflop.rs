//! `butterfly lm flipflop`: the flip-flop language FFL(p).

use std::path::PathBuf;

use butterfly_lm::flipflop;
use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum FlipflopCommand {
    /// Write COUNT sequences of LENGTH instruction–bit pairs of FFL(P), one per line (`w1i0r1…`).
    Generate(FlipflopGenerateArgs),
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
    /// The text file to write (must not exist).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

pub fn run(cmd: FlipflopCommand) -> anyhow::Result<()> {
    match cmd {
        FlipflopCommand::Generate(args) => {
            anyhow::ensure!(!args.out.exists(), "{} exists: choose another --out or remove it", args.out.display());
            let sequences = flipflop::generate(args.p, args.length, args.count, args.seed)?;
            butterfly_store::write_atomic(&args.out, (sequences.join("\n") + "\n").as_bytes())?;
            println!("{} sequences of FFL({}) × {} pairs → {}", args.count, args.p, args.length, args.out.display());
            Ok(())
        }
    }
}
