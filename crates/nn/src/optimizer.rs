//! Optimizers over flat parameter vectors: SGD (momentum, Nesterov), Adam and AdamW, with weight
//! decay, gradient clipping by global norm and gradient accumulation. Updates follow PyTorch's
//! `torch.optim` formulas and touch θ in a single pass; the state (momenta) is one flat vector.

use serde::{Deserialize, Serialize};

use crate::error::{NnError, Result, check_len};
use crate::float::Float;
use crate::threads::Threads;

/// The update rule. Serialized with a `kind` tag (`sgd`, `adam`, `adamw`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum OptimizerKind {
    Sgd {
        #[serde(default)]
        momentum: f64,
        #[serde(default)]
        nesterov: bool,
    },
    /// Weight decay is an L2 term added to the gradient (PyTorch `Adam`).
    Adam {
        #[serde(default = "default_beta1")]
        beta1: f64,
        #[serde(default = "default_beta2")]
        beta2: f64,
        #[serde(default = "default_eps")]
        eps: f64,
    },
    /// Weight decay is decoupled: θ ← θ(1 − lr·wd) before the Adam step (PyTorch `AdamW`).
    AdamW {
        #[serde(default = "default_beta1")]
        beta1: f64,
        #[serde(default = "default_beta2")]
        beta2: f64,
        #[serde(default = "default_eps")]
        eps: f64,
    },
}

fn default_beta1() -> f64 {
    0.9
}
fn default_beta2() -> f64 {
    0.999
}
fn default_eps() -> f64 {
    1e-8
}

/// An optimizer's full configuration (the learning rate comes from a [`crate::Schedule`]).
/// In a config: `kind = "adam"` beside `weight_decay`, `clip_norm` and the kind's own fields; the
/// kind rejects unknown keys.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OptimizerConfig {
    #[serde(flatten)]
    pub kind: OptimizerKind,
    #[serde(default)]
    pub weight_decay: f64,
    /// Rescale the gradient to at most this global L2 norm (PyTorch `clip_grad_norm_`).
    #[serde(default)]
    pub clip_norm: Option<f64>,
}

impl OptimizerConfig {
    pub fn sgd(momentum: f64, nesterov: bool) -> Self {
        Self::of(OptimizerKind::Sgd { momentum, nesterov })
    }

    /// Adam with PyTorch's defaults (β = (0.9, 0.999), ε = 1e-8).
    pub fn adam() -> Self {
        Self::of(OptimizerKind::Adam { beta1: default_beta1(), beta2: default_beta2(), eps: default_eps() })
    }

    /// AdamW with PyTorch's defaults (β = (0.9, 0.999), ε = 1e-8) and the given decoupled decay.
    pub fn adamw(weight_decay: f64) -> Self {
        let kind = OptimizerKind::AdamW { beta1: default_beta1(), beta2: default_beta2(), eps: default_eps() };
        Self { weight_decay, ..Self::of(kind) }
    }

    pub fn with_weight_decay(self, weight_decay: f64) -> Self {
        Self { weight_decay, ..self }
    }

    pub fn with_clip_norm(self, max_norm: f64) -> Self {
        Self { clip_norm: Some(max_norm), ..self }
    }

    fn of(kind: OptimizerKind) -> Self {
        Self { kind, weight_decay: 0.0, clip_norm: None }
    }

    fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(NnError::InvalidOptimizer(msg));
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return bad(format!("weight_decay must be ≥ 0, got {}", self.weight_decay));
        }
        if let Some(c) = self.clip_norm.filter(|c| !(*c > 0.0 && c.is_finite())) {
            return bad(format!("clip_norm must be > 0, got {c}"));
        }
        match self.kind {
            OptimizerKind::Sgd { momentum, nesterov } => {
                if !(0.0..1.0).contains(&momentum) {
                    return bad(format!("momentum must be in [0, 1), got {momentum}"));
                }
                if nesterov && momentum == 0.0 {
                    return bad("nesterov needs momentum > 0".into());
                }
            }
            OptimizerKind::Adam { beta1, beta2, eps } | OptimizerKind::AdamW { beta1, beta2, eps } => {
                if !(0.0..1.0).contains(&beta1) || !(0.0..1.0).contains(&beta2) {
                    return bad(format!("betas must be in [0, 1), got ({beta1}, {beta2})"));
                }
                if eps.is_nan() || eps <= 0.0 {
                    return bad(format!("eps must be > 0, got {eps}"));
                }
            }
        }
        Ok(())
    }

    /// Flat state length per parameter: momentum buffer (SGD with momentum), m and v (Adam).
    fn state_per_param(&self) -> usize {
        match self.kind {
            OptimizerKind::Sgd { momentum, .. } => usize::from(momentum > 0.0),
            OptimizerKind::Adam { .. } | OptimizerKind::AdamW { .. } => 2,
        }
    }
}

/// An optimizer bound to a parameter count. State: `step_count()` plus the flat `state()`
/// (SGD: the momentum buffer, or nothing without momentum; Adam/AdamW: m then v).
#[derive(Debug, Clone, PartialEq)]
pub struct Optimizer<T: Float = f32> {
    config: OptimizerConfig,
    num_params: usize,
    steps: u64,
    state: Vec<T>,
    /// AdamW's decay applies to these ranges of θ only (None: to all of it).
    decayed: Option<Vec<std::ops::Range<usize>>>,
    threads: Threads,
}

impl<T: Float> Optimizer<T> {
    pub fn new(config: OptimizerConfig, num_params: usize) -> Result<Self> {
        config.validate()?;
        let state = vec![T::ZERO; config.state_per_param() * num_params];
        Ok(Self { config, num_params, steps: 0, state, decayed: None, threads: Threads::one() })
    }

    /// The same optimizer splitting its pass over θ in two on `threads` (elementwise: results unchanged).
    pub fn with_threads(self, threads: Threads) -> Self {
        Self { threads, ..self }
    }

    /// Decays only `ranges` of θ (nanoGPT decays its 2-D weights, not biases, gains or norms); decoupled
    /// decay (AdamW) only, where θ ← θ(1 − lr·wd) can be applied to a part of θ.
    pub fn with_decayed_ranges(mut self, ranges: Vec<std::ops::Range<usize>>) -> Result<Self> {
        if !matches!(self.config.kind, OptimizerKind::AdamW { .. }) {
            return Err(NnError::InvalidOptimizer("decay on part of θ needs kind = \"adamw\"".into()));
        }
        if ranges.iter().any(|r| r.start > r.end || r.end > self.num_params) {
            return Err(NnError::InvalidOptimizer(format!(
                "decayed ranges must lie within the {} parameters",
                self.num_params
            )));
        }
        self.decayed = Some(ranges);
        Ok(self)
    }

    pub fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// Updates taken so far (Adam's bias corrections depend on it).
    pub fn step_count(&self) -> u64 {
        self.steps
    }

    pub fn state(&self) -> &[T] {
        &self.state
    }

    /// Restores what `step_count()` and `state()` returned: later steps are then bit-identical
    /// to an uninterrupted run.
    pub fn restore(&mut self, steps: u64, state: &[T]) -> Result<()> {
        check_len("optimizer state", self.state.len(), state.len())?;
        self.state.copy_from_slice(state);
        self.steps = steps;
        Ok(())
    }

    /// One update of θ with gradient `grad` and learning rate `lr`. Returns the gradient's global
    /// L2 norm before clipping when clipping is on.
    pub fn step(&mut self, theta: &mut [T], grad: &[T], lr: f64) -> Result<Option<f64>> {
        self.apply(theta, grad, lr, 1.0)
    }

    /// One update from the sum of `micro_batches` gradients (each the mean over its micro-batch,
    /// as `Mlp::backward` with `accumulate` produces): uses their mean, folded into the same pass.
    pub fn step_accumulated(
        &mut self,
        theta: &mut [T],
        grad_sum: &[T],
        micro_batches: usize,
        lr: f64,
    ) -> Result<Option<f64>> {
        if micro_batches == 0 {
            return Err(NnError::InvalidOptimizer("micro_batches must be ≥ 1".into()));
        }
        self.apply(theta, grad_sum, lr, 1.0 / micro_batches as f64)
    }

    fn apply(&mut self, theta: &mut [T], grad: &[T], lr: f64, mut scale: f64) -> Result<Option<f64>> {
        check_len("parameters", self.num_params, theta.len())?;
        check_len("gradient", self.num_params, grad.len())?;
        let norm = self.config.clip_norm.map(|max_norm| {
            // Sequential f64 sum: deterministic, and accurate for millions of terms.
            let norm = scale * grad.iter().map(|g| g.to_f64() * g.to_f64()).sum::<f64>().sqrt();
            let coef = max_norm / (norm + 1e-6);
            if coef < 1.0 {
                scale *= coef;
            }
            norm
        });
        self.steps += 1;
        let wd = self.config.weight_decay;
        let rule = match self.config.kind {
            OptimizerKind::Sgd { momentum, nesterov } => Rule::Sgd {
                lr: T::from_f64(lr),
                scale: T::from_f64(scale),
                wd: T::from_f64(wd),
                mu: T::from_f64(momentum),
                nesterov,
            },
            OptimizerKind::Adam { beta1, beta2, eps } | OptimizerKind::AdamW { beta1, beta2, eps } => {
                let t = self.steps as i32;
                let decoupled = matches!(self.config.kind, OptimizerKind::AdamW { .. });
                Rule::Adam {
                    scale: T::from_f64(scale),
                    l2: T::from_f64(if decoupled { 0.0 } else { wd }),
                    shrink: T::from_f64(if decoupled { 1.0 - lr * wd } else { 1.0 }),
                    step_size: T::from_f64(lr / (1.0 - beta1.powi(t))),
                    inv_sqrt_bc2: T::from_f64(1.0 / (1.0 - beta2.powi(t)).sqrt()),
                    b1: T::from_f64(beta1),
                    b2: T::from_f64(beta2),
                    eps: T::from_f64(eps),
                }
            }
        };
        let rule = match (&self.decayed, rule) {
            // θ·(1 − lr·wd) on the decayed ranges first; the pass then multiplies by exactly 1.
            (Some(ranges), Rule::Adam { shrink, .. }) => {
                for r in ranges {
                    theta[r.clone()].iter_mut().for_each(|x| *x *= shrink);
                }
                match rule {
                    Rule::Adam { scale, l2, step_size, inv_sqrt_bc2, b1, b2, eps, .. } => {
                        Rule::Adam { scale, l2, shrink: T::ONE, step_size, inv_sqrt_bc2, b1, b2, eps }
                    }
                    sgd => sgd,
                }
            }
            (_, rule) => rule,
        };
        let n = self.num_params;
        let (s1, s2) = match self.config.state_per_param() {
            2 => self.state.split_at_mut(n),
            _ => (&mut self.state[..], &mut [][..]),
        };
        let mut whole = Slices { theta, grad, s1, s2 };
        if self.threads.splits() && n >= PARALLEL_MIN_PARAMS {
            // Elementwise, so splitting θ changes nothing in the results.
            let (first, second) = whole.split(n / 2);
            self.threads.join(|| update(rule, first), || update(rule, second));
        } else {
            update(rule, whole.reborrow());
        }
        Ok(norm)
    }
}

/// Below this many parameters a second thread costs more than it saves.
const PARALLEL_MIN_PARAMS: usize = 1 << 15;

/// One update's coefficients, fixed across the pass over θ.
#[derive(Clone, Copy)]
enum Rule<T> {
    /// `mu` = 0 means plain SGD (no momentum buffer).
    Sgd {
        lr: T,
        scale: T,
        wd: T,
        mu: T,
        nesterov: bool,
    },
    Adam {
        scale: T,
        l2: T,
        shrink: T,
        step_size: T,
        inv_sqrt_bc2: T,
        b1: T,
        b2: T,
        eps: T,
    },
}

/// Parallel slices of θ, its gradient and its state (`s1`: momentum or Adam's m; `s2`: Adam's v;
/// empty when unused).
struct Slices<'a, T> {
    theta: &'a mut [T],
    grad: &'a [T],
    s1: &'a mut [T],
    s2: &'a mut [T],
}

impl<'a, T> Slices<'a, T> {
    fn split(self, at: usize) -> (Slices<'a, T>, Slices<'a, T>) {
        let cut = |len: usize| if len == 0 { 0 } else { at };
        let (t0, t1) = self.theta.split_at_mut(at);
        let (g0, g1) = self.grad.split_at(at);
        let (a0, a1) = self.s1.split_at_mut(cut(self.s1.len()));
        let (b0, b1) = self.s2.split_at_mut(cut(self.s2.len()));
        (Slices { theta: t0, grad: g0, s1: a0, s2: b0 }, Slices { theta: t1, grad: g1, s1: a1, s2: b1 })
    }

    fn reborrow(&mut self) -> Slices<'_, T> {
        Slices { theta: self.theta, grad: self.grad, s1: self.s1, s2: self.s2 }
    }
}

/// The single pass over θ, compiled for AVX2 too and picked at run time (no FMA contraction, so
/// both builds give the same bits).
fn update<T: Float>(rule: Rule<T>, s: Slices<'_, T>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        unsafe fn avx2<T: Float>(rule: Rule<T>, s: Slices<'_, T>) {
            update_body(rule, s)
        }
        // SAFETY: AVX2 is present.
        return unsafe { avx2(rule, s) };
    }
    update_body(rule, s)
}

#[inline(always)]
fn update_body<T: Float>(rule: Rule<T>, s: Slices<'_, T>) {
    match rule {
        Rule::Sgd { lr, scale, wd, mu, nesterov } => {
            if s.s1.is_empty() {
                for (p, &g) in s.theta.iter_mut().zip(s.grad) {
                    *p -= lr * (scale * g + wd * *p);
                }
            } else {
                for ((p, &g), b) in s.theta.iter_mut().zip(s.grad).zip(s.s1.iter_mut()) {
                    let g = scale * g + wd * *p;
                    // PyTorch starts the buffer at g; μ·0 + g is the same thing.
                    *b = mu * *b + g;
                    *p -= lr * if nesterov { g + mu * *b } else { *b };
                }
            }
        }
        Rule::Adam { scale, l2, shrink, step_size, inv_sqrt_bc2, b1, b2, eps } => {
            let (one_b1, one_b2) = (T::ONE - b1, T::ONE - b2);
            for (((p, &g), m), v) in s.theta.iter_mut().zip(s.grad).zip(s.s1.iter_mut()).zip(s.s2.iter_mut()) {
                let g = scale * g + l2 * *p;
                *m = b1 * *m + one_b1 * g;
                *v = b2 * *v + one_b2 * g * g;
                *p = shrink * *p - step_size * *m / ((*v).sqrt() * inv_sqrt_bc2 + eps);
            }
        }
    }
}

/// A checkpoint carries the step count (Adam's bias corrections) and the flat state; a state of another
/// length (another network) is refused.
impl butterfly_store::State for Optimizer<f32> {
    fn save_state(&self, prefix: &str, checkpoint: &mut butterfly_store::Checkpoint) {
        checkpoint.put_count(&format!("{prefix}steps"), self.steps);
        checkpoint.put_f32(&format!("{prefix}state"), &self.state);
    }

    fn load_state(
        &mut self,
        prefix: &str,
        checkpoint: &butterfly_store::Checkpoint,
    ) -> std::result::Result<(), butterfly_store::StoreError> {
        let state = checkpoint.f32_exact(&format!("{prefix}state"), self.state.len())?;
        self.state.copy_from_slice(state);
        self.steps = checkpoint.count(&format!("{prefix}steps"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
