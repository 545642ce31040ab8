//! `butterfly lm`: GPT language models — prepare a corpus, train with stabilizers, sample, and measure
//! butterfly effects in generation.

mod flipflop;
mod model;
mod prepare;
mod train;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum LmCommand {
    /// Train a tokenizer on corpus files and write llm.c token shards (train.bin, val.bin) beside it.
    Prepare(prepare::PrepareArgs),
    /// Train a GPT from a TOML config (see configs/lm/), or resume a run directory.
    Train(train::TrainArgs),
    /// Generate text from a trained run (greedy unless --temperature is set).
    Sample(model::SampleArgs),
    /// Write a run's parameters in nanoGPT's state_dict layout (safetensors) for PyTorch.
    Export(model::ExportArgs),
    /// The flip-flop language FFL(p): generate sequences (train on them with `prepare --format flipflop`).
    #[command(subcommand)]
    Flipflop(flipflop::FlipflopCommand),
    /// Score a run's greedy predictions at every read of a flip-flop file.
    Score(model::ScoreArgs),
    /// Butterfly effects in generation: greedy continuations of fixed validation prompts by consecutive
    /// kept iterates (first difference, differing tokens, edit distance) beside their teacher-forced
    /// disagreement, and the ratio (amplification).
    Bifurcate(model::BifurcateArgs),
}

pub fn run(cmd: LmCommand) -> anyhow::Result<()> {
    match cmd {
        LmCommand::Prepare(args) => prepare::run(args),
        LmCommand::Train(args) => train::train(&args),
        LmCommand::Sample(args) => model::run_sample(args),
        LmCommand::Export(args) => model::run_export(args),
        LmCommand::Flipflop(cmd) => flipflop::run(cmd),
        LmCommand::Score(args) => model::run_score(args),
        LmCommand::Bifurcate(args) => model::run_bifurcate(args),
    }
}
