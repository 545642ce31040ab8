//! Stabilizers: averages of the SGD iterates that damp gradient variance amplification (paper §4.1).
//!
//! Eq. 4.1: θ̃_{t+1} = (1 − γ_t) θ̃_t + γ_t θ_{t+1}, where γ_t is the weight of the *new* iterate (timm and
//! ema-pytorch call 1 − γ the "decay"). During a burn-in the average simply follows the iterate.
//!
//! Two knobs of the paper's Figure 3 ablation: `every = N` folds an iterate in only every N updates after
//! the burn-in (the average holds its value in between), and γ then follows the count of *averaging*
//! updates k = s / N, so that N changes the cadence alone and the tail average stays uniform;
//! `count_from = "start"` measures s from update 0 instead of from the end of the burn-in.

use rayon::prelude::*;
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
            StabilizerSpec::Ema { burn_in, .. } | StabilizerSpec::Tail { burn_in, .. } => *burn_in,
        }
    }

    pub fn set_burn_in(&mut self, steps: u64) {
        match self {
            StabilizerSpec::Ema { burn_in, .. } | StabilizerSpec::Tail { burn_in, .. } => *burn_in = steps,
        }
    }

    /// The spec as a ready stabilizer, started at the initial parameters θ₀ (θ̃₀ = θ₀).
    pub fn build(&self, theta0: &[f32]) -> Result<Ema, TrainError> {
        let bad = |m: String| Err(TrainError::Config(format!("stabilizer: {m}")));
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
                let mut auto = match weight {
                    EmaWeight::Polynomial { alpha, gamma_min } => format!("ema_a{alpha}_min{gamma_min}_b{burn_in}"),
                    EmaWeight::Constant { gamma } => format!("ema_g{gamma}_b{burn_in}"),
                };
                if *every != 1 {
                    auto.push_str(&format!("_every{every}"));
                }
                if *count_from == CountFrom::Start {
                    auto.push_str("_from0");
                }
                (name.clone().unwrap_or(auto), *burn_in, weight, *every, *count_from)
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
        Ok(Ema { name, burn_in, weight, every, count_from, average: theta0.to_vec() })
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
            EmaWeight::Polynomial { alpha, gamma_min } => s.powf(-alpha).max(gamma_min).min(1.0),
            EmaWeight::Constant { gamma } => gamma,
        }
    }
}

/// Element-wise work is split in fixed chunks over the threads: each element's arithmetic is the same
/// whatever the thread count, so results are bit-identical.
const CHUNK: usize = 1 << 14;

/// Updates several EMAs with iterate t in one pass over θ (each chunk of θ is read once, while it is in
/// cache, for all of them); the same arithmetic as [`Stabilizer::update`] on each.
pub fn update_all(emas: &mut [Ema], t: u64, theta: &[f32]) {
    let gammas: Vec<f32> = emas.iter().map(|e| e.gamma(t) as f32).collect();
    let mut per_chunk: Vec<Vec<&mut [f32]>> =
        (0..theta.len().div_ceil(CHUNK)).map(|_| Vec::with_capacity(emas.len())).collect();
    for e in emas.iter_mut() {
        for (k, chunk) in e.average.chunks_mut(CHUNK).enumerate() {
            per_chunk[k].push(chunk);
        }
    }
    per_chunk.into_par_iter().zip(theta.par_chunks(CHUNK)).for_each(|(averages, th)| {
        for (avg, &g) in averages.into_iter().zip(&gammas) {
            if g == 0.0 {
                continue;
            }
            if g == 1.0 {
                avg.copy_from_slice(th);
            } else {
                for (a, &x) in avg.iter_mut().zip(th) {
                    *a += g * (x - *a);
                }
            }
        }
    });
}

impl Stabilizer for Ema {
    fn name(&self) -> &str {
        &self.name
    }

    fn update(&mut self, t: u64, theta: &[f32]) {
        let g = self.gamma(t) as f32;
        if g == 0.0 {
            return;
        }
        if g == 1.0 {
            self.average.copy_from_slice(theta);
            return;
        }
        self.average.par_chunks_mut(CHUNK).zip(theta.par_chunks(CHUNK)).for_each(|(avg, th)| {
            for (a, &x) in avg.iter_mut().zip(th) {
                *a += g * (x - *a);
            }
        });
    }

    fn params(&self) -> &[f32] {
        &self.average
    }
}

/// A checkpoint carries the average (γ_t follows from the step, so nothing else).
impl butterfly_store::State for Ema {
    fn save_state(&self, prefix: &str, checkpoint: &mut butterfly_store::Checkpoint) {
        checkpoint.put_f32(&format!("{prefix}average"), &self.average);
    }

    fn load_state(
        &mut self,
        prefix: &str,
        checkpoint: &butterfly_store::Checkpoint,
    ) -> Result<(), butterfly_store::StoreError> {
        let average = checkpoint.f32_exact(&format!("{prefix}average"), self.average.len())?;
        self.average.copy_from_slice(average);
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

    #[test]
    fn one_pass_update_equals_separate_updates() {
        let n = 2 * CHUNK + 5;
        let theta0: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
        let specs = [
            "kind = \"ema\"\nalpha = 0.5",
            "kind = \"ema\"\ngamma = 0.3\nburn_in = 2",
            "kind = \"tail\"",
            "kind = \"ema\"\nalpha = 0.7\nevery = 2",
        ];
        let mut separate: Vec<Ema> = specs.iter().map(|s| ema(s, &theta0)).collect();
        let mut together = separate.clone();
        for t in 1..=5u64 {
            let theta: Vec<f32> = theta0.iter().map(|x| x * t as f32).collect();
            separate.iter_mut().for_each(|e| e.update(t, &theta));
            update_all(&mut together, t, &theta);
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
