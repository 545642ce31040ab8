//! Means and standard deviations, written once: every report's numbers go through these, so that the
//! same data gives the same digits in every table.

/// The mean of `xs` (NaN for none).
pub fn mean(xs: impl IntoIterator<Item = f64>) -> f64 {
    let mut n = 0usize;
    let sum: f64 = xs.into_iter().inspect(|_| n += 1).sum();
    sum / n as f64
}

/// Σ (x − mean)² over `xs`.
pub fn squared_deviations(xs: &[f64], mean: f64) -> f64 {
    xs.iter().map(|x| (x - mean).powi(2)).sum()
}

/// The standard deviation of `xs` about their `mean`, over n (the spread of these values themselves).
pub fn population_std(xs: &[f64], mean: f64) -> f64 {
    (squared_deviations(xs, mean) / xs.len() as f64).sqrt()
}

/// The variance of `xs` about their `mean`, over n − 1 (an estimate from a sample; `xs` holds two or more).
pub fn sample_variance(xs: &[f64], mean: f64) -> f64 {
    squared_deviations(xs, mean) / (xs.len() - 1) as f64
}

/// The mean |x_(k+1) − x_k| between consecutive values (`xs` holds two or more).
pub fn mean_abs_change(xs: &[f64]) -> f64 {
    mean(xs.windows(2).map(|w| (w[1] - w[0]).abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_of_a_known_sample() {
        let xs = [1.0, 3.0, 2.0, 6.0];
        assert_eq!(mean(xs), 3.0);
        assert!(mean([]).is_nan());
        assert_eq!(squared_deviations(&xs, 3.0), 14.0);
        assert_eq!(population_std(&xs, 3.0), 3.5f64.sqrt());
        assert_eq!(sample_variance(&xs, 3.0), 14.0 / 3.0);
        assert_eq!(mean_abs_change(&xs), 7.0 / 3.0);
    }
}
