//! `butterfly select RUN` on an LM run: which kept (step, variant) parameters to deploy, compared on the
//! run's own validation batches. Each round is one batch, drawn without replacement in the selection
//! seed's order; an arm's outcome is minus its loss on that batch, so the best arm is the one with the
//! lowest validation loss over all batches (what validation.csv records), found with as few batch
//! evaluations as the bounds allow. Outcomes go to the run's selection cache first, as a BC run's rollouts
//! do, so a killed selection resumes where it stopped.

use std::collections::BTreeMap;
use std::path::Path;

use butterfly_lm::LmJudge;
use butterfly_select::{Arm, RaceSpec, run_selection};
use butterfly_store::read_log;
use butterfly_train::{ValidationRow, kept_parameters};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::select_run::{RunChoice, RunSelection, kept_arms, selection_cache_dir};
use crate::selection_cache::{SelectionCache, SelectionRollout};
use crate::{StudyError, Watch};

/// A selection over an LM run's kept parameters. Without `--range`, outcomes are taken to lie in
/// [−2 L, 0] with L the largest validation loss the run logged; the budget defaults to every arm on every
/// batch (the exhaustive evaluation, which the finite population ends at anyway).
pub fn select_lm_run(dir: &Path, asked: &RunSelection, watch: &dyn Watch) -> Result<RunChoice, StudyError> {
    let how = &asked.request;
    if asked.export.is_some() {
        let what = "--export writes BC policies; for an LM run use `butterfly lm export RUN --variant V` on the choice";
        return Err(StudyError::Options(what.into()));
    }
    butterfly_store::threads::check_threads("threads", asked.threads)?;
    let arms = kept_arms(dir, how)?;
    let mut judge = LmJudge::open(dir)?;
    let batches = judge.batches();
    let range = match how.range {
        Some(r) => r,
        None => {
            let worst = read_log::<ValidationRow>(dir)?.iter().map(|r| r.val_loss).fold(0.0, f64::max);
            (-2.0 * worst, 0.0)
        }
    };
    let exhaustive = (arms.len() * batches) as u64;
    let spec = RaceSpec {
        epsilon: how.epsilon,
        delta: how.delta,
        range,
        population: Some(batches),
        budget: Some(how.budget.unwrap_or(exhaustive)),
    };
    spec.check()?;

    let mut order: Vec<usize> = (0..batches).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(how.seed));
    let mut cache = SelectionCache::open(&selection_cache_dir(dir, how.seed))?;
    // Loaded once, when an arm is first judged; dropped with the arm.
    let mut thetas: BTreeMap<Arm, Vec<f32>> = BTreeMap::new();
    let mut bar = watch.bar("select", 0, spec.budget.unwrap_or(exhaustive));
    let (mut done, mut cached) = (0u64, 0u64);
    let selection = run_selection(&arms, &spec, exhaustive, |round, live: &[&Arm]| {
        thetas.retain(|a, _| live.contains(&a));
        let mut outcomes = Vec::with_capacity(live.len());
        for arm in live {
            if let Some(r) = cache.get(round, arm.step, &arm.variant) {
                cached += 1;
                outcomes.push(r);
                continue;
            }
            if !thetas.contains_key(*arm) {
                thetas.insert((*arm).clone(), kept_parameters(dir, &arm.variant, Some(arm.step))?.theta);
            }
            let ret = -judge.batch_loss(&thetas[*arm], order[round])?;
            let row = SelectionRollout { ic: round, step: arm.step, variant: arm.variant.clone(), ret, length: 0 };
            cache.append(row)?;
            outcomes.push(ret);
        }
        done += live.len() as u64;
        bar.update(done, &format!("{} arms left", live.len()));
        Ok::<_, StudyError>(outcomes)
    })?;
    bar.finish();
    Ok(RunChoice { selection, cached })
}
