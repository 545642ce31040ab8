//! `butterfly bench study`'s summary: the study's wall-clock time end to end, ours next to the same study
//! in Gymnasium + PyTorch, and where each side's time went.

use butterfly_imitate::{StudyRates, StudyTimes};
use serde_json::{Value, json};

/// `butterfly_s`, `torch_s` (null without torch), their ratio, each side's split, and the workload.
pub fn study_bench_json(r: &StudyRates) -> Value {
    json!({
        "butterfly_s": r.butterfly.total_s,
        "torch_s": r.torch.as_ref().map(|t| t.total_s),
        "ratio": r.torch.as_ref().map(|t| t.total_s / r.butterfly.total_s),
        "butterfly": r.butterfly,
        "torch": r.torch,
        "setting": r.setting, "env": r.env, "trajectories": r.trajectories, "updates": r.updates,
        "eval_every": r.eval_every, "initial_conditions": r.initial_conditions, "threads": r.threads,
    })
}

/// A few lines, each ending in `\n`.
pub fn study_bench_text(r: &StudyRates) -> String {
    let side = |name: &str, t: &StudyTimes| {
        let finals: Vec<String> = t.final_j.iter().map(|(v, j)| format!("{v} {j:.0}")).collect();
        format!(
            "  {name:<20} {:>8.1} s  (data {:.1} s, training {:.1} s, evaluation {:.1} s; final J_H {})\n",
            t.total_s,
            t.data_s,
            t.training_s,
            t.evaluation_s,
            finals.join(", ")
        )
    };
    let mut text = format!(
        "one seed of the {} study on {}: {} expert trajectories, {} updates with an EMA, J_H on {} initial \
         conditions every {} updates, {} thread(s)\n",
        r.setting, r.env, r.trajectories, r.updates, r.initial_conditions, r.eval_every, r.threads
    );
    text.push_str(&side("butterfly", &r.butterfly));
    match &r.torch {
        Some(t) => {
            text.push_str(&side("gymnasium + pytorch", t));
            text.push_str(&format!("  ratio {:.2}x end to end\n", t.total_s / r.butterfly.total_s));
        }
        None => text.push_str("  gymnasium + pytorch: n/a (set BUTTERFLY_TORCH_PYTHON to a Python with torch)\n"),
    }
    text
}
