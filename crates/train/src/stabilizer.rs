//! Stabilizers: averages of the SGD iterates that damp gradient variance amplification (paper §4.1).
//!
//! Eq. 4.1: θ̃_{t+1} = (1 − γ_t) θ̃_t + γ_t θ_{t+1}, where γ_t is the weight of the *new* iterate (timm and
//! ema-pytorch call 1 − γ the "decay"). During a burn-in the average simply follows the iterate.
//!
//! Two knobs of the paper's Figure 3 ablation: `every = N` folds an iterate in only every N updates after
//! the burn-in (the average holds its value in between), and γ then follows the count of *averaging*
//! updates k = s / N, so that N changes the cadence alone and the tail average stays uniform;
//! `count_from = "start"` measures s from update 0 instead of from the end of the burn-in.
//!
//! BEMA (Block & Zhang, "EMA without the lag") corrects the EMA's lag with a decaying share of the
//! iterate's drift since the burn-in: with t = s − τ and x = ρ + γt, β = max(x^−κ, β_min),
//! μ ← (1 − β)μ + βθ_s, output = μ + x^−η (θ_s − θ₀), where θ₀ = μ = θ_τ; before τ the output is the
//! iterate, and between the updates of `every = φ` it keeps its last value.

use butterfly_nn::Threads;
use serde::{Deserialize, Serialize};

use crate::TrainError;

/// How γ_t evolves with s = t − burn_in, the number of averaged updates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum EmaWeight {
    /// γ_t = max(s^−α, γ_min) (polynomial decay; α = 1 and γ_min = 0 is the uniform tail average).
    Polynomial { alpha: f64, gamma_min: f64 },
    /// γ_t = γ.
    Constant { gamma: f64 },
    /// BEMA's β = max((ρ + γ t)^−κ, β_min), t counted in updates since the burn-in.
    Shifted { power: f64, lag: f64, multiplier: f64, gamma_min: f64 },
    /// EDM2's power-function EMA of exponent p: γ_t = 1 − (1 − 1/s)^{p+1}, so iterate τ ≤ s carries a weight
    /// ∝ τ^p (crate::posthoc reconstructs any other width from its snapshots).
    Power { exponent: f64 },
}

/// Where s, the count that drives γ_t, starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountFrom {
    /// s = t − burn_in: the first averaged iterate gets γ = 1.
    #[default]
    BurnIn,
    /// s = t: after a long burn-in the average starts already slow.
    Start,
}

impl CountFrom {
    fn is_burn_in(&self) -> bool {
        *self == CountFrom::BurnIn
    }
}

fn is_one(n: &u64) -> bool {
    *n == 1
}

fn one() -> u64 {
    1
}

fn bema_ema_power() -> f64 {
    0.5
}

fn bema_bias_power() -> f64 {
    0.2
}

fn bema_lag() -> f64 {
    10.0
}

fn bema_multiplier() -> f64 {
    1.0
}

/// One stabilizer of a run's configuration (`[[stabilizers]]` in TOML).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StabilizerSpec {
    /// EMA with burn-in: either `alpha` (and optional `gamma_min`) or `gamma`.
    Ema {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        burn_in: u64,
        #[serde(default)]
        alpha: Option<f64>,
        #[serde(default)]
        gamma_min: Option<f64>,
        #[serde(default)]
        gamma: Option<f64>,
        /// Fold an iterate in every this many updates after the burn-in.
        #[serde(default = "one", skip_serializing_if = "is_one")]
        every: u64,
        #[serde(default, skip_serializing_if = "CountFrom::is_burn_in")]
        count_from: CountFrom,
    },
    /// BEMA: the EMA plus a decaying share of the iterate's drift since the burn-in (defaults as TRL's
    /// `BEMACallback`, but updated every step).
    Bema {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        burn_in: u64,
        /// κ.
        #[serde(default = "bema_ema_power")]
        ema_power: f64,
        /// η.
        #[serde(default = "bema_bias_power")]
        bias_power: f64,
        /// ρ.
        #[serde(default = "bema_lag")]
        lag: f64,
        /// γ.
        #[serde(default = "bema_multiplier")]
        multiplier: f64,
        #[serde(default = "one", skip_serializing_if = "is_one")]
        every: u64,
        #[serde(default)]
        gamma_min: f64,
    },
    /// EDM2's power-function EMA of relative width `sigma_rel` (from step 0), whose kept snapshots let
    /// `crate::posthoc` reconstruct the EMA of any other width after training.
    Power {
        #[serde(default)]
        name: Option<String>,
        sigma_rel: f64,
        #[serde(default = "one", skip_serializing_if = "is_one")]
        every: u64,
    },
    /// The uniform average of every iterate after the burn-in.
    Tail {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        burn_in: u64,
        #[serde(default = "one", skip_serializing_if = "is_one")]
        every: u64,
    },
}

impl StabilizerSpec {
    /// Updates before the average starts.
    pub fn burn_in(&self) -> u64 {
        match self {
            StabilizerSpec::Ema { burn_in, .. }
            | StabilizerSpec::Bema { burn_in, .. }
            | StabilizerSpec::Tail { burn_in, .. } => *burn_in,
            // A power EMA averages from the start: its profile is what makes it reconstructible.
            StabilizerSpec::Power { .. } => 0,
        }
    }

    pub fn set_burn_in(&mut self, steps: u64) {
        match self {
            StabilizerSpec::Ema { burn_in, .. }
            | StabilizerSpec::Bema { burn_in, .. }
            | StabilizerSpec::Tail { burn_in, .. } => *burn_in = steps,
            StabilizerSpec::Power { .. } => {}
        }
    }

    /// The spec as a ready stabilizer, started at the initial parameters θ₀ (θ̃₀ = θ₀).
    pub fn build(&self, theta0: &[f32]) -> Result<Ema, TrainError> {
        let bad = |m: String| Err(TrainError::Config(format!("stabilizer: {m}")));
        let mut bias = None;
        let (name, burn_in, weight, every, count_from) = match self {
            StabilizerSpec::Ema { name, burn_in, alpha, gamma_min, gamma, every, count_from } => {
                let weight = match (alpha, gamma) {
                    (Some(a), None) => {
                        let g = gamma_min.unwrap_or(0.0);
                        if !(*a > 0.0 && (0.0..=1.0).contains(&g)) {
                            return bad(format!("needs alpha > 0 and 0 ≤ gamma_min ≤ 1, got {a} and {g}"));
                        }
                        EmaWeight::Polynomial { alpha: *a, gamma_min: g }
                    }
                    (None, Some(g)) if gamma_min.is_none() => {
                        if !(*g > 0.0 && *g <= 1.0) {
                            return bad(format!("gamma must be in (0, 1], got {g}"));
                        }
                        EmaWeight::Constant { gamma: *g }
                    }
                    _ => return bad("an ema takes either alpha (with optional gamma_min) or gamma".into()),
                };
                let mut auto = match (alpha, gamma) {
                    (Some(alpha), _) => format!("ema_a{alpha}_min{}_b{burn_in}", gamma_min.unwrap_or(0.0)),
                    (_, gamma) => format!("ema_g{}_b{burn_in}", gamma.unwrap_or_default()),
                };
                if *every != 1 {
                    auto.push_str(&format!("_every{every}"));
                }
                if *count_from == CountFrom::Start {
                    auto.push_str("_from0");
                }
                (name.clone().unwrap_or(auto), *burn_in, weight, *every, *count_from)
            }
            StabilizerSpec::Bema { name, burn_in, ema_power, bias_power, lag, multiplier, every, gamma_min } => {
                let ok = *ema_power >= 0.0
                    && *bias_power >= 0.0
                    && *lag > 0.0
                    && *multiplier >= 0.0
                    && (0.0..=1.0).contains(gamma_min)
                    && [ema_power, bias_power, lag, multiplier].iter().all(|v| v.is_finite());
                if !ok {
                    return bad(format!(
                        "bema needs ema_power ≥ 0, bias_power ≥ 0, lag > 0, multiplier ≥ 0 and 0 ≤ gamma_min ≤ 1, got \
                         {ema_power}, {bias_power}, {lag}, {multiplier} and {gamma_min}"
                    ));
                }
                let weight =
                    EmaWeight::Shifted { power: *ema_power, lag: *lag, multiplier: *multiplier, gamma_min: *gamma_min };
                let mut auto = format!("bema_k{ema_power}_e{bias_power}_r{lag}_g{multiplier}_b{burn_in}");
                if *every != 1 {
                    auto.push_str(&format!("_every{every}"));
                }
                bias = Some(Bias { power: *bias_power, theta0: theta0.to_vec(), output: theta0.to_vec() });
                (name.clone().unwrap_or(auto), *burn_in, weight, *every, CountFrom::BurnIn)
            }
            StabilizerSpec::Power { name, sigma_rel, every } => {
                let exponent = crate::posthoc::exponent_of(*sigma_rel)?;
                let auto = if *every == 1 {
                    format!("power_s{sigma_rel}")
                } else {
                    format!("power_s{sigma_rel}_every{every}")
                };
                (name.clone().unwrap_or(auto), 0, EmaWeight::Power { exponent }, *every, CountFrom::BurnIn)
            }
            StabilizerSpec::Tail { name, burn_in, every } => {
                let auto =
                    if *every == 1 { format!("tail_b{burn_in}") } else { format!("tail_b{burn_in}_every{every}") };
                let weight = EmaWeight::Polynomial { alpha: 1.0, gamma_min: 0.0 };
                (name.clone().unwrap_or(auto), *burn_in, weight, *every, CountFrom::BurnIn)
            }
        };
        if every == 0 {
            return bad("every must be ≥ 1".into());
        }
        if name == "raw" || name.contains(',') {
            return bad(format!("name '{name}' is reserved or contains a comma"));
        }
        Ok(Ema { name, burn_in, weight, every, count_from, average: theta0.to_vec(), bias })
    }
}

/// A filter of the iterates whose output is a parameter vector of the same network.
/// Its checkpointed state is [`butterfly_store::State`].
pub trait Stabilizer: Send + butterfly_store::State {
    fn name(&self) -> &str;
    /// Folds in θ_t, the iterate after update t (t = 1, 2, …).
    fn update(&mut self, t: u64, theta: &[f32]);
    /// The stabilized parameters.
    fn params(&self) -> &[f32];
}

/// EMA with burn-in (the tail average is its special case γ_t = 1/s).
#[derive(Debug, Clone, PartialEq)]
pub struct Ema {
    name: String,
    burn_in: u64,
    weight: EmaWeight,
    every: u64,
    count_from: CountFrom,
    average: Vec<f32>,
    /// BEMA's bias correction; its output is the stabilizer's parameters.
    bias: Option<Bias>,
}

/// BEMA's correction: θ₀ (the iterate at the end of the burn-in), η, and the corrected output.
#[derive(Debug, Clone, PartialEq)]
struct Bias {
    power: f64,
    theta0: Vec<f32>,
    output: Vec<f32>,
}

/// What one stabilizer does with iterate t.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fold {
    /// Between the updates of `every = N`: nothing.
    Skip,
    /// During the burn-in: take the iterate (and at its last step, BEMA's θ₀).
    Copy { anchor: bool },
    /// γ_t, and BEMA's correction coefficient x^−η.
    Average { gamma: f32, correction: Option<f32> },
}

impl Fold {
    /// Applies the fold to one chunk of a stabilizer's state.
    fn apply(self, average: &mut [f32], bias: BiasChunk<'_>, theta: &[f32]) {
        match self {
            Fold::Skip => {}
            Fold::Copy { anchor } => {
                average.copy_from_slice(theta);
                if let Some((theta0, output)) = bias {
                    output.copy_from_slice(theta);
                    if anchor {
                        theta0.copy_from_slice(theta);
                    }
                }
            }
            Fold::Average { gamma, correction } => {
                if gamma == 1.0 {
                    average.copy_from_slice(theta);
                } else {
                    for (a, &x) in average.iter_mut().zip(theta) {
                        *a += gamma * (x - *a);
                    }
                }
                if let (Some((theta0, output)), Some(c)) = (bias, correction) {
                    for (((o, &m), &x), &x0) in output.iter_mut().zip(&*average).zip(theta).zip(&*theta0) {
                        *o = m + c * (x - x0);
                    }
                }
            }
        }
    }
}

impl Ema {
    /// γ_t, the weight of iterate t: 1 during the burn-in (the average is the iterate), 0 between the
    /// updates of an `every = N` average.
    pub fn gamma(&self, t: u64) -> f64 {
        if t <= self.burn_in {
            return 1.0;
        }
        if !(t - self.burn_in).is_multiple_of(self.every) {
            return 0.0;
        }
        let steps = match self.count_from {
            CountFrom::BurnIn => t - self.burn_in,
            CountFrom::Start => t,
        };
        let s = steps as f64 / self.every as f64;
        match self.weight {
            EmaWeight::Shifted { power, lag, multiplier, gamma_min } => {
                bema_x(lag, multiplier, t - self.burn_in).powf(-power).max(gamma_min).min(1.0)
            }
            EmaWeight::Polynomial { alpha, gamma_min } => s.powf(-alpha).max(gamma_min).min(1.0),
            EmaWeight::Constant { gamma } => gamma,
            EmaWeight::Power { exponent } => 1.0 - (1.0 - 1.0 / s).powf(exponent + 1.0),
        }
    }
}

/// Element-wise work is cut in fixed chunks (half of them on a second thread): each element's arithmetic
/// is the same whatever the thread count, so results are bit-identical.
const CHUNK: usize = 1 << 14;

impl Ema {
    /// What iterate t does to this stabilizer.
    fn fold(&self, t: u64) -> Fold {
        if t <= self.burn_in {
            return Fold::Copy { anchor: t == self.burn_in };
        }
        let gamma = self.gamma(t) as f32;
        if gamma == 0.0 {
            return Fold::Skip;
        }
        let correction = match (&self.bias, self.weight) {
            (Some(b), EmaWeight::Shifted { lag, multiplier, .. }) => {
                Some(bema_x(lag, multiplier, t - self.burn_in).powf(-b.power) as f32)
            }
            _ => None,
        };
        Fold::Average { gamma, correction }
    }

    /// This stabilizer's state cut in chunks of θ: (average, BEMA's θ₀ and output).
    fn chunks(&mut self) -> impl Iterator<Item = ChunkState<'_>> {
        let bias = self.bias.as_mut().map(|b| b.theta0.chunks_mut(CHUNK).zip(b.output.chunks_mut(CHUNK)));
        let bias = bias.into_iter().flatten().map(Some).chain(std::iter::repeat_with(|| None));
        self.average.chunks_mut(CHUNK).zip(bias)
    }
}

/// BEMA's x = ρ + γt, t updates after the burn-in.
fn bema_x(lag: f64, multiplier: f64, t: u64) -> f64 {
    lag + multiplier * t as f64
}

/// BEMA's θ₀ and output in one chunk of θ.
type BiasChunk<'a> = Option<(&'a mut [f32], &'a mut [f32])>;

/// One chunk of one stabilizer's state.
type ChunkState<'a> = (&'a mut [f32], BiasChunk<'a>);

/// Updates several stabilizers with iterate t in one pass over θ (each chunk of θ is read once, while it
/// is in cache, for all of them); the same arithmetic as [`Stabilizer::update`] on each.
pub fn update_all(emas: &mut [Ema], t: u64, theta: &[f32], threads: &Threads) {
    let folds: Vec<Fold> = emas.iter().map(|e| e.fold(t)).collect();
    let mut first: Vec<Vec<ChunkState<'_>>> =
        (0..theta.len().div_ceil(CHUNK)).map(|_| Vec::with_capacity(emas.len())).collect();
    for e in emas.iter_mut() {
        for (k, chunk) in e.chunks().enumerate() {
            first[k].push(chunk);
        }
    }
    let apply = |chunks: Vec<Vec<ChunkState<'_>>>, theta: &[f32]| {
        for (states, th) in chunks.into_iter().zip(theta.chunks(CHUNK)) {
            for ((average, bias), fold) in states.into_iter().zip(&folds) {
                fold.apply(average, bias, th);
            }
        }
    };
    // Half the chunks on the run's helper thread when it has one.
    let half = if threads.splits() { first.len() / 2 } else { first.len() };
    let second = first.split_off(half);
    let (th0, th1) = theta.split_at((half * CHUNK).min(theta.len()));
    threads.join(|| apply(first, th0), || apply(second, th1));
}

impl Stabilizer for Ema {
    fn name(&self) -> &str {
        &self.name
    }

    fn update(&mut self, t: u64, theta: &[f32]) {
        let fold = self.fold(t);
        for ((average, bias), th) in self.chunks().zip(theta.chunks(CHUNK)) {
            fold.apply(average, bias, th);
        }
    }

    fn params(&self) -> &[f32] {
        self.bias.as_ref().map_or(&self.average, |b| &b.output)
    }
}

/// A checkpoint carries the average, and BEMA's θ₀ and output (γ_t follows from the step).
impl butterfly_store::State for Ema {
    fn save_state(&self, prefix: &str, checkpoint: &mut butterfly_store::Checkpoint) {
        checkpoint.put_f32(&format!("{prefix}average"), &self.average);
        if let Some(b) = &self.bias {
            checkpoint.put_f32(&format!("{prefix}theta0"), &b.theta0);
            checkpoint.put_f32(&format!("{prefix}output"), &b.output);
        }
    }

    fn load_state(
        &mut self,
        prefix: &str,
        checkpoint: &butterfly_store::Checkpoint,
    ) -> Result<(), butterfly_store::StoreError> {
        let average = checkpoint.f32_exact(&format!("{prefix}average"), self.average.len())?;
        self.average.copy_from_slice(average);
        if let Some(b) = &mut self.bias {
            let n = b.theta0.len();
            b.theta0.copy_from_slice(checkpoint.f32_exact(&format!("{prefix}theta0"), n)?);
            b.output.copy_from_slice(checkpoint.f32_exact(&format!("{prefix}output"), n)?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ema(toml_text: &str, theta0: &[f32]) -> Ema {
        let spec: StabilizerSpec = toml::from_str(toml_text).unwrap();
        spec.build(theta0).unwrap()
    }

    #[test]
    fn follows_eq_4_1_after_the_burn_in() {
        let mut e = ema("kind = \"ema\"\nalpha = 0.5\ngamma_min = 0.3\nburn_in = 2", &[0.0]);
        let iterates = [1.0f32, 2.0, 4.0, 8.0, 16.0, 32.0];
        let mut expected = 0.0f32;
        for (k, &x) in iterates.iter().enumerate() {
            let t = k as u64 + 1;
            e.update(t, &[x]);
            let g = if t <= 2 { 1.0 } else { ((t - 2) as f64).powf(-0.5).max(0.3) as f32 };
            expected += g * (x - expected);
            assert_eq!(e.params()[0], expected, "t = {t}");
        }
        assert_eq!(e.gamma(3), 1.0, "the first averaged update takes the iterate");
        assert!((e.gamma(6) - 0.5).abs() < 1e-12);
        assert_eq!(e.gamma(100), 0.3, "γ_min floors the weight");
    }

    #[test]
    fn tail_average_is_the_uniform_mean() {
        let mut e = ema("kind = \"tail\"\nburn_in = 3", &[0.0, 0.0]);
        for t in 1..=9u64 {
            e.update(t, &[t as f32, -(t as f32)]);
        }
        // Iterates 4..=9 (mean 6.5) — the burn-in ones are forgotten.
        assert!((e.params()[0] - 6.5).abs() < 1e-5 && (e.params()[1] + 6.5).abs() < 1e-5);
    }

    #[test]
    fn constant_gamma_and_bad_specs() {
        // θ̃₀ = θ₀ = 8: then 8 + 0.25·(4 − 8) = 7 and 7 + 0.25·(0 − 7) = 5.25.
        let mut e = ema("kind = \"ema\"\ngamma = 0.25", &[8.0]);
        e.update(1, &[4.0]);
        assert_eq!(e.params()[0], 7.0);
        e.update(2, &[0.0]);
        assert_eq!(e.params()[0], 5.25);
        for bad in [
            "kind = \"ema\"",
            "kind = \"ema\"\nalpha = 0.5\ngamma = 0.1",
            "kind = \"ema\"\ngamma = 1.5",
            "kind = \"tail\"\nname = \"raw\"",
        ] {
            let spec: StabilizerSpec = toml::from_str(bad).unwrap();
            assert!(spec.build(&[0.0]).is_err(), "{bad}");
        }
        assert!(toml::from_str::<StabilizerSpec>("kind = \"ema\"\ndecay = 0.9").is_err(), "unknown keys are rejected");
    }

    #[test]
    fn every_n_folds_in_every_nth_iterate_counting_averaging_updates() {
        // Burn-in 2, every 3: iterates 1–2 are copied, then 5, 8, 11 are folded in with k = 1, 2, 3.
        let mut e = ema("kind = \"ema\"\nalpha = 1.0\nburn_in = 2\nevery = 3", &[0.0]);
        let mut tail = ema("kind = \"tail\"\nburn_in = 2\nevery = 3", &[0.0]);
        for t in 1..=12u64 {
            e.update(t, &[t as f32]);
            tail.update(t, &[t as f32]);
            let expected = match t {
                1 => 1.0,
                2..=4 => 2.0,
                5..=7 => 5.0,
                8..=10 => 6.5,
                _ => 8.0,
            };
            assert_eq!(e.params()[0], expected, "t = {t}");
            assert_eq!(tail.params()[0], expected, "tail, t = {t}");
        }
        assert_eq!(tail.name(), "tail_b2_every3");
        let spec: StabilizerSpec = toml::from_str("kind = \"ema\"\nalpha = 0.5\nevery = 0").unwrap();
        assert!(spec.build(&[0.0]).is_err(), "every = 0 is refused");
    }

    #[test]
    fn count_from_start_measures_s_from_update_zero() {
        let from0 = ema("kind = \"ema\"\nalpha = 0.5\nburn_in = 99\ncount_from = \"start\"", &[0.0]);
        let from_burn_in = ema("kind = \"ema\"\nalpha = 0.5\nburn_in = 99", &[0.0]);
        assert_eq!(from0.gamma(99), 1.0, "the burn-in still copies the iterate");
        assert_eq!(from0.gamma(100), 0.1, "s = 100, not 1");
        assert_eq!(from_burn_in.gamma(100), 1.0);
        assert_eq!(from0.name(), "ema_a0.5_min0_b99_from0");
        // Default knobs serialize as before: configs of existing runs read back byte for byte.
        let spec: StabilizerSpec = toml::from_str("kind = \"ema\"\nalpha = 0.5").unwrap();
        assert!(!toml::to_string(&spec).unwrap().contains("every"));
        assert!(!toml::to_string(&spec).unwrap().contains("count_from"));
    }

    /// BEMA's definition, in f64: the output after each iterate of `thetas` (θ at update 1, 2, …).
    fn bema_reference(
        thetas: &[f64],
        theta_init: f64,
        tau: u64,
        phi: u64,
        (k, e, r, g, floor): (f64, f64, f64, f64, f64),
    ) -> Vec<f64> {
        let (mut mu, mut anchor, mut out) = (theta_init, theta_init, theta_init);
        let mut outputs = Vec::new();
        for (i, &theta) in thetas.iter().enumerate() {
            let s = i as u64 + 1;
            if s <= tau {
                (mu, out) = (theta, theta);
                if s == tau {
                    anchor = theta;
                }
            } else if (s - tau).is_multiple_of(phi) {
                let x = r + g * (s - tau) as f64;
                let beta = x.powf(-k).max(floor);
                mu = (1.0 - beta) * mu + beta * theta;
                out = mu + x.powf(-e) * (theta - anchor);
            }
            outputs.push(out);
        }
        outputs
    }

    #[test]
    fn bema_follows_its_definition() {
        let thetas: Vec<f64> = (1..=40).map(|s| (s as f64 * 0.37).sin() * 3.0 + s as f64 * 0.1).collect();
        for (text, tau, phi, knobs) in [
            ("kind = \"bema\"\nburn_in = 5", 5, 1, (0.5, 0.2, 10.0, 1.0, 0.0)),
            (
                "kind = \"bema\"\nburn_in = 3\nevery = 4\nema_power = 0.8\nbias_power = 0.5\nlag = 2.0\nmultiplier = 0.5\ngamma_min = 0.3",
                3,
                4,
                (0.8, 0.5, 2.0, 0.5, 0.3),
            ),
            ("kind = \"bema\"", 0, 1, (0.5, 0.2, 10.0, 1.0, 0.0)),
        ] {
            let mut b = ema(text, &[0.25]);
            let want = bema_reference(&thetas, 0.25, tau, phi, knobs);
            for (i, (&theta, &w)) in thetas.iter().zip(&want).enumerate() {
                b.update(i as u64 + 1, &[theta as f32]);
                assert!(
                    (b.params()[0] as f64 - w).abs() < 1e-5 * w.abs().max(1.0),
                    "{text}: t = {}: {} vs {w}",
                    i + 1,
                    b.params()[0]
                );
            }
        }
        assert_eq!(ema("kind = \"bema\"\nburn_in = 7", &[0.0]).name(), "bema_k0.5_e0.2_r10_g1_b7");
        let spec: StabilizerSpec = toml::from_str("kind = \"bema\"\nlag = 0").unwrap();
        assert!(spec.build(&[0.0]).is_err(), "x = ρ + γt must stay positive");
    }

    #[test]
    fn one_pass_update_equals_separate_updates() {
        let n = 2 * CHUNK + 5;
        let theta0: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
        let specs = [
            "kind = \"ema\"\nalpha = 0.5",
            "kind = \"ema\"\ngamma = 0.3\nburn_in = 2",
            "kind = \"tail\"",
            "kind = \"ema\"\nalpha = 0.7\nevery = 2",
            "kind = \"bema\"\nburn_in = 2\nevery = 2",
        ];
        let mut separate: Vec<Ema> = specs.iter().map(|s| ema(s, &theta0)).collect();
        let mut together = separate.clone();
        for t in 1..=5u64 {
            let theta: Vec<f32> = theta0.iter().map(|x| x * t as f32).collect();
            separate.iter_mut().for_each(|e| e.update(t, &theta));
            update_all(&mut together, t, &theta, &butterfly_nn::Threads::new(2).unwrap());
        }
        assert_eq!(separate, together);
    }

    #[test]
    fn chunked_update_matches_the_sequential_formula() {
        let n = 3 * CHUNK + 17;
        let theta: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
        let mut e = ema("kind = \"ema\"\ngamma = 0.1", &vec![1.0; n]);
        e.update(1, &theta);
        for (i, &a) in e.params().iter().enumerate() {
            assert_eq!(a, 1.0 + 0.1 * (theta[i] - 1.0));
        }
    }
}
