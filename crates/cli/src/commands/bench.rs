use clap::Subcommand;

use super::{bench_env, bench_lm, bench_sac, bench_study, bench_train};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Env steps/s per task: ours, the raw physics limit, vectorized, and Gymnasium.
    Env(bench_env::BenchEnvArgs),
    /// BC training steps/s of the MLP engine (and the stabilizers' share), and PyTorch's.
    Train(bench_train::BenchTrainArgs),
    /// SAC updates/s at the default network size, and stable-baselines3's.
    Sac(bench_sac::BenchSacArgs),
    /// GPT training tokens/s at the default LM and a larger one, the GEMM-limited rate, generation tokens/s.
    Lm(bench_lm::BenchLmArgs),
    /// One seed of a GVA study end to end (expert data, BC with an EMA, J_H on 20 initial conditions), and
    /// the same study in Gymnasium + PyTorch.
    Study(bench_study::BenchStudyArgs),
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Env(args) => bench_env::run(&args),
        BenchCommand::Train(args) => bench_train::run(&args),
        BenchCommand::Sac(args) => bench_sac::run(&args),
        BenchCommand::Lm(args) => bench_lm::run(&args),
        BenchCommand::Study(args) => bench_study::run(&args),
    }
}
