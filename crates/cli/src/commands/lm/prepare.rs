//! `butterfly lm prepare`: a tokenizer and llm.c token shards from corpus files.

use std::path::PathBuf;

use butterfly_lm::data::corpus::CorpusFormat;
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
    /// Vocabulary size of the BPE tokenizer (end-of-text included) [default: 4096].
    #[arg(long)]
    vocab_size: Option<usize>,
    /// Share of the token stream (its end) held out for validation.
    #[arg(long, default_value_t = 0.1)]
    val_fraction: f64,
    /// Output directory (the `data` of an LM config): new or empty, or a prepared set with --force.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace the prepared set in --out.
    #[arg(long)]
    force: bool,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
}

pub fn run(args: PrepareArgs) -> anyhow::Result<()> {
    let bpe_vocab = match args.tokenizer {
        TokenizerKind::Bpe => Some(args.vocab_size.unwrap_or(4096)),
        TokenizerKind::Char => {
            anyhow::ensure!(
                args.vocab_size.is_none(),
                "--vocab-size is for --tokenizer bpe (a char tokenizer has one token per character)"
            );
            None
        }
    };
    let spec = PrepareSpec { inputs: args.inputs, format: args.format, bpe_vocab, val_fraction: args.val_fraction };
    let done = prepare(&spec, &args.out, args.force)?;
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
