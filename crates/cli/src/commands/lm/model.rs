//! The commands that read a trained run's kept models: sample, export, score (flip-flop), bifurcate.

use std::path::PathBuf;

use butterfly_lm::analysis::bifurcation::{BifurcationSpec, bifurcations};
use butterfly_lm::analysis::flipflop_score;
use butterfly_lm::data::flipflop;
use butterfly_lm::{SampleSpec, export, load_variant, sample};
use clap::Args;

use crate::show::show;

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
pub struct SampleArgs {
    #[command(flatten)]
    model: ModelArgs,
    #[arg(long, default_value = "")]
    prompt: String,
    /// Tokens to generate.
    #[arg(long, default_value_t = 200)]
    tokens: usize,
    /// Softmax temperature, finite and ≥ 0; 0 is greedy.
    #[arg(long, default_value_t = 0.0)]
    temperature: f64,
    /// Sample among the k most likely tokens only (k ≥ 1).
    #[arg(long)]
    top_k: Option<usize>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// The safetensors file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace an existing --out file (never one inside a run directory).
    #[arg(long)]
    force: bool,
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
    /// Threads scoring the kept models side by side (with --all-steps).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Print JSON: `sequences`, `reads`, `read_errors`, `error_rate`, `all_correct`; with --all-steps
    /// `{"steps": [...], "summary": [{variant, from_step, mean_error_rate, oscillation}]}`.
    #[arg(long)]
    json: bool,
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

pub fn run_sample(args: SampleArgs) -> anyhow::Result<()> {
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

pub fn run_export(args: ExportArgs) -> anyhow::Result<()> {
    butterfly_store::check_output(&args.out, args.force)?;
    let (theta, config, _) = load_variant(&args.model.run, &args.model.variant, args.model.step)?;
    export(&theta, &config, &args.out)?;
    println!("{} ({} parameters) → {}", args.model.variant, theta.len(), args.out.display());
    Ok(())
}

pub fn run_score(args: ScoreArgs) -> anyhow::Result<()> {
    let sequences = flipflop::read(&args.flipflop)?;
    if args.all_steps {
        let rows = flipflop_score::score_run(&args.model.run, &sequences, args.threads)?;
        let what = format!("{} on {}", args.model.run.display(), args.flipflop.display());
        return show(
            args.json,
            &butterfly_report::flipflop_run_json(&rows),
            butterfly_report::flipflop_run_text(&rows, &what),
        );
    }
    let (theta, config, tokenizer) = load_variant(&args.model.run, &args.model.variant, args.model.step)?;
    let score = flipflop_score::score_model(&theta, config, &tokenizer, &sequences)?;
    let what = format!("{} {}", args.model.run.display(), args.model.variant);
    show(args.json, &serde_json::to_value(&score)?, butterfly_report::flipflop_score_text(&score, &what))
}

pub fn run_bifurcate(args: BifurcateArgs) -> anyhow::Result<()> {
    let spec = BifurcationSpec {
        prompts: args.prompts,
        prompt_tokens: args.prompt_tokens,
        tokens: args.tokens,
        examples: args.examples,
    };
    let found = bifurcations(&args.run, &spec)?;
    let text = butterfly_report::bifurcation_text(&found, &args.run.display().to_string(), args.tokens);
    show(args.json, &serde_json::to_value(&found)?, text)
}
