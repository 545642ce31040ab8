//! A whole selection: a race over named arms, fed round by round by whoever supplies the outcomes (a
//! table of evaluations already made, or rollouts), and what it chose.

use crate::arm::{Arm, ArmFilter};
use crate::error::SelectError;
use crate::race::{Race, RaceSpec, Stop};

/// What a user asks of a selection, wherever its outcomes come from.
#[derive(Debug, Clone)]
pub struct Request {
    /// Within ε of the best mean return with probability ≥ 1 − δ.
    pub epsilon: f64,
    pub delta: f64,
    pub budget: Option<u64>,
    /// Every return lies in [low, high]; None: the caller's default.
    pub range: Option<(f64, f64)>,
    pub filter: ArmFilter,
    /// Seeds the order (or the draw) of the initial conditions.
    pub seed: u64,
}

impl Request {
    /// The race over fresh rollouts (independent initial conditions) whose returns lie in `range`; without a
    /// budget, ten times `exhaustive` rollouts (the evaluation of every arm the caller would otherwise make).
    pub fn fresh_race(&self, range: (f64, f64), exhaustive: u64) -> RaceSpec {
        RaceSpec {
            epsilon: self.epsilon,
            delta: self.delta,
            range,
            population: None,
            budget: Some(self.budget.unwrap_or(10 * exhaustive)),
        }
    }
}

/// What a selection chose and what it spent, in units of return.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub arm: Arm,
    /// The chosen arm's mean return over its rollouts, and its confidence interval (level 1 − δ jointly
    /// with every comparison).
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    pub rollouts: u64,
    /// What evaluating every arm on every initial condition costs (a table: its rows; a run: every arm
    /// on the run's own evaluation set).
    pub exhaustive_rollouts: u64,
    /// Initial conditions used.
    pub rounds: usize,
    pub arms: usize,
    /// Arms not eliminated when the race ended.
    pub left: usize,
    pub stop: Stop,
    pub spec: RaceSpec,
}

/// Races `arms`: `outcomes(round, arms)` gives the returns of those arms from the round's initial
/// condition (round 0, 1, … in order). A return outside the spec's range is refused.
pub fn run_selection<E: From<SelectError>>(
    arms: &[Arm],
    spec: &RaceSpec,
    exhaustive_rollouts: u64,
    mut outcomes: impl FnMut(usize, &[&Arm]) -> Result<Vec<f64>, E>,
) -> Result<Selection, E> {
    let mut race = Race::new(arms.len(), spec.clone())?;
    let (low, high) = spec.range;
    let mut round = 0;
    loop {
        let live = race.next_round();
        if live.is_empty() {
            break;
        }
        let named: Vec<&Arm> = live.iter().map(|&a| &arms[a]).collect();
        let returns = outcomes(round, &named)?;
        if let Some((arm, &value)) = named.iter().zip(&returns).find(|(_, r)| !(low..=high).contains(*r)) {
            let (step, variant) = (arm.step, arm.variant.clone());
            return Err(SelectError::OutOfRange { value, step, variant, low, high }.into());
        }
        race.record(&returns);
        round += 1;
    }
    let v = race.verdict().expect("an ended race has a verdict");
    Ok(Selection {
        arm: arms[v.arm].clone(),
        estimate: v.estimate,
        lower: v.lower,
        upper: v.upper,
        rollouts: v.rollouts,
        exhaustive_rollouts,
        rounds: v.rounds,
        arms: arms.len(),
        left: v.left,
        stop: v.stop,
        spec: spec.clone(),
    })
}
