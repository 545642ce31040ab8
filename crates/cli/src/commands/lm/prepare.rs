//! `butterfly lm prepare`: a tokenizer and llm.c token shards from corpus files.

use std::path::PathBuf;

use butterfly_lm::corpus::CorpusFormat;
use butterfly_lm::{PrepareSpec, prepare};
use clap::{Args, ValueEnum};

#[derive(Clone, Copy, ValueEnum)]
enum TokenizerKind {
    /// One token per character.
    Char,
    /// Byte-level BPE (tokenizer.json, loadable by Python's `tokenizers`).
    Bpe,
}

#[derive(Args)]
pub struct PrepareArgs {
    /// Corpus files.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// `tinystories-txt` (stories separated by <|endoftext|>), `tinystories-json` (a list of objects with a
    /// `story`), `text` (one document per file), or `flipflop` (one checked sequence per line).
    #[arg(long, default_value = "text")]
    format: CorpusFormat,
    #[arg(long, value_enum, default_value = "char")]
    tokenizer: TokenizerKind,
    /// Vocabulary size of the BPE tokenizer (end-of-text included).
    #[arg(long, default_value_t = 4096)]
    vocab_size: usize,
    /// Share of the token stream (its end) held out for validation.
    #[arg(long, default_value_t = 0.1)]
    val_fraction: f64,
    /// Output directory (the `data` of an LM config).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
}

pub fn run(args: PrepareArgs) -> anyhow::Result<()> {
    let bpe_vocab = matches!(args.tokenizer, TokenizerKind::Bpe).then_some(args.vocab_size);
    let spec = PrepareSpec { inputs: args.inputs, format: args.format, bpe_vocab, val_fraction: args.val_fraction };
    let done = prepare(&spec, &args.out)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&done)?);
    } else {
        println!(
            "{} documents → {} train + {} validation tokens, vocabulary {} ({}) → {}",
            done.documents,
            done.train_tokens,
            done.val_tokens,
            done.vocab_size,
            done.tokenizer.display(),
            args.out.display()
        );
    }
    Ok(())
}
