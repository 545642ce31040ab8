//! A metric over seeds: its mean and sample standard deviation, as the sweep tables show them.

use serde::Serialize;

use crate::stats::moments::{mean, sample_variance};

/// Mean and sample standard deviation over seeds (std is None for one seed).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OverSeeds {
    pub mean: f64,
    pub std: Option<f64>,
}

impl OverSeeds {
    /// Over the values of the seeds that have one (None for none).
    pub fn of(xs: &[f64]) -> Option<Self> {
        if xs.is_empty() {
            return None;
        }
        let mean = mean(xs.iter().copied());
        let std = (xs.len() > 1).then(|| sample_variance(xs, mean).sqrt());
        Some(Self { mean, std })
    }

    /// For the markdown table: `mean ± std`, `–` when missing.
    pub fn show(x: Option<Self>, digits: usize) -> String {
        Self::shown(x, digits, " ± ", "–")
    }

    /// `mean{plus_minus}std`, the mean alone for one seed, `missing` for none.
    pub fn shown(x: Option<Self>, digits: usize, plus_minus: &str, missing: &str) -> String {
        match x {
            None => missing.into(),
            Some(Self { mean, std: None }) => format!("{mean:.digits$}"),
            Some(Self { mean, std: Some(s) }) => format!("{mean:.digits$}{plus_minus}{s:.digits$}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_std_over_seeds() {
        let o = OverSeeds::of(&[1.0, 3.0]).unwrap();
        assert_eq!((o.mean, o.std), (2.0, Some(2f64.sqrt())));
        assert_eq!(OverSeeds::of(&[5.0]).unwrap().std, None);
        assert!(OverSeeds::of(&[]).is_none());
        assert_eq!(OverSeeds::show(OverSeeds::of(&[1.0, 3.0]), 1), "2.0 ± 1.4");
    }
}
