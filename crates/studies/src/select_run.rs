//! `butterfly select RUN`: which of a BC run's kept (step, variant) parameters to deploy, with the fewest
//! rollouts. Every round draws one fresh initial condition (the run's env, on the selection seed's own
//! stream, so none is one of the run's evaluation set) and rolls every arm still in the race out from it;
//! each return goes to the run's selection cache first, so a killed selection resumes where it stopped.
//! `exhaustive` instead rolls every arm out from the first N of those initial conditions: the answer a
//! race is measured against, and a table (`exhaustive-N.csv`) that `select --from-csv` races on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use butterfly_envs::{Env, Purpose, TaskEnv, evaluate, initial_conditions, seed_stream};
use butterfly_imitate::run_dir::{ExpertRow, RolloutRow, TRAIN_DATA};
use butterfly_imitate::{BcConfig, Dataset, Imitator, ImitatorPolicy, export_policy};
use butterfly_select::{Arm, Request, Selection, Stop, run_selection};
use butterfly_store::{read_log, write_atomic};
use butterfly_train::{kept_parameters, kept_steps, kept_variants};

use crate::selection_cache::{SelectionCache, SelectionRollout};
use crate::{StudyError, Watch};

/// A selection over a run's kept parameters. The request's budget defaults to ten times what evaluating
/// every arm on the run's own evaluation set takes, its range to the smallest and largest return in the
/// run's eval.csv and expert.csv (a rollout outside it stops the selection with an error), and its seed
/// draws the initial conditions (and names the cache).
#[derive(Debug, Clone)]
pub struct RunSelection {
    pub request: Request,
    pub threads: usize,
    /// Where to write the chosen policy (in `bc export`'s format, the selection in its metadata).
    pub export: Option<PathBuf>,
    /// Roll every arm out from the first N initial conditions (no race) and choose the best mean over them.
    pub exhaustive: Option<usize>,
}

/// What a selection over a run chose, and how many of its rollouts an earlier, interrupted one made.
#[derive(Debug, Clone)]
pub struct RunChoice {
    pub selection: Selection,
    pub cached: u64,
}

/// The cache of selections seeded with `seed` in the run `dir`.
pub fn selection_cache_dir(dir: &Path, seed: u64) -> PathBuf {
    dir.join("select").join(format!("seed{seed}"))
}

pub fn select_run(
    dir: &Path,
    asked: &RunSelection,
    assets: Option<&Path>,
    watch: &dyn Watch,
) -> Result<RunChoice, StudyError> {
    let how = &asked.request;
    butterfly_store::threads::check_threads("threads", asked.threads)?;
    let config = BcConfig::of_run(dir)?;
    let arms = kept_arms(dir, how)?;
    let range = match how.range {
        Some(r) => r,
        None => observed_range(dir)?,
    };
    let exhaustive = match asked.exhaustive {
        Some(0) => return Err(StudyError::Options("--exhaustive needs at least one initial condition".into())),
        Some(n) => (arms.len() as u64).saturating_mul(n as u64),
        None => (arms.len() * config.eval.initial_conditions) as u64,
    };
    let spec = how.fresh_race(range, exhaustive);
    spec.check()?;

    let mut env = TaskEnv::make(&config.env, assets)?;
    let imitator = Imitator::new(&config, env.spec(), &Dataset::load(&dir.join(TRAIN_DATA))?)?;
    let mut cache = SelectionCache::open(&selection_cache_dir(dir, how.seed))?;
    let mut ics = seed_stream(how.seed, Purpose::Selection);
    // Loaded once, when an arm is first rolled out; dropped with the arm.
    let mut policies: BTreeMap<Arm, ImitatorPolicy> = BTreeMap::new();
    let total = if asked.exhaustive.is_some() { exhaustive } else { spec.budget.unwrap_or(exhaustive) };
    let mut bar = watch.bar("select", 0, total);
    let (mut done, mut cached) = (0u64, 0u64);
    let mut roll = |round: usize, live: &[&Arm]| -> Result<Vec<f64>, StudyError> {
        // Drawn whether or not the round is cached, so that round k always has the same state.
        let state = initial_conditions(&mut env, 1, &mut ics);
        let missing: Vec<&Arm> =
            live.iter().copied().filter(|a| cache.get(round, a.step, &a.variant).is_none()).collect();
        policies.retain(|a, _| live.contains(&a));
        let mut batch = Vec::with_capacity(missing.len());
        for arm in &missing {
            let policy = match policies.remove(*arm) {
                Some(p) => p,
                None => {
                    let kept = kept_parameters(dir, &arm.variant, Some(arm.step))?;
                    if kept.theta.len() != imitator.num_params() {
                        let what = "parameters do not fit the configured network".into();
                        return Err(StudyError::Path { path: kept.path, what });
                    }
                    imitator.policy(&kept.theta, BTreeMap::new())?
                }
            };
            batch.push(policy);
        }
        let episodes = if batch.is_empty() {
            Vec::new()
        } else {
            evaluate(&env, &batch, &state, config.eval.horizon, asked.threads)?
        };
        for ((arm, policy), eps) in missing.iter().zip(batch).zip(episodes) {
            let e = &eps[0];
            let row = SelectionRollout {
                ic: round,
                step: arm.step,
                variant: arm.variant.clone(),
                ret: e.ret,
                length: e.length,
            };
            cache.append(row)?;
            policies.insert((*arm).clone(), policy);
        }
        done += live.len() as u64;
        cached += (live.len() - missing.len()) as u64;
        bar.update(done, &format!("{} arms left", live.len()));
        Ok(live.iter().map(|a| cache.get(round, a.step, &a.variant).expect("rolled out or cached")).collect())
    };
    let selection = match asked.exhaustive {
        None => run_selection(&arms, &spec, exhaustive, &mut roll)?,
        Some(n) => {
            let all: Vec<&Arm> = arms.iter().collect();
            let returns: Vec<Vec<f64>> = (0..n).map(|round| roll(round, &all)).collect::<Result<_, _>>()?;
            let table = selection_cache_dir(dir, how.seed).join(format!("exhaustive-{n}.csv"));
            write_exhaustive_table(&table, &arms, &returns)?;
            best_mean(&arms, &returns, spec, exhaustive)
        }
    };
    bar.finish();

    if let Some(out) = &asked.export {
        let s = &selection;
        let notes = BTreeMap::from([
            ("selection_epsilon".to_string(), s.spec.epsilon.to_string()),
            ("selection_delta".to_string(), s.spec.delta.to_string()),
            ("selection_estimate".to_string(), s.estimate.to_string()),
            ("selection_lower".to_string(), s.lower.to_string()),
            ("selection_upper".to_string(), s.upper.to_string()),
            ("selection_rollouts".to_string(), s.rollouts.to_string()),
            ("selection_seed".to_string(), how.seed.to_string()),
        ]);
        export_policy(dir, &s.arm.variant, Some(s.arm.step), assets, notes)?.save(out)?;
    }
    Ok(RunChoice { selection, cached })
}

/// Every arm's returns (`returns[round][arm]`) as a table in the cache's columns, for `select --from-csv`.
fn write_exhaustive_table(path: &Path, arms: &[Arm], returns: &[Vec<f64>]) -> Result<(), StudyError> {
    let mut text = String::from("ic,step,variant,return\n");
    for (ic, round) in returns.iter().enumerate() {
        for (arm, ret) in arms.iter().zip(round) {
            text.push_str(&format!("{ic},{},{},{ret}\n", arm.step, arm.variant));
        }
    }
    Ok(write_atomic(path, text.as_bytes())?)
}

/// The arm with the best mean over every round: exact for these initial conditions, so its interval is
/// the mean itself.
fn best_mean(arms: &[Arm], returns: &[Vec<f64>], spec: butterfly_select::RaceSpec, exhaustive: u64) -> Selection {
    let mean = |a: usize| returns.iter().map(|r| r[a]).sum::<f64>() / returns.len() as f64;
    let best = (0..arms.len()).max_by(|&a, &b| mean(a).total_cmp(&mean(b))).expect("at least one arm");
    let estimate = mean(best);
    Selection {
        arm: arms[best].clone(),
        estimate,
        lower: estimate,
        upper: estimate,
        rollouts: exhaustive,
        exhaustive_rollouts: exhaustive,
        rounds: returns.len(),
        arms: arms.len(),
        left: arms.len(),
        stop: Stop::Exhausted,
        spec,
    }
}

/// The (kept step, variant) pairs of the run in `dir` that the request's filter lets in.
pub(crate) fn kept_arms(dir: &Path, how: &Request) -> Result<Vec<Arm>, StudyError> {
    let steps = kept_steps(dir);
    let first = *steps.first().ok_or_else(|| StudyError::Path {
        path: dir.to_path_buf(),
        what: "kept no parameters yet: train it first".into(),
    })?;
    Ok(how.filter.arms(&steps, &kept_variants(dir, first)?)?)
}

/// The smallest and largest return the run logged (its evaluations and its expert's).
fn observed_range(dir: &Path) -> Result<(f64, f64), StudyError> {
    let returns = read_log::<RolloutRow>(dir)?.into_iter().map(|r| r.ret);
    let expert = read_log::<ExpertRow>(dir)?.into_iter().map(|r| r.ret);
    Ok(returns.chain(expert).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| (lo.min(r), hi.max(r))))
}
