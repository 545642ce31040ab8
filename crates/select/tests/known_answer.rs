//! A selection over a table whose answer is known: 30 arms with set means, a common per-initial-condition
//! effect (what pairing removes) and noise of their own. Over 60 seeded repetitions (a new table and a new
//! draw order each) the choice must be within ε of the table's best at a rate ≥ 1 − δ, and cost fewer
//! rows than evaluating them all.

use std::path::Path;

use butterfly_select::{Arm, ArmFilter, OutcomeTable, Request, Stop};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const STEPS: [u64; 6] = [1000, 2000, 3000, 4000, 5000, 6000];
const VARIANTS: [&str; 5] = ["raw", "ema", "ema-a0.5", "tail", "lawa"];
const ICS: usize = 300;

/// Arm k's mean: most far below the best, a few within a few units of it.
fn mean(k: usize) -> f64 {
    match k {
        17 => 80.0,
        4 => 78.0,
        23 => 76.5,
        _ => 20.0 + 45.0 * ((k * 7) % 30) as f64 / 30.0,
    }
}

fn table(seed: u64) -> OutcomeTable {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let ic_effect: Vec<f64> = (0..ICS).map(|_| rng.random_range(-20.0..20.0)).collect();
    let mut text = String::from("step,variant,ic,return\n");
    for (s, step) in STEPS.iter().enumerate() {
        for (v, variant) in VARIANTS.iter().enumerate() {
            let k = s * VARIANTS.len() + v;
            for (ic, effect) in ic_effect.iter().enumerate() {
                let r = mean(k) + effect + rng.random_range(-10.0..10.0);
                text.push_str(&format!("{step},{variant},{ic},{r}\n"));
            }
        }
    }
    OutcomeTable::parse(Path::new("synthetic.csv"), &text).unwrap()
}

fn table_mean(t: &OutcomeTable, arm: &Arm) -> f64 {
    let r = t.returns(arm).unwrap();
    r.iter().sum::<f64>() / r.len() as f64
}

#[test]
fn the_choice_is_within_epsilon_at_the_stated_rate_with_fewer_rows() {
    let (epsilon, delta) = (2.0, 0.1);
    let reps = 60u64;
    let (mut correct, mut rollouts) = (0, 0u64);
    for rep in 0..reps {
        let t = table(rep);
        let how = Request { epsilon, delta, budget: None, range: None, filter: ArmFilter::default(), seed: rep };
        let s = t.select(&how).unwrap();
        let arms = t.arms(&ArmFilter::default()).unwrap();
        let best = arms.iter().map(|a| table_mean(&t, a)).fold(f64::NEG_INFINITY, f64::max);
        correct += usize::from(table_mean(&t, &s.arm) >= best - epsilon);
        assert_eq!(s.exhaustive_rollouts, (30 * ICS) as u64);
        assert!(s.rollouts < s.exhaustive_rollouts && s.stop == Stop::Decided, "rep {rep}: {s:?}");
        assert!(s.lower <= s.estimate && s.estimate <= s.upper);
        rollouts += s.rollouts;
    }
    assert!(correct as f64 / reps as f64 >= 1.0 - delta, "{correct} of {reps} within ε");
    // Most arms are far from the best and go early: a fraction of the rows is read.
    let share = rollouts as f64 / (reps * 30 * ICS as u64) as f64;
    assert!(share < 0.5, "read {share:.2} of the rows");
    eprintln!("{correct}/{reps} within ε, {:.1} % of the rows", 100.0 * share);
}

#[test]
fn the_same_seed_gives_the_same_selection_and_another_a_different_order() {
    let t = table(7);
    let how =
        |seed| Request { epsilon: 2.0, delta: 0.1, budget: None, range: None, filter: ArmFilter::default(), seed };
    assert_eq!(t.select(&how(3)).unwrap(), t.select(&how(3)).unwrap());
    assert_ne!(t.select(&how(3)).unwrap().rollouts, t.select(&how(4)).unwrap().rollouts);
    // Filters name what exists, and a budget ends the race early without the guarantee.
    let only = ArmFilter { variants: Some(vec!["ema".into()]), steps: Some(vec![2000, 5000]) };
    let s = t.select(&Request { filter: only, ..how(3) }).unwrap();
    assert_eq!((s.arms, s.arm.variant.as_str()), (2, "ema"));
    let s = t.select(&Request { budget: Some(100), ..how(3) }).unwrap();
    assert_eq!((s.stop, s.rollouts), (Stop::Budget, 90));
    let e = t.select(&Request { filter: ArmFilter { variants: Some(vec!["nope".into()]), steps: None }, ..how(3) });
    assert!(e.unwrap_err().to_string().contains("no variant 'nope' (have: raw, ema"));
}
