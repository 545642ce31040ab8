//! `butterfly theory`: the paper's toy models of GVA as simulations next to their exact values.

use std::path::PathBuf;

use butterfly_report::{CliffPoint, LinearPoint, write_cliff_sweep, write_linear_sweep};
use butterfly_theory::MonteCarlo;
use butterfly_theory::cliff::{self, CliffConfig, Schedule};
use butterfly_theory::linear::{self, LinearConfig};
use clap::{Args, Subcommand, ValueEnum};

use crate::progress::Progress;
use crate::show::show;

#[derive(Subcommand)]
pub enum TheoryCommand {
    /// The cliff loss (paper §4.3, Proposition 4.1): SGD's noise floor pushes it over a reward cliff, its EMA's
    /// does not.
    ///
    /// SGD θ_{t+1} = θ_t − η_t(θ_t − μ + w_t), w_t ~ N(0, I_d), with the EMA θ̃_0 = θ_0,
    /// θ̃_{t+1} = (1 − γ)θ̃_t + γθ_{t+1} (eq. 4.1); BC loss ½‖θ − μ‖²; reward J(θ) = −‖θ − μ‖² within ε of μ, −C
    /// past it (eq. 4.2), so the reward gap J(θ*) − J(θ) is ‖θ − μ‖² or C. Prints Monte Carlo estimates of the
    /// expected BC losses and reward gaps at step T, with confidence intervals, next to their exact values.
    ///
    /// With --sweep: every step size of --etas and the 1/t schedule, each with every EMA weight of --gammas;
    /// writes cliff_sweep.csv and the plots cliff_reward_gap and cliff_bc_loss (PNG and SVG) into --out.
    Cliff(CliffArgs),
    /// Exponential error amplification (in the spirit of Proposition 3.1): a tiny BC loss, an e^{Hδ} rollout gap.
    ///
    /// State x ∈ ℝ^d, x_0 ~ N(0, I), dynamics x_{h+1} = x_h + u_h, expert u = 0 (it holds the state), learner
    /// u = δx (a δ-Lipschitz error), reward −‖x_h‖² summed over h = 1..H. The BC loss on expert data (squared
    /// error summed over the H expert steps) is H·δ²·d; the rollout gap J_H(expert) − J_H(learner) is
    /// d·Σ_{h=1..H} ((1 + δ)^{2h} − 1). Prints Monte Carlo estimates over x_0 next to these closed forms.
    ///
    /// With --sweep: every pair of --deltas and --horizons; writes linear_sweep.csv and the plots
    /// linear_vs_horizon and linear_vs_delta (PNG and SVG) into --out.
    Linear(LinearArgs),
}

#[derive(Args)]
pub struct MonteCarloArgs {
    /// Independent Monte Carlo trials.
    #[arg(long, default_value_t = 10_000)]
    trials: usize,
    /// Seed: the same seed gives bit-identical numbers, whatever the thread count.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Confidence level of the reported intervals (normal approximation).
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Threads the trials run on [default: the machine's cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Print a machine-readable summary on stdout instead of the table.
    #[arg(long)]
    json: bool,
}

impl MonteCarloArgs {
    fn monte_carlo(&self) -> MonteCarlo {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        MonteCarlo {
            trials: self.trials,
            seed: self.seed,
            confidence: self.confidence,
            threads: self.threads.unwrap_or(cores),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ScheduleArg {
    /// η_t = --eta.
    Constant,
    /// η_t = 1/(t + 1): the iterate is the sample mean (--eta is ignored).
    InverseT,
}

#[derive(Args)]
pub struct CliffArgs {
    /// Constant SGD step size η, in (0, 2).
    #[arg(long, default_value_t = 0.5, conflicts_with = "sweep")]
    eta: f64,
    /// Step-size schedule.
    #[arg(long, value_enum, default_value_t = ScheduleArg::Constant, conflicts_with = "sweep")]
    schedule: ScheduleArg,
    /// EMA weight γ of the new iterate, in (0, 1].
    #[arg(long, default_value_t = 0.01, conflicts_with = "sweep")]
    gamma: f64,
    /// ε: the radius of the cliff's edge.
    #[arg(long, default_value_t = 0.3)]
    eps: f64,
    /// C: the reward lost past the cliff.
    #[arg(long, default_value_t = 10.0)]
    cost: f64,
    /// d: the dimension of θ.
    #[arg(long, default_value_t = 1)]
    dim: usize,
    /// T: the step at which the iterates are evaluated.
    #[arg(long, default_value_t = 1000)]
    steps: usize,
    /// ‖θ_0 − μ‖: start away from the optimum (0 starts at it, as in Proposition 4.1).
    #[arg(long, default_value_t = 0.0)]
    offset: f64,
    #[command(flatten)]
    mc: MonteCarloArgs,
    /// Sweep --etas × --gammas (and the 1/t schedule); write the CSV and plots into --out.
    #[arg(long)]
    sweep: bool,
    /// Constant step sizes of the sweep (comma-separated).
    #[arg(long, value_delimiter = ',', requires = "sweep", default_value = "0.005,0.01,0.02,0.05,0.1,0.2,0.5,1")]
    etas: Vec<f64>,
    /// EMA weights of the sweep (comma-separated).
    #[arg(long, value_delimiter = ',', requires = "sweep", default_value = "0.005,0.02,0.1")]
    gammas: Vec<f64>,
    /// Directory for the sweep's CSV and plots (created if missing).
    #[arg(long, value_name = "DIR", requires = "sweep", default_value = "theory-out/cliff")]
    out: PathBuf,
}

#[derive(Args)]
pub struct LinearArgs {
    /// δ: the Lipschitz constant of the learner's error Δ(x) = δx, in [0, 1].
    #[arg(long, default_value_t = 0.05, conflicts_with = "sweep")]
    delta: f64,
    /// H: the horizon.
    #[arg(long, default_value_t = 100, conflicts_with = "sweep")]
    horizon: usize,
    /// d: the state dimension.
    #[arg(long, default_value_t = 1)]
    dim: usize,
    #[command(flatten)]
    mc: MonteCarloArgs,
    /// Sweep --deltas × --horizons; write the CSV and plots into --out.
    #[arg(long)]
    sweep: bool,
    /// δ values of the sweep (comma-separated).
    #[arg(long, value_delimiter = ',', requires = "sweep", default_value = "0.01,0.02,0.05,0.1,0.2")]
    deltas: Vec<f64>,
    /// Horizons of the sweep (comma-separated).
    #[arg(long, value_delimiter = ',', requires = "sweep", default_value = "1,2,5,10,20,50,100")]
    horizons: Vec<usize>,
    /// Directory for the sweep's CSV and plots (created if missing).
    #[arg(long, value_name = "DIR", requires = "sweep", default_value = "theory-out/linear")]
    out: PathBuf,
}

pub fn run(cmd: TheoryCommand) -> anyhow::Result<()> {
    match cmd {
        TheoryCommand::Cliff(args) if args.sweep => cliff_sweep(&args),
        TheoryCommand::Cliff(args) => {
            let point = CliffPoint::evaluate(args.config(), args.mc.monte_carlo())?;
            show(args.mc.json, &point, point.text())
        }
        TheoryCommand::Linear(args) if args.sweep => linear_sweep(&args),
        TheoryCommand::Linear(args) => {
            let config = LinearConfig { delta: args.delta, horizon: args.horizon, dim: args.dim };
            let point = LinearPoint::evaluate(config, args.mc.monte_carlo())?;
            show(args.mc.json, &point, point.text())
        }
    }
}

impl CliffArgs {
    fn config(&self) -> CliffConfig {
        let schedule = match self.schedule {
            ScheduleArg::Constant => Schedule::Constant { eta: self.eta },
            ScheduleArg::InverseT => Schedule::InverseT,
        };
        CliffConfig {
            schedule,
            gamma: self.gamma,
            eps: self.eps,
            cost: self.cost,
            dim: self.dim,
            steps: self.steps,
            offset: self.offset,
        }
    }
}

fn cliff_sweep(args: &CliffArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        !args.etas.is_empty() && !args.gammas.is_empty(),
        "--etas and --gammas need at least one value each"
    );
    let mc = args.mc.monte_carlo();
    let mut progress = Progress::new("cliff sweep", ((args.etas.len() + 1) * args.gammas.len()) as u64);
    let rows = cliff::sweep(&args.config(), &args.etas, &args.gammas, &mc, |row| {
        progress.advance(&format!("{}, gamma={}", row.config.schedule.label(), row.config.gamma))
    })?;
    progress.finish();
    let sweep = write_cliff_sweep(rows, &args.gammas, &mc, &args.out)?;
    show(args.mc.json, &sweep, sweep.text())
}

fn linear_sweep(args: &LinearArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        !args.deltas.is_empty() && !args.horizons.is_empty(),
        "--deltas and --horizons need at least one value each"
    );
    let mc = args.mc.monte_carlo();
    let mut progress = Progress::new("linear sweep", (args.deltas.len() * args.horizons.len()) as u64);
    let rows = linear::sweep(&args.deltas, &args.horizons, args.dim, &mc, |row| {
        progress.advance(&format!("delta={}, H={}", row.config.delta, row.config.horizon))
    })?;
    progress.finish();
    let sweep = write_linear_sweep(rows, &mc, &args.out)?;
    show(args.mc.json, &sweep, sweep.text())
}
