//! An anytime-valid confidence sequence for the mean of values in [0, 1]: the predictable plug-in
//! empirical-Bernstein sequence of Waudby-Smith & Ramdas (2023, "Estimating means of bounded random
//! variables by betting"), in its form for sampling without replacement from a finite population
//! (Waudby-Smith & Ramdas, NeurIPS 2020) when the population size is known (docs/selection.md derives it).
//!
//! Its guarantee: with probability ≥ 1 − α the mean lies in the interval at every sample size at once,
//! so a procedure may look after every sample and stop whenever it likes.

/// λ is capped here (the papers' c = 1/2): the bound needs λ < 1 and larger bets buy little.
const MAX_BET: f64 = 0.5;

#[derive(Debug, Clone)]
pub struct ConfidenceSequence {
    /// N when sampling without replacement from N values (the mean is then the population's); None for
    /// independent draws from a distribution.
    population: Option<usize>,
    /// ln(2/α): each side holds with probability 1 − α/2 (Ville's inequality).
    log_term: f64,
    n: usize,
    /// Σ X_i.
    sum: f64,
    /// Σ (X_i − μ̂_i)², the variance guess's numerator.
    squared_deviations: f64,
    /// Σ λ_i N/(N − i + 1) (Σ λ_i with replacement).
    weight: f64,
    /// Σ λ_i (X_i + S_{i−1}/(N − i + 1)): the bet on each draw, shifted by what the earlier draws say of
    /// the rest of the population.
    weighted: f64,
    /// Σ (X_i − μ̂_{i−1})² ψ(λ_i), ψ(λ) = −ln(1 − λ) − λ: the price of betting on an estimated variance.
    penalty: f64,
    /// The running intersection of the intervals (itself a confidence sequence).
    lower: f64,
    upper: f64,
}

impl ConfidenceSequence {
    /// At level 1 − `alpha` (0 < α < 1), for draws without replacement from `population` values or
    /// independent ones (None).
    pub fn new(alpha: f64, population: Option<usize>) -> Self {
        Self {
            population,
            log_term: (2.0 / alpha).ln(),
            n: 0,
            sum: 0.0,
            squared_deviations: 0.0,
            weight: 0.0,
            weighted: 0.0,
            penalty: 0.0,
            lower: 0.0,
            upper: 1.0,
        }
    }

    /// Adds one value in [0, 1] (the caller has scaled it; a value outside breaks the guarantee).
    pub fn push(&mut self, x: f64) {
        debug_assert!((0.0..=1.0).contains(&x), "{x} outside [0, 1]");
        let t = self.n + 1;
        let tf = t as f64;
        // The guesses use draws 1..t−1 only (predictable), shrunk towards 1/2 and 1/4 as the papers do.
        let mean_guess = (0.5 + self.sum) / tf;
        let variance_guess = (0.25 + self.squared_deviations) / tf;
        let bet = (2.0 * self.log_term / (variance_guess * tf * (1.0 + tf).ln())).sqrt().min(MAX_BET);
        let (scale, shift) = match self.population {
            Some(n) => {
                let left = (n + 1 - t) as f64;
                (n as f64 / left, self.sum / left)
            }
            None => (1.0, 0.0),
        };
        self.weighted += bet * (x + shift);
        self.weight += bet * scale;
        self.penalty += (x - mean_guess).powi(2) * (-(1.0 - bet).ln() - bet);
        self.sum += x;
        self.n = t;
        self.squared_deviations += (x - (0.5 + self.sum) / (tf + 1.0)).powi(2);

        let centre = self.weighted / self.weight;
        let half = (self.log_term + self.penalty) / self.weight;
        self.lower = self.lower.max(centre - half);
        self.upper = self.upper.min(centre + half);
        if self.population == Some(t) {
            // Every value seen: the mean is known.
            (self.lower, self.upper) = (self.mean(), self.mean());
        }
    }

    /// The sample mean (½ before any sample).
    pub fn mean(&self) -> f64 {
        if self.n == 0 { 0.5 } else { self.sum / self.n as f64 }
    }

    pub fn lower(&self) -> f64 {
        self.lower
    }

    pub fn upper(&self) -> f64 {
        self.upper
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::ConfidenceSequence;

    /// The share of repetitions in which the sequence ever excluded the true mean.
    fn miss_rate(population: Option<usize>, draws: usize, alpha: f64) -> f64 {
        let mut misses = 0;
        let reps = 400;
        for rep in 0..reps {
            let mut rng = ChaCha8Rng::seed_from_u64(rep);
            // A skewed two-point law: rare high values, the hard case for a variance-adaptive bound.
            let values: Vec<f64> = (0..draws).map(|_| if rng.random::<f64>() < 0.1 { 1.0 } else { 0.2 }).collect();
            // Without replacement the target is this population's mean, with it the law's.
            let mean = match population {
                Some(_) => values.iter().sum::<f64>() / values.len() as f64,
                None => 0.1 + 0.9 * 0.2,
            };
            let mut cs = ConfidenceSequence::new(alpha, population);
            let mut missed = false;
            for &x in &values {
                cs.push(x);
                missed |= mean < cs.lower() - 1e-12 || mean > cs.upper() + 1e-12;
            }
            misses += usize::from(missed);
        }
        misses as f64 / reps as f64
    }

    #[test]
    fn covers_the_mean_at_every_size_at_the_stated_rate() {
        // The bound is conservative: the misses stay well under α.
        assert!(miss_rate(None, 300, 0.1) <= 0.1);
        assert!(miss_rate(Some(200), 200, 0.1) <= 0.1);
    }

    #[test]
    fn shrinks_with_samples_and_is_exact_once_a_population_is_seen() {
        let mut iid = ConfidenceSequence::new(0.05, None);
        let mut widths = Vec::new();
        for k in 0..400 {
            iid.push(if k % 2 == 0 { 0.4 } else { 0.6 });
            widths.push(iid.upper() - iid.lower());
        }
        assert!(widths[399] < 0.25 * widths[19], "{} then {}", widths[19], widths[399]);
        assert!(iid.lower() < 0.5 && 0.5 < iid.upper());

        let mut wor = ConfidenceSequence::new(0.05, Some(10));
        for k in 0..10 {
            assert!(wor.upper() > wor.lower(), "not exact before the last value");
            wor.push(k as f64 / 10.0);
        }
        assert!((wor.lower() - 0.45).abs() < 1e-12 && wor.lower() == wor.upper());
    }
}
