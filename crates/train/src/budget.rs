//! One rule for a training budget made shorter or longer (the demos' `--steps`, a quick reproduction):
//! everything counted in updates scales with it, so that the run keeps its shape.

use butterfly_nn::{Decay, Schedule};

use crate::{StabilizerSpec, Window};

/// The parts of a training config counted in updates.
pub struct Budget<'a> {
    pub steps: &'a mut u64,
    pub eval_every: &'a mut u64,
    pub schedule: &'a mut Schedule,
    pub stabilizers: &'a mut [StabilizerSpec],
    pub windows: &'a mut [Window],
}

/// Scales `budget` to `steps` updates: the evaluation cadence, the burn-ins, the warm-up and the decay's
/// length (a learning rate that decayed to its floor at the last update still does) by the same factor,
/// each at least 1; windows start at the scaled step (inside the run) and keep their length where it fits.
pub fn scale_budget(budget: Budget<'_>, steps: u64) {
    let factor = steps as f64 / (*budget.steps).max(1) as f64;
    let scaled = |x: u64| ((x as f64 * factor).round() as u64).max(1);
    *budget.eval_every = scaled(*budget.eval_every);
    let schedule = budget.schedule;
    if schedule.warmup_steps > 0 {
        schedule.warmup_steps = scaled(schedule.warmup_steps).min(steps);
    }
    schedule.decay = match schedule.decay {
        Decay::Constant => Decay::Constant,
        Decay::Linear { steps, final_lr } => Decay::Linear { steps: scaled(steps), final_lr },
        Decay::Cosine { steps, final_lr } => Decay::Cosine { steps: scaled(steps), final_lr },
        Decay::Step { every, gamma } => Decay::Step { every: scaled(every), gamma },
        Decay::InverseTime { rate } => Decay::InverseTime { rate: rate / factor },
    };
    for s in budget.stabilizers.iter_mut() {
        if s.burn_in() > 0 {
            s.set_burn_in(scaled(s.burn_in()));
        }
    }
    for w in budget.windows.iter_mut() {
        w.start = scaled(w.start).min(steps.saturating_sub(1));
        w.length = w.length.min(steps - w.start);
    }
    *budget.steps = steps;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenth_of_the_budget_keeps_the_runs_shape() {
        let (mut steps, mut every) = (150_000u64, 5_000u64);
        let mut schedule: Schedule =
            toml::from_str("lr = 1e-3\nwarmup_steps = 1000\ndecay = { kind = \"cosine\", steps = 149000 }").unwrap();
        let mut stabilizers: Vec<StabilizerSpec> = vec![
            toml::from_str("kind = \"ema\"\nalpha = 0.7\nburn_in = 5000").unwrap(),
            toml::from_str("kind = \"tail\"").unwrap(),
        ];
        let mut windows = vec![
            Window { start: 40_000, length: 1_000, variants: vec![] },
            Window { start: 149_990, length: 10, variants: vec![] },
        ];
        let budget = Budget {
            steps: &mut steps,
            eval_every: &mut every,
            schedule: &mut schedule,
            stabilizers: &mut stabilizers,
            windows: &mut windows,
        };
        scale_budget(budget, 15_000);
        assert_eq!((steps, every, schedule.warmup_steps), (15_000, 500, 100));
        assert_eq!(schedule.decay, Decay::Cosine { steps: 14_900, final_lr: 0.0 });
        assert!(schedule.lr(14_999) < 1e-9 && schedule.lr(14_998) > 0.0, "the lr still reaches 0 at the last update");
        assert_eq!((stabilizers[0].burn_in(), stabilizers[1].burn_in()), (500, 0), "a burn-in of 0 stays 0");
        assert_eq!((windows[0].start, windows[0].length), (4_000, 1_000));
        assert_eq!((windows[1].start, windows[1].length), (14_999, 1), "a window at the end stays inside the run");
    }
}
