//! `butterfly theory`: the paper's toy models of GVA as simulations next to their exact values.

use std::path::{Path, PathBuf};

use anyhow::Context;
use butterfly_report::{Axis, CsvTable, LineChart, Series, Style};
use butterfly_theory::cliff::{self, CliffConfig, CliffValues, Schedule, SweepRow};
use butterfly_theory::linear::{self, LinearConfig, LinearValues};
use butterfly_theory::{Estimate, MonteCarlo};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use crate::progress::Progress;
use butterfly_store::write_atomic;

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
    /// Print a machine-readable summary on stdout instead of the table.
    #[arg(long)]
    json: bool,
}

impl MonteCarloArgs {
    fn monte_carlo(&self) -> MonteCarlo {
        MonteCarlo { trials: self.trials, seed: self.seed, confidence: self.confidence }
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
        TheoryCommand::Cliff(args) => cliff_point(&args),
        TheoryCommand::Linear(args) if args.sweep => linear_sweep(&args),
        TheoryCommand::Linear(args) => linear_point(&args),
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

#[derive(Serialize)]
struct CliffSummary<'a> {
    config: &'a CliffConfig,
    monte_carlo: MonteCarlo,
    #[serde(flatten)]
    estimates: &'a CliffValues<Estimate>,
    exact: &'a CliffValues<f64>,
    /// The laws of θ_T − μ and θ̃_T − μ: N(mean·e_1, variance·I).
    laws: Laws,
}

#[derive(Serialize)]
struct Laws {
    sgd: cliff::IterateLaw,
    ema: cliff::IterateLaw,
}

fn cliff_point(args: &CliffArgs) -> anyhow::Result<()> {
    let config = args.config();
    let mc = args.mc.monte_carlo();
    let estimates = cliff::simulate(&config, &mc)?;
    let exact = cliff::exact(&config)?;
    let [sgd, ema] = cliff::iterate_laws(&config)?;
    if args.mc.json {
        let summary = CliffSummary {
            config: &config,
            monte_carlo: mc,
            estimates: &estimates,
            exact: &exact,
            laws: Laws { sgd, ema },
        };
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    println!(
        "cliff: {}, gamma={}, eps={}, C={}, d={}, T={}, offset={}; {} trials, seed {}",
        config.schedule.label(),
        config.gamma,
        config.eps,
        config.cost,
        config.dim,
        config.steps,
        config.offset,
        mc.trials,
        mc.seed
    );
    print_table(
        mc.confidence,
        estimates.named().into_iter().zip(exact.named()).map(|((name, e), (_, x))| (name, *e, *x)),
    );
    println!("per-coordinate variance at step T: SGD {:.4e}, EMA {:.4e}", sgd.variance, ema.variance);
    if let Schedule::Constant { eta } = config.schedule {
        let [v, v_ema] = cliff::stationary_variances(eta, config.gamma);
        println!("noise floors as T → ∞: SGD η/(2 − η) = {v:.4e}, EMA {v_ema:.4e}");
    }
    Ok(())
}

/// One line per quantity: the estimate, its interval and the exact value.
fn print_table<'a>(confidence: f64, rows: impl Iterator<Item = (&'a str, Estimate, f64)>) {
    let ci = format!("{} % CI", confidence * 100.0);
    println!("{:<16} {:>12} {:>27} {:>12}", "quantity", "estimate", ci, "exact");
    for (name, e, exact) in rows {
        let interval = format!("[{:.5e}, {:.5e}]", e.ci_low, e.ci_high);
        // Every trial on the same side of the cliff gives identical samples and a zero-width interval: the
        // normal approximation cannot see probabilities far below 1/trials.
        let mark = if e.ci_low == e.ci_high {
            "  (every trial gave this value: no interval)"
        } else if e.contains(exact) {
            ""
        } else {
            "  (outside the interval)"
        };
        println!("{name:<16} {:>12.5e} {interval:>27} {exact:>12.5e}{mark}", e.mean);
    }
}

fn cliff_sweep(args: &CliffArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        !args.etas.is_empty() && !args.gammas.is_empty(),
        "--etas and --gammas need at least one value each"
    );
    let base = args.config();
    let mc = args.mc.monte_carlo();
    let mut progress = Progress::new("cliff sweep", ((args.etas.len() + 1) * args.gammas.len()) as u64);
    let rows = cliff::sweep(&base, &args.etas, &args.gammas, &mc, |row| {
        progress.advance(&format!("{}, gamma={}", row.config.schedule.label(), row.config.gamma))
    })?;
    progress.finish();
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let csv = args.out.join("cliff_sweep.csv");
    write_atomic(&csv, cliff_table(&rows, &mc)?.to_csv().as_bytes())?;
    let plots = cliff_plots(&rows, &args.gammas, &base, mc.confidence, &args.out)?;
    report_sweep(args.mc.json, &csv, &plots, &rows)
}

/// One row per configuration; for each quantity its estimate, interval and exact value. The 1/t schedule
/// has no η (an empty field, NaN in pandas).
fn cliff_table(rows: &[SweepRow], mc: &MonteCarlo) -> anyhow::Result<CsvTable> {
    let mut header: Vec<String> =
        ["schedule", "eta", "gamma", "eps", "cost", "dim", "steps", "offset", "trials", "seed", "confidence"]
            .map(String::from)
            .into();
    for (name, _) in rows[0].exact.named() {
        header.extend([name.to_string(), format!("{name}_ci_low"), format!("{name}_ci_high"), format!("{name}_exact")]);
    }
    let mut table = CsvTable::new(header);
    for row in rows {
        let c = &row.config;
        let (schedule, eta) = match c.schedule {
            Schedule::Constant { eta } => ("constant", eta.to_string()),
            Schedule::InverseT => ("inverse_t", String::new()),
        };
        let mut fields = vec![schedule.to_string(), eta];
        fields.extend([c.gamma, c.eps, c.cost].map(|v| v.to_string()));
        fields.extend([c.dim, c.steps].map(|v| v.to_string()));
        fields.extend([c.offset.to_string(), mc.trials.to_string(), mc.seed.to_string(), mc.confidence.to_string()]);
        for ((_, e), (_, x)) in row.estimates.named().into_iter().zip(row.exact.named()) {
            fields.extend([e.mean, e.ci_low, e.ci_high, *x].map(|v| v.to_string()));
        }
        table.push(fields)?;
    }
    Ok(table)
}

/// The reward gap and the BC loss against η (log–log): SGD and each EMA as exact lines with Monte Carlo dots,
/// the 1/t schedule's SGD iterate as a flat dashed line (it has no η), and C/2 for the gap.
fn cliff_plots(
    rows: &[SweepRow],
    gammas: &[f64],
    base: &CliffConfig,
    confidence: f64,
    out: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut constant: Vec<(f64, &SweepRow)> = rows
        .iter()
        .filter_map(|r| match r.config.schedule {
            Schedule::Constant { eta } => Some((eta, r)),
            Schedule::InverseT => None,
        })
        .collect();
    // Lines join the points in η order whatever order --etas gave (the sort is stable: γ order is kept).
    constant.sort_by(|a, b| a.0.total_cmp(&b.0));
    let eta_range =
        [constant.iter().map(|c| c.0).fold(f64::INFINITY, f64::min), constant.iter().map(|c| c.0).fold(0.0, f64::max)];
    let inverse_t =
        rows.iter().find(|r| r.config.schedule == Schedule::InverseT).context("the sweep has no 1/t row")?;
    let setting = format!("d={}, T={}, ε={}, C={}", base.dim, base.steps, base.eps, base.cost);
    let key = format!("lines: exact; dots: Monte Carlo, {} % CI", confidence * 100.0);
    // Quantities by their index in `CliffValues::named`: (SGD, EMA) for each chart.
    let charts = [
        ("cliff_reward_gap", "expected reward gap at step T", "E[J(θ*) − J] at step T", [2, 3], Some(base.cost / 2.0)),
        ("cliff_bc_loss", "expected BC loss at step T", "E[ℓ_BC] at step T", [0, 1], None),
    ];
    let mut paths = Vec::new();
    for (stem, title, y_label, [sgd, ema], reference) in charts {
        let mut chart =
            LineChart::new(format!("Cliff loss: {title}"), Axis::log("SGD step size η"), Axis::log(y_label));
        chart.note = format!("{setting}; {key}");
        // The SGD iterate does not depend on γ: take it from the first γ's rows.
        let sgd_rows: Vec<&(f64, &SweepRow)> = constant.iter().filter(|c| c.1.config.gamma == gammas[0]).collect();
        let curve = |rows: &[&(f64, &SweepRow)], k: usize, name: String, color: usize| {
            let estimate = |r: &SweepRow| *r.estimates.named()[k].1;
            let exact = Series::new(
                name,
                rows.iter().map(|(eta, r)| (*eta, *r.exact.named()[k].1)).collect(),
                Style::Line,
                color,
            );
            let dots =
                Series::new("", rows.iter().map(|(eta, r)| (*eta, estimate(r).mean)).collect(), Style::Markers, color)
                    .with_intervals(rows.iter().map(|(_, r)| (estimate(r).ci_low, estimate(r).ci_high)).collect());
            [exact, dots]
        };
        for series in curve(&sgd_rows, sgd, "SGD".to_string(), 0) {
            chart.push(series);
        }
        for (j, &gamma) in gammas.iter().enumerate() {
            let ema_rows: Vec<&(f64, &SweepRow)> = constant.iter().filter(|c| c.1.config.gamma == gamma).collect();
            for series in curve(&ema_rows, ema, format!("EMA γ={gamma}"), 1 + j) {
                chart.push(series);
            }
        }
        let flat = |v: f64| eta_range.iter().map(|&eta| (eta, v)).collect::<Vec<_>>();
        chart.push(Series::new("SGD, η_t = 1/t", flat(*inverse_t.exact.named()[sgd].1), Style::Dashed, 8));
        if let Some(level) = reference {
            chart.push(Series::new("C/2", flat(level), Style::Dashed, 7));
        }
        paths.extend(chart.save(out, stem)?);
    }
    Ok(paths)
}

#[derive(Serialize)]
struct SweepSummary<'a, R: Serialize> {
    csv: &'a Path,
    plots: &'a [PathBuf],
    rows: &'a [R],
}

/// Prints where the sweep's files went: as JSON with every row, or as two plain lines.
fn report_sweep<R: Serialize>(json: bool, csv: &Path, plots: &[PathBuf], rows: &[R]) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(&SweepSummary { csv, plots, rows })?);
    } else {
        println!("wrote {} ({} rows)", csv.display(), rows.len());
        let names: Vec<String> = plots.iter().map(|p| p.display().to_string()).collect();
        println!("wrote {}", names.join(", "));
    }
    Ok(())
}

#[derive(Serialize)]
struct LinearSummary<'a> {
    config: &'a LinearConfig,
    monte_carlo: MonteCarlo,
    #[serde(flatten)]
    estimates: &'a LinearValues<Estimate>,
    exact: &'a LinearValues<f64>,
}

fn linear_point(args: &LinearArgs) -> anyhow::Result<()> {
    let config = LinearConfig { delta: args.delta, horizon: args.horizon, dim: args.dim };
    let mc = args.mc.monte_carlo();
    let estimates = linear::simulate(&config, &mc)?;
    let exact = linear::exact(&config)?;
    if args.mc.json {
        let summary = LinearSummary { config: &config, monte_carlo: mc, estimates: &estimates, exact: &exact };
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    println!(
        "linear: delta={}, H={}, d={}; {} trials, seed {}",
        config.delta, config.horizon, config.dim, mc.trials, mc.seed
    );
    print_table(
        mc.confidence,
        [("bc_loss", estimates.bc_loss, exact.bc_loss), ("reward_gap", estimates.reward_gap, exact.reward_gap)]
            .into_iter(),
    );
    println!("amplification (gap / BC loss): {:.4e}", exact.reward_gap / exact.bc_loss);
    Ok(())
}

#[derive(Serialize)]
struct LinearRow {
    config: LinearConfig,
    estimates: LinearValues<Estimate>,
    exact: LinearValues<f64>,
}

fn linear_sweep(args: &LinearArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        !args.deltas.is_empty() && !args.horizons.is_empty(),
        "--deltas and --horizons need at least one value each"
    );
    let mc = args.mc.monte_carlo();
    let configs: Vec<LinearConfig> = args
        .deltas
        .iter()
        .flat_map(|&delta| args.horizons.iter().map(move |&horizon| LinearConfig { delta, horizon, dim: args.dim }))
        .collect();
    // Fail on a bad value before spending time on the good ones.
    for config in &configs {
        config.validate()?;
    }
    let mut progress = Progress::new("linear sweep", configs.len() as u64);
    let mut rows = Vec::with_capacity(configs.len());
    for config in configs {
        rows.push(LinearRow { config, estimates: linear::simulate(&config, &mc)?, exact: linear::exact(&config)? });
        progress.advance(&format!("delta={}, H={}", config.delta, config.horizon));
    }
    progress.finish();
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let csv = args.out.join("linear_sweep.csv");
    write_atomic(&csv, linear_table(&rows, &mc)?.to_csv().as_bytes())?;
    let plots = linear_plots(&rows, args, mc.confidence)?;
    report_sweep(args.mc.json, &csv, &plots, &rows)
}

fn linear_table(rows: &[LinearRow], mc: &MonteCarlo) -> anyhow::Result<CsvTable> {
    let mut table = CsvTable::new([
        "delta",
        "horizon",
        "dim",
        "trials",
        "seed",
        "confidence",
        "bc_loss",
        "bc_loss_ci_low",
        "bc_loss_ci_high",
        "bc_loss_exact",
        "reward_gap",
        "reward_gap_ci_low",
        "reward_gap_ci_high",
        "reward_gap_exact",
    ]);
    for row in rows {
        let c = &row.config;
        let mut fields = vec![c.delta.to_string(), c.horizon.to_string(), c.dim.to_string()];
        fields.extend([mc.trials.to_string(), mc.seed.to_string(), mc.confidence.to_string()]);
        for (e, x) in [(row.estimates.bc_loss, row.exact.bc_loss), (row.estimates.reward_gap, row.exact.reward_gap)] {
            fields.extend([e.mean, e.ci_low, e.ci_high, x].map(|v| v.to_string()));
        }
        table.push(fields)?;
    }
    Ok(table)
}

/// The gap (solid, with Monte Carlo dots) and the BC loss (dashed) against H, one colour per δ, and against δ,
/// one colour per H; log–log.
fn linear_plots(rows: &[LinearRow], args: &LinearArgs, confidence: f64) -> anyhow::Result<Vec<PathBuf>> {
    let key = format!(
        "solid: rollout gap J_H(π*) − J_H(π*+Δ); dashed: BC loss; dots: Monte Carlo, {} % CI",
        confidence * 100.0
    );
    let mut paths = Vec::new();
    type Group = fn(&LinearConfig) -> f64;
    let views: [(&str, &str, Group, Group, String); 2] = [
        ("linear_vs_horizon", "horizon H", |c| c.horizon as f64, |c| c.delta, "δ".to_string()),
        (
            "linear_vs_delta",
            "Lipschitz constant δ of the error Δ(x) = δx",
            |c| c.delta,
            |c| c.horizon as f64,
            "H".to_string(),
        ),
    ];
    for (stem, x_label, x_of, group_of, group_name) in views {
        let mut chart = LineChart::new(
            format!("Linear system, d={}: BC loss O(Hδ²), rollout gap exp(Ω(Hδ))", args.dim),
            Axis::log(x_label),
            Axis::log("loss / reward gap"),
        );
        chart.note = key.clone();
        let mut groups: Vec<f64> = rows.iter().map(|r| group_of(&r.config)).collect();
        groups.sort_by(f64::total_cmp);
        groups.dedup();
        for (color, &group) in groups.iter().enumerate() {
            let mut members: Vec<&LinearRow> = rows.iter().filter(|r| group_of(&r.config) == group).collect();
            members.sort_by(|a, b| x_of(&a.config).total_cmp(&x_of(&b.config)));
            let xs: Vec<f64> = members.iter().map(|r| x_of(&r.config)).collect();
            let along = |ys: Vec<f64>| xs.iter().copied().zip(ys).collect::<Vec<_>>();
            chart.push(Series::new(
                format!("{group_name}={group}"),
                along(members.iter().map(|r| r.exact.reward_gap).collect()),
                Style::Line,
                color,
            ));
            chart.push(
                Series::new(
                    "",
                    along(members.iter().map(|r| r.estimates.reward_gap.mean).collect()),
                    Style::Markers,
                    color,
                )
                .with_intervals(
                    members.iter().map(|r| (r.estimates.reward_gap.ci_low, r.estimates.reward_gap.ci_high)).collect(),
                ),
            );
            chart.push(Series::new("", along(members.iter().map(|r| r.exact.bc_loss).collect()), Style::Dashed, color));
        }
        paths.extend(chart.save(&args.out, stem)?);
    }
    Ok(paths)
}
