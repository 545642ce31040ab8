//! `butterfly`: train imitators, watch gradient variance amplification, and tame it.

mod commands;
mod config_file;
mod progress;
mod show;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "butterfly", version, about = "Behavior cloning and the butterfly effects of SGD noise")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The butterfly effect in minutes: BC with and without EMA, every-iterate rewards, landscapes, report
    /// (`demo lm`: the same in generation).
    Demo(commands::demo::DemoArgs),
    /// Environments: list them, replay actions from a state.
    #[command(subcommand)]
    Env(commands::env::EnvCommand),
    /// SAC experts: train them, evaluate policy files.
    #[command(subcommand)]
    Expert(commands::expert::ExpertCommand),
    /// Expert datasets for behavior cloning.
    #[command(subcommand)]
    Data(commands::data::DataCommand),
    /// Behavior cloning with stabilizers (EMA), judged by long-horizon rollouts.
    #[command(subcommand)]
    Bc(commands::bc::BcCommand),
    /// GPT language models trained by next-token prediction with stabilizers: prepare, train, sample.
    #[command(subcommand)]
    Lm(commands::lm::LmCommand),
    /// Reward and BC-loss landscapes around a checkpoint of a BC run.
    Landscape(commands::landscape::LandscapeArgs),
    /// Figures, oscillation metrics and report.md of BC runs, from their CSVs.
    Report(commands::report::ReportArgs),
    /// The same report for evaluations made anywhere: a CSV of returns by step, variant and initial
    /// condition (your own pipeline's, LeRobot's, robomimic's) gives osc, spread, falls, level, every-iterate
    /// metrics, intervals over initial conditions and seeds, the panels and report.md.
    Analyze(commands::analyze::AnalyzeArgs),
    /// The paper's figures at the paper's own setting (`--quick`: the same pipeline in minutes).
    #[command(subcommand)]
    Reproduce(commands::reproduce::ReproduceCommand),
    /// Averages chosen after training (post-hoc EMA of any width, LAWA, tail) as variants of a trained run.
    ///
    /// At every kept step (or the ones given) it rebuilds post-hoc EMAs of any width from the snapshots of
    /// the power EMAs the run tracked, LAWA over the last K kept raw iterates and tail averages from a step.
    /// Each becomes a variant of the run (`posthoc_s{S}`, `lawa_k{K}`, `tail_from{FROM}`): its parameters
    /// join the kept ones in checkpoints/, the run's own evaluation judges it (BC: J_H on the run's initial
    /// conditions and the validation loss; LM: the validation loss) into posthoc/eval.csv and
    /// posthoc/validation.csv, and `report`, `report --compare` and `sweep` show it like any other.
    /// Rerunning the same command skips what is done, also after a kill (docs/runs.md).
    Stabilize(commands::stabilize::StabilizeArgs),
    /// Which kept checkpoint (step, variant) to deploy, with the fewest rollouts and a guarantee: within ε
    /// of the best with probability ≥ 1 − δ (a BC run's rollouts, an LM run's validation batches, or a table
    /// of evaluations already made).
    Select(commands::select::SelectArgs),
    /// Variants of a BC config × seeds (paper Figures 2 and 3): train them here or on a cluster, compare them.
    Sweep(commands::sweep::SweepArgs),
    /// Benchmarks, side by side with the reference implementations.
    #[command(subcommand)]
    Bench(commands::bench::BenchCommand),
    /// The paper's toy models of GVA (cliff loss, linear error amplification), simulated next to exact values.
    #[command(subcommand)]
    Theory(commands::theory::TheoryCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => commands::demo::run(&args),
        Command::Reproduce(cmd) => commands::reproduce::run(cmd),
        Command::Env(cmd) => commands::env::run(cmd),
        Command::Expert(cmd) => commands::expert::run(cmd),
        Command::Data(cmd) => commands::data::run(cmd),
        Command::Bc(cmd) => commands::bc::run(cmd),
        Command::Lm(cmd) => commands::lm::run(cmd),
        Command::Landscape(args) => commands::landscape::run(&args),
        Command::Report(args) => commands::report::run(&args),
        Command::Analyze(args) => commands::analyze::run(&args),
        Command::Stabilize(args) => commands::stabilize::run(&args),
        Command::Select(args) => commands::select::run(&args),
        Command::Sweep(args) => commands::sweep::run(&args),
        Command::Bench(cmd) => commands::bench::run(cmd),
        Command::Theory(cmd) => commands::theory::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line that says what to fix; no backtrace for a user error.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
