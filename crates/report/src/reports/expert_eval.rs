//! What `butterfly expert eval` prints: a policy file's measured return, as JSON or one line.

use std::path::Path;

use butterfly_policy::Measured;
use serde_json::{Value, json};

pub fn expert_eval_json(env: &str, expert: &Path, m: &Measured) -> Value {
    json!({
        "env": env, "expert": expert, "episodes": m.episodes, "seed": m.seed,
        "mean_return": m.mean_return, "std_return": m.std_return, "returns": m.returns, "lengths": m.lengths,
        "mean_length": m.mean_length,
    })
}

/// One line, ending in `\n`.
pub fn expert_eval_text(env: &str, m: &Measured) -> String {
    format!(
        "{env}: return {:.1} ± {:.1} over {} initial conditions (seed {}), mean length {:.0}\n",
        m.mean_return, m.std_return, m.episodes, m.seed, m.mean_length
    )
}
