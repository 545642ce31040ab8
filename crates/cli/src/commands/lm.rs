//! `butterfly lm`: GPT language models — prepare a corpus, train with stabilizers, sample.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use butterfly_lm::bifurcation::{BifurcationSpec, bifurcations};
use butterfly_lm::corpus::CorpusFormat;
use butterfly_lm::{LmConfig, LmTrainer, PrepareSpec, SampleSpec, export, flipflop, load_variant, prepare, sample};
use clap::{Args, Subcommand, ValueEnum};

use crate::progress::Progress;
use crate::show::show;

#[derive(Subcommand)]
pub enum LmCommand {
    /// Train a tokenizer on corpus files and write llm.c token shards (train.bin, val.bin) beside it.
    Prepare(PrepareArgs),
    /// Train a GPT from a TOML config (see configs/lm/), or resume a run directory.
    Train(TrainArgs),
    /// Generate text from a trained run (greedy unless --temperature is set).
    Sample(SampleArgs),
    /// Write a run's parameters in nanoGPT's state_dict layout (safetensors) for PyTorch.
    Export(ExportArgs),
    /// The flip-flop language FFL(p): generate sequences (train on them with `prepare --format flipflop`).
    #[command(subcommand)]
    Flipflop(FlipflopCommand),
    /// Score a run's greedy predictions at every read of a flip-flop file.
    Score(ScoreArgs),
    /// Butterfly effects in generation: greedy continuations of fixed validation prompts by consecutive
    /// kept iterates (first difference, differing tokens, edit distance) beside their teacher-forced
    /// disagreement, and the ratio (amplification).
    Bifurcate(BifurcateArgs),
}

#[derive(Args)]
pub struct BifurcateArgs {
    /// An LM run directory.
    run: PathBuf,
    /// Prompts cut from the validation split at evenly spaced places.
    #[arg(long, default_value_t = BifurcationSpec::default().prompts)]
    prompts: usize,
    #[arg(long, default_value_t = BifurcationSpec::default().prompt_tokens)]
    prompt_tokens: usize,
    /// Greedy tokens after each prompt (prompt + tokens ≤ the model's context).
    #[arg(long, default_value_t = BifurcationSpec::default().tokens)]
    tokens: usize,
    /// Prompts shown as text: where the raw model's last two kept iterates part soonest, with every
    /// variant's continuations beside them.
    #[arg(long, default_value_t = BifurcationSpec::default().examples)]
    examples: usize,
    /// Print JSON: `rows` (`variant`, `from_step`, `step`, `first_difference`, `diverged`,
    /// `differing_fraction`, `edit_distance`, `teacher_forced`, `amplification`) and `examples` (`prompt`,
    /// `steps`, `continuations` of [variant, text, text, first difference]).
    #[arg(long)]
    json: bool,
}

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

/// Which of a run's kept models a command reads.
#[derive(Args)]
pub struct ModelArgs {
    /// An LM run directory.
    run: PathBuf,
    /// `raw` or a stabilizer's name.
    #[arg(long, default_value = "raw")]
    variant: String,
    /// The evaluation step whose parameters to use (default: the last kept).
    #[arg(long)]
    step: Option<u64>,
}

#[derive(Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// A flip-flop file (from `lm flipflop generate`).
    #[arg(long, value_name = "FILE")]
    flipflop: PathBuf,
    /// Score every variant at every step whose parameters the run kept (its evaluation cadence), with
    /// the oscillation of the read accuracy over the second half.
    #[arg(long, conflicts_with_all = ["variant", "step"])]
    all_steps: bool,
    /// Print JSON: `sequences`, `reads`, `read_errors`, `error_rate`, `all_correct`; with --all-steps
    /// `{"steps": [...], "summary": [{variant, from_step, mean_error_rate, oscillation}]}`.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// The safetensors file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

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

#[derive(Args)]
pub struct TrainArgs {
    /// The experiment (TOML; unknown keys are rejected).
    #[arg(required_unless_present = "resume")]
    config: Option<PathBuf>,
    /// The run directory: a new or empty one, or one holding a run of the same config (continued).
    #[arg(long, value_name = "DIR", required_unless_present = "resume")]
    out: Option<PathBuf>,
    /// Continue the run in DIR from its last checkpoint.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["config", "out"])]
    resume: Option<PathBuf>,
    /// Stop after this many updates (the run can be resumed later).
    #[arg(long, value_name = "STEP")]
    stop_at: Option<u64>,
    #[command(flatten)]
    overrides: crate::config_file::ConfigArgs,
}

#[derive(Args)]
pub struct SampleArgs {
    #[command(flatten)]
    model: ModelArgs,
    #[arg(long, default_value = "")]
    prompt: String,
    /// Tokens to generate.
    #[arg(long, default_value_t = 200)]
    tokens: usize,
    /// 0 is greedy.
    #[arg(long, default_value_t = 0.0)]
    temperature: f64,
    /// Sample among the k most likely tokens only.
    #[arg(long)]
    top_k: Option<usize>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

pub fn run(cmd: LmCommand) -> anyhow::Result<()> {
    match cmd {
        LmCommand::Prepare(args) => {
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
        LmCommand::Train(args) => train(&args),
        LmCommand::Export(args) => {
            let (theta, config, _) = load_variant(&args.model.run, &args.model.variant, args.model.step)?;
            export(&theta, &config, &args.out)?;
            println!("{} ({} parameters) → {}", args.model.variant, theta.len(), args.out.display());
            Ok(())
        }
        LmCommand::Flipflop(FlipflopCommand::Generate(args)) => {
            anyhow::ensure!(!args.out.exists(), "{} exists: choose another --out or remove it", args.out.display());
            let sequences = flipflop::generate(args.p, args.length, args.count, args.seed)?;
            butterfly_store::write_atomic(&args.out, (sequences.join("\n") + "\n").as_bytes())?;
            println!("{} sequences of FFL({}) × {} pairs → {}", args.count, args.p, args.length, args.out.display());
            Ok(())
        }
        LmCommand::Score(args) => {
            let sequences = flipflop::read(&args.flipflop)?;
            if args.all_steps {
                let rows = flipflop::score_run(&args.model.run, &sequences)?;
                let what = format!("{} on {}", args.model.run.display(), args.flipflop.display());
                return show(args.json, &butterfly_report::flipflop_run_json(&rows), butterfly_report::flipflop_run_text(&rows, &what));
            }
            let (theta, config, tokenizer) = load_variant(&args.model.run, &args.model.variant, args.model.step)?;
            let score = flipflop::score_model(&theta, config, &tokenizer, &sequences)?;
            let what = format!("{} {}", args.model.run.display(), args.model.variant);
            show(args.json, &serde_json::to_value(&score)?, butterfly_report::flipflop_score_text(&score, &what))
        }
        LmCommand::Bifurcate(args) => {
            let spec = BifurcationSpec { prompts: args.prompts, prompt_tokens: args.prompt_tokens, tokens: args.tokens, examples: args.examples };
            let found = bifurcations(&args.run, &spec)?;
            let text = butterfly_report::bifurcation_text(&found, &args.run.display().to_string(), args.tokens);
            show(args.json, &serde_json::to_value(&found)?, text)
        }
        LmCommand::Sample(args) => {
            let spec = SampleSpec {
                variant: args.model.variant,
                step: args.model.step,
                prompt: args.prompt,
                tokens: args.tokens,
                temperature: args.temperature,
                top_k: args.top_k,
                seed: args.seed,
            };
            println!("{}", sample(&args.model.run, &spec)?);
            Ok(())
        }
    }
}

fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let mut trainer = match (&args.resume, &args.config, &args.out) {
        (Some(dir), _, _) => {
            crate::config_file::refuse_on_resume(&args.overrides)?;
            LmTrainer::resume(dir)?
        }
        (None, Some(config), Some(out)) => {
            let text = crate::config_file::read_config(config, &args.overrides)?;
            LmTrainer::create(LmConfig::from_toml(&text).with_context(|| format!("{}", config.display()))?, out)?
        }
        _ => unreachable!("clap requires CONFIG and --out, or --resume"),
    };
    butterfly_nn::set_num_threads(trainer.config().threads)?;
    let mut progress = Progress::new("lm", trainer.total_steps());
    progress.set_position(trainer.step());
    let (start, first, per_step) = (Instant::now(), trainer.step(), trainer.tokens_per_step());
    let mut last_loss = None;
    trainer.run(args.stop_at, |p| {
        last_loss = p.train_loss.or(last_loss);
        let rate = (p.step - first) as f64 * per_step as f64 / start.elapsed().as_secs_f64();
        let val: Vec<String> = p.last_eval.iter().map(|(name, l)| format!("{name} {l:.4}")).collect();
        let loss = last_loss.map_or("-".into(), |l| format!("{l:.4}"));
        progress.update(p.step, &format!("loss {loss}  val: {}  {rate:.0} tok/s", if val.is_empty() { "-".into() } else { val.join(", ") }));
    })?;
    progress.finish();
    println!("run directory: {} (step {} of {})", trainer.dir().display(), trainer.step(), trainer.total_steps());
    for (name, loss) in trainer.last_eval() {
        println!("  validation loss {name:<28} {loss:.4}");
    }
    Ok(())
}
