//! What `butterfly select` prints: the chosen (step, variant), its estimate and interval, and what the
//! choice cost against evaluating every arm.

use butterfly_select::{Selection, Stop};
use serde_json::{Value, json};

/// One object; `cached` is how many of the rollouts a previous, interrupted selection had made (None for
/// a table, which makes none).
pub fn selection_json(s: &Selection, cached: Option<u64>) -> Value {
    let mut out = json!({
        "variant": s.arm.variant, "step": s.arm.step, "estimate": s.estimate, "lower": s.lower, "upper": s.upper,
        "rollouts": s.rollouts, "exhaustive_rollouts": s.exhaustive_rollouts,
        "initial_conditions": s.rounds, "arms": s.arms, "arms_left": s.left, "stop": stop_name(s.stop),
        "epsilon": s.spec.epsilon, "delta": s.spec.delta, "range": [s.spec.range.0, s.spec.range.1],
    });
    if let Some(c) = cached {
        out["cached_rollouts"] = json!(c);
    }
    out
}

fn stop_name(stop: Stop) -> &'static str {
    match stop {
        Stop::Decided => "decided",
        Stop::Exhausted => "exhausted",
        Stop::Budget => "budget",
    }
}

/// A few lines, each ending in `\n`.
pub fn selection_text(s: &Selection, cached: Option<u64>) -> String {
    let why = match s.stop {
        Stop::Decided => {
            format!("within ε = {} of the best with probability ≥ {}", plain(s.spec.epsilon), plain(1.0 - s.spec.delta))
        }
        Stop::Exhausted => "every initial condition used: the means over them are exact".to_string(),
        Stop::Budget => "the budget ran out first: the best mean so far, WITHOUT the guarantee".to_string(),
    };
    let share = 100.0 * s.rollouts as f64 / s.exhaustive_rollouts.max(1) as f64;
    let mut text = format!(
        "chose {}: {why}\n  return {:.2}, interval [{:.2}, {:.2}]\n  {} rollouts on {} initial conditions \
         ({share:.1} % of the {} that evaluating all {} arms takes); {} of them still in the race at the end\n",
        s.arm, s.estimate, s.lower, s.upper, s.rollouts, s.rounds, s.exhaustive_rollouts, s.arms, s.left
    );
    if let Some(c) = cached.filter(|&c| c > 0) {
        text.push_str(&format!("  {c} of the rollouts were read back from an earlier selection's cache\n"));
    }
    text
}

/// A number as typed (0.05, 100), or in exponent form when that would run to many digits.
fn plain(v: f64) -> String {
    if v != 0.0 && !(1e-4..1e6).contains(&v.abs()) { format!("{v:e}") } else { format!("{v}") }
}
