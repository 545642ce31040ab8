//! A Monte Carlo mean with its confidence interval.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::TheoryError;

/// The sample mean of independent draws and a normal-approximation confidence interval around it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Estimate {
    /// Mean ± z·s/√n with z the two-sided normal quantile of `confidence` and s the sample standard deviation.
    /// Sums run sequentially in sample order, so the result is bit-reproducible.
    pub fn from_samples(samples: &[f64], confidence: f64) -> Result<Self, TheoryError> {
        TheoryError::check_count("the number of trials", samples.len(), 2)?;
        let z = z_score(confidence)?;
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        // Two passes: the one-pass formula loses the variance to cancellation when it is small next to the mean.
        let variance = samples.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        let half_width = z * (variance / n).sqrt();
        Ok(Self { mean, ci_low: mean - half_width, ci_high: mean + half_width })
    }

    /// Whether `value` lies in the closed interval.
    pub fn contains(&self, value: f64) -> bool {
        self.ci_low <= value && value <= self.ci_high
    }

    /// How many half-widths `value` lies from the mean (0 at the mean, 1 on the interval's edge).
    pub fn half_widths_from(&self, value: f64) -> f64 {
        (value - self.mean).abs() / ((self.ci_high - self.ci_low) / 2.0)
    }
}

/// The two-sided standard normal quantile: P(|Z| ≤ z) = confidence.
pub fn z_score(confidence: f64) -> Result<f64, TheoryError> {
    TheoryError::check("the confidence level", confidence, "in (0, 1)", |c| c > 0.0 && c < 1.0)?;
    let normal = Normal::standard();
    Ok(normal.inverse_cdf(0.5 + confidence / 2.0))
}
