//! Successive elimination on paired outcomes: every round rolls out every arm still in the race from one
//! common initial condition, so each pair of arms is compared on the same draws (their difference
//! carries none of the variance the initial condition causes). A confidence sequence for every pair's
//! mean difference and for every arm's mean, all at level δ split evenly between them (a union bound;
//! each sequence already holds at every round), drives two rules:
//! - an arm goes once another is surely better (the difference's lower bound above 0);
//! - the race stops once one arm is surely within ε of every arm left (each lower bound above −ε).
//!
//! With probability ≥ 1 − δ no bound fails, so the best arm is never eliminated and the chosen arm is
//! within ε of it.

use crate::confidence::ConfidenceSequence;
use crate::error::SelectError;

/// What a race is asked to guarantee, and what it may spend.
#[derive(Debug, Clone, PartialEq)]
pub struct RaceSpec {
    /// The chosen arm is within ε of the best (in units of the outcome).
    pub epsilon: f64,
    /// … with probability ≥ 1 − δ.
    pub delta: f64,
    /// Every outcome lies in [low, high] (the bounds are for bounded outcomes).
    pub range: (f64, f64),
    /// Without replacement from this many initial conditions (the means are then those over them); None:
    /// independent draws (the means are expectations over the initial-condition distribution).
    pub population: Option<usize>,
    /// At most this many rollouts in all; a race stopped by it gives the best mean so far, unguaranteed.
    pub budget: Option<u64>,
}

impl RaceSpec {
    pub fn check(&self) -> Result<(), SelectError> {
        let bad = |what: &str| Err(SelectError::Spec(what.to_string()));
        if !(self.epsilon >= 0.0 && self.epsilon.is_finite()) {
            return bad("--epsilon must be a finite number ≥ 0 (in units of return)");
        }
        if !(self.delta > 0.0 && self.delta < 1.0) {
            return bad("--delta must lie strictly between 0 and 1");
        }
        let (low, high) = self.range;
        if !(low.is_finite() && high.is_finite() && low < high) {
            return bad("the range of returns must be two finite numbers LOW < HIGH");
        }
        if self.population == Some(0) || self.budget == Some(0) {
            return bad("a selection needs at least one initial condition and a budget of at least one rollout");
        }
        Ok(())
    }
}

/// Why a race ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// One arm is within ε of the best with probability ≥ 1 − δ.
    Decided,
    /// Every initial condition of a finite set was used: the means are exact.
    Exhausted,
    /// The budget ran out first: the best mean so far, without the guarantee.
    Budget,
}

/// The outcome of a race, in the outcome's units.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub arm: usize,
    /// The chosen arm's mean over its rollouts, and its confidence interval.
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    pub rollouts: u64,
    /// Initial conditions used (rounds).
    pub rounds: usize,
    /// Arms still in the race at the end.
    pub left: usize,
    pub stop: Stop,
}

pub struct Race {
    spec: RaceSpec,
    active: Vec<bool>,
    arms: Vec<ConfidenceSequence>,
    /// The sequence of arm a − arm b for a < b, at `pair_index(a, b)`.
    pairs: Vec<ConfidenceSequence>,
    rollouts: u64,
    rounds: usize,
    stop: Option<Stop>,
}

impl Race {
    pub fn new(arms: usize, spec: RaceSpec) -> Result<Self, SelectError> {
        spec.check()?;
        if arms == 0 {
            return Err(SelectError::Spec("nothing to select from: no arm (step, variant) is left".into()));
        }
        let pairs = arms * (arms - 1) / 2;
        let alpha = spec.delta / (pairs + arms) as f64;
        let cs = ConfidenceSequence::new(alpha, spec.population);
        let mut race = Self {
            active: vec![true; arms],
            arms: vec![cs.clone(); arms],
            pairs: vec![cs; pairs],
            rollouts: 0,
            rounds: 0,
            stop: None,
            spec,
        };
        race.decide();
        Ok(race)
    }

    /// The arms to roll out in the next round, in order (none once the race has ended).
    pub fn next_round(&self) -> Vec<usize> {
        if self.stop.is_some() {
            return Vec::new();
        }
        (0..self.active.len()).filter(|&a| self.active[a]).collect()
    }

    /// Records the returns of [`Race::next_round`]'s arms from one common initial condition.
    pub fn record(&mut self, returns: &[f64]) {
        let arms = self.next_round();
        assert_eq!(arms.len(), returns.len(), "one return per arm of the round");
        let (low, high) = self.spec.range;
        let span = high - low;
        for (k, &a) in arms.iter().enumerate() {
            self.arms[a].push(((returns[k] - low) / span).clamp(0.0, 1.0));
            for (m, &b) in arms.iter().enumerate().skip(k + 1) {
                // a − b ∈ [−span, span], scaled into [0, 1].
                let d = ((returns[k] - returns[m]) / span + 1.0) / 2.0;
                self.pairs[pair_index(a, b)].push(d.clamp(0.0, 1.0));
            }
        }
        self.rollouts += arms.len() as u64;
        self.rounds += 1;
        self.decide();
    }

    /// The lower bound on mean(a) − mean(b), in outcome units.
    fn difference_lower(&self, a: usize, b: usize) -> f64 {
        let span = self.spec.range.1 - self.spec.range.0;
        if a < b {
            (2.0 * self.pairs[pair_index(a, b)].lower() - 1.0) * span
        } else {
            (1.0 - 2.0 * self.pairs[pair_index(b, a)].upper()) * span
        }
    }

    fn mean(&self, a: usize) -> f64 {
        self.spec.range.0 + self.arms[a].mean() * (self.spec.range.1 - self.spec.range.0)
    }

    /// Active arms, best sample mean first (ties by index, for determinism).
    fn ranked(&self) -> Vec<usize> {
        let mut arms: Vec<usize> = (0..self.active.len()).filter(|&a| self.active[a]).collect();
        arms.sort_by(|&a, &b| self.mean(b).total_cmp(&self.mean(a)).then(a.cmp(&b)));
        arms
    }

    /// Eliminates what is surely beaten, then ends the race if it can.
    fn decide(&mut self) {
        let live = self.ranked();
        if self.rounds > 0 {
            let beaten: Vec<usize> = live
                .iter()
                .copied()
                .filter(|&b| live.iter().any(|&a| a != b && self.difference_lower(a, b) > 0.0))
                .collect();
            beaten.into_iter().for_each(|b| self.active[b] = false);
        }
        let live = self.ranked();
        let eps = self.spec.epsilon;
        let decided = live.len() == 1
            || (self.rounds > 0
                && live.iter().any(|&a| live.iter().all(|&b| a == b || self.difference_lower(a, b) >= -eps)));
        // Exhausted first: with every value seen the bounds are exact, which decides but spent everything.
        self.stop = if self.spec.population == Some(self.rounds) {
            Some(Stop::Exhausted)
        } else if decided {
            Some(Stop::Decided)
        } else if self.spec.budget.is_some_and(|b| self.rollouts + live.len() as u64 > b) {
            Some(Stop::Budget)
        } else {
            None
        };
    }

    /// The result, once [`Race::next_round`] is empty.
    pub fn verdict(&self) -> Option<Verdict> {
        let stop = self.stop?;
        let live = self.ranked();
        let eps = self.spec.epsilon;
        // When decided, the best-looking arm that is within ε of every other; otherwise the best-looking.
        let arm = live
            .iter()
            .copied()
            .find(|&a| stop != Stop::Decided || live.iter().all(|&b| a == b || self.difference_lower(a, b) >= -eps))
            .unwrap_or(live[0]);
        let (low, high) = self.spec.range;
        let cs = &self.arms[arm];
        Some(Verdict {
            arm,
            estimate: self.mean(arm),
            lower: low + cs.lower() * (high - low),
            upper: low + cs.upper() * (high - low),
            rollouts: self.rollouts,
            rounds: self.rounds,
            left: live.len(),
            stop,
        })
    }
}

/// Index of the pair a < b in the row-major upper triangle.
fn pair_index(a: usize, b: usize) -> usize {
    debug_assert!(a < b);
    b * (b - 1) / 2 + a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(epsilon: f64, population: Option<usize>, budget: Option<u64>) -> RaceSpec {
        RaceSpec { epsilon, delta: 0.05, range: (0.0, 1.0), population, budget }
    }

    /// Runs a race where arm a returns `f(a, round)`.
    fn race(arms: usize, spec: RaceSpec, f: impl Fn(usize, usize) -> f64) -> Verdict {
        let mut race = Race::new(arms, spec).unwrap();
        loop {
            let round = race.next_round();
            if round.is_empty() {
                return race.verdict().unwrap();
            }
            let r = race.rounds;
            race.record(&round.iter().map(|&a| f(a, r)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_clear_winner_is_found_early_and_a_tie_within_epsilon_too() {
        // Arm 2 beats the rest by 0.3 on every draw, whatever the draw's own level.
        let v = race(4, spec(0.0, None, None), |a, r| 0.1 * (r % 5) as f64 + if a == 2 { 0.5 } else { 0.2 });
        assert_eq!((v.arm, v.stop, v.left), (2, Stop::Decided, 1));
        assert!(v.rollouts < 400, "{} rollouts", v.rollouts);
        assert!(v.lower <= v.estimate && v.estimate <= v.upper);
        // Two identical arms cannot be told apart, but either is within ε = 0.1.
        let v = race(2, spec(0.1, None, None), |_, r| 0.1 * (r % 5) as f64);
        assert_eq!(v.stop, Stop::Decided);
    }

    #[test]
    fn a_finite_population_ends_exact_and_a_budget_ends_unguaranteed() {
        let v = race(3, spec(0.0, Some(6), None), |a, r| 0.5 + 0.01 * a as f64 * (r % 2) as f64);
        assert_eq!((v.arm, v.stop, v.rollouts), (2, Stop::Exhausted, 18));
        assert_eq!((v.lower, v.upper), (v.estimate, v.estimate));
        let v = race(3, spec(0.0, None, Some(10)), |a, r| 0.5 + 0.01 * a as f64 * (r % 2) as f64);
        assert_eq!((v.stop, v.rollouts), (Stop::Budget, 9));
    }

    #[test]
    fn bad_settings_are_refused() {
        for s in [
            RaceSpec { delta: 1.0, ..spec(0.0, None, None) },
            RaceSpec { epsilon: -1.0, ..spec(0.0, None, None) },
            RaceSpec { range: (1.0, 1.0), ..spec(0.0, None, None) },
        ] {
            assert!(Race::new(2, s).is_err());
        }
        assert!(Race::new(0, spec(0.0, None, None)).is_err());
    }
}
