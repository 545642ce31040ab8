//! Learning-rate schedules: an optional linear warm-up, then a decay rule.

use serde::{Deserialize, Serialize};

use crate::error::{NnError, Result};

/// What happens after warm-up, as a function of s = steps since warm-up ended.
/// Serialized with a `kind` tag (`constant`, `linear`, `cosine`, `step`, `inverse_time`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Decay {
    #[default]
    Constant,
    /// Linear from `lr` to `final_lr` over `steps`, then `final_lr`.
    Linear {
        steps: u64,
        #[serde(default)]
        final_lr: f64,
    },
    /// Half-cosine from `lr` to `final_lr` over `steps`, then `final_lr`.
    Cosine {
        steps: u64,
        #[serde(default)]
        final_lr: f64,
    },
    /// `lr · gamma^⌊s / every⌋`.
    Step { every: u64, gamma: f64 },
    /// The 1/t rule `lr / (1 + rate · s)`.
    InverseTime { rate: f64 },
}

/// A learning-rate schedule: `lr(t)` for update t = 0, 1, 2, ….
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Peak learning rate (reached at the end of warm-up).
    pub lr: f64,
    /// Updates t < warmup_steps use lr · (t + 1) / warmup_steps (no update is wasted at lr 0).
    #[serde(default)]
    pub warmup_steps: u64,
    #[serde(default)]
    pub decay: Decay,
}

impl Schedule {
    pub fn constant(lr: f64) -> Self {
        Schedule { lr, warmup_steps: 0, decay: Decay::Constant }
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(NnError::InvalidSchedule(msg));
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return bad(format!("lr must be > 0, got {}", self.lr));
        }
        match self.decay {
            Decay::Constant => Ok(()),
            Decay::Linear { steps, final_lr } | Decay::Cosine { steps, final_lr } => {
                if steps == 0 || final_lr.is_nan() || final_lr < 0.0 {
                    bad(format!("decay needs steps ≥ 1 and final_lr ≥ 0, got {steps} and {final_lr}"))
                } else {
                    Ok(())
                }
            }
            Decay::Step { every, gamma } => {
                if every == 0 || gamma.is_nan() || gamma <= 0.0 {
                    bad(format!("step decay needs every ≥ 1 and gamma > 0, got {every} and {gamma}"))
                } else {
                    Ok(())
                }
            }
            Decay::InverseTime { rate } => {
                if rate >= 0.0 {
                    Ok(())
                } else {
                    bad(format!("inverse_time rate must be ≥ 0, got {rate}"))
                }
            }
        }
    }

    /// The learning rate of update `t` (0-based).
    pub fn lr(&self, t: u64) -> f64 {
        if t < self.warmup_steps {
            return self.lr * (t + 1) as f64 / self.warmup_steps as f64;
        }
        let s = (t - self.warmup_steps) as f64;
        match self.decay {
            Decay::Constant => self.lr,
            Decay::Linear { steps, final_lr } => {
                let frac = (s / steps as f64).min(1.0);
                self.lr + (final_lr - self.lr) * frac
            }
            Decay::Cosine { steps, final_lr } => {
                let frac = (s / steps as f64).min(1.0);
                final_lr + (self.lr - final_lr) * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos())
            }
            Decay::Step { every, gamma } => self.lr * gamma.powf((s as u64 / every) as f64),
            Decay::InverseTime { rate } => self.lr / (1.0 + rate * s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    }

    #[test]
    fn warmup_then_each_decay_rule() {
        let s = |decay| Schedule { lr: 1.0, warmup_steps: 4, decay };
        let constant = s(Decay::Constant);
        assert_eq!([0, 1, 3, 4, 1000].map(|t| constant.lr(t)), [0.25, 0.5, 1.0, 1.0, 1.0]);
        let linear = s(Decay::Linear { steps: 10, final_lr: 0.1 });
        close(linear.lr(4), 1.0);
        close(linear.lr(9), 0.55);
        close(linear.lr(14), 0.1);
        close(linear.lr(99), 0.1);
        let cosine = s(Decay::Cosine { steps: 10, final_lr: 0.0 });
        close(cosine.lr(4), 1.0);
        close(cosine.lr(9), 0.5);
        close(cosine.lr(4 + 10 / 4), 0.5 * (1.0 + (std::f64::consts::PI * 0.2).cos()));
        close(cosine.lr(14), 0.0);
        let step = s(Decay::Step { every: 3, gamma: 0.5 });
        assert_eq!([4, 6, 7, 10, 13].map(|t| step.lr(t)), [1.0, 1.0, 0.5, 0.25, 0.125]);
        let inv = Schedule { lr: 0.3, warmup_steps: 0, decay: Decay::InverseTime { rate: 0.5 } };
        assert_eq!([0, 2, 6].map(|t| inv.lr(t)), [0.3, 0.15, 0.075]);
    }

    #[test]
    fn validation_and_config_form() {
        assert!(Schedule::constant(0.0).validate().is_err());
        assert!(
            Schedule { decay: Decay::Cosine { steps: 0, final_lr: 0.0 }, ..Schedule::constant(1.0) }
                .validate()
                .is_err()
        );
        assert!(
            Schedule { decay: Decay::Step { every: 1, gamma: 0.0 }, ..Schedule::constant(1.0) }.validate().is_err()
        );
        assert!(Schedule { decay: Decay::InverseTime { rate: -1.0 }, ..Schedule::constant(1.0) }.validate().is_err());
        let parsed: Schedule =
            serde_json::from_str(r#"{"lr": 0.001, "warmup_steps": 100, "decay": {"kind": "cosine", "steps": 900}}"#)
                .unwrap();
        assert_eq!(parsed.decay, Decay::Cosine { steps: 900, final_lr: 0.0 });
        parsed.validate().unwrap();
    }
}
