//! Uncertainty of a comparison: a mean over independent draws (seeds) with its 95 % Student-t interval,
//! and the paired difference of two variants measured on the same draws (same seed, same data), whose
//! interval says at once whether one is really better.

use crate::stats::moments::{mean, sample_variance, squared_deviations};

/// Two-sided 95 % quantiles of Student's t for 1..=30 degrees of freedom.
const T_975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
    2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/// The 0.975 quantile of Student's t with `df` ≥ 1 degrees of freedom (the normal 1.960 beyond 30,
/// which it overstates by at most 2 %).
pub fn t_quantile_975(df: usize) -> f64 {
    T_975.get(df.max(1) - 1).copied().unwrap_or(1.960)
}

/// Where a difference's interval lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// One draw: no interval, no claim.
    OneDraw,
    /// Entirely below zero.
    Below,
    /// Entirely above zero.
    Above,
    /// Across zero: no difference this many draws can tell.
    Unclear,
}

/// A mean over `n` independent draws with its 95 % interval (`low == high == mean` for one draw: no
/// spread can be told from it).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    pub n: usize,
}

impl Interval {
    /// The Student-t interval of the mean of `xs` (None when empty).
    pub fn of(xs: &[f64]) -> Option<Self> {
        let n = xs.len();
        if n == 0 {
            return None;
        }
        let mean = mean(xs.iter().copied());
        let half = if n < 2 { 0.0 } else { t_quantile_975(n - 1) * (sample_variance(xs, mean) / n as f64).sqrt() };
        Some(Self { mean, low: mean - half, high: mean + half, n })
    }

    /// The interval of the mean of `a[i] - b[i]` (the two measured on the same draw `i`).
    pub fn paired_difference(a: &[f64], b: &[f64]) -> Option<Self> {
        assert_eq!(a.len(), b.len(), "a paired difference needs one b per a");
        Self::of(&a.iter().zip(b).map(|(x, y)| x - y).collect::<Vec<_>>())
    }

    /// The interval of mean(a) − mean(b) for independent samples (different runs, unpaired): Welch's
    /// standard error and Welch–Satterthwaite degrees of freedom, rounded down (a wider, safer quantile).
    /// `n` is the smaller sample; with one draw on either side there is no interval.
    pub fn difference_of_means(a: &[f64], b: &[f64]) -> Option<Self> {
        let (ia, ib) = (Self::of(a)?, Self::of(b)?);
        let mean = ia.mean - ib.mean;
        let n = a.len().min(b.len());
        if n < 2 {
            return Some(Self { mean, low: mean, high: mean, n: 1 });
        }
        // Each side's squared standard error of its mean.
        let se2 = |xs: &[f64], m: f64| squared_deviations(xs, m) / ((xs.len() - 1) * xs.len()) as f64;
        let (va, vb) = (se2(a, ia.mean), se2(b, ib.mean));
        let se = (va + vb).sqrt();
        let half = if se == 0.0 {
            0.0
        } else {
            let df = (va + vb).powi(2) / (va * va / (a.len() - 1) as f64 + vb * vb / (b.len() - 1) as f64);
            t_quantile_975(df.floor().max(1.0) as usize) * se
        };
        Some(Self { mean, low: mean - half, high: mean + half, n })
    }

    /// Whether the whole interval lies on one side of zero (never for a single draw).
    pub fn excludes_zero(&self) -> bool {
        self.n > 1 && (self.low > 0.0 || self.high < 0.0)
    }

    /// What the interval of a difference backs: reports word their claims from this alone.
    pub fn sign(&self) -> Sign {
        match (self.n > 1, self.high < 0.0, self.low > 0.0) {
            (false, _, _) => Sign::OneDraw,
            (true, true, _) => Sign::Below,
            (true, _, true) => Sign::Above,
            _ => Sign::Unclear,
        }
    }

    /// `mean [low, high]`, or the mean alone for one draw.
    pub fn show(&self, digits: usize) -> String {
        if self.n < 2 {
            format!("{:.digits$}", self.mean)
        } else {
            format!("{:.digits$} [{:.digits$}, {:.digits$}]", self.mean, self.low, self.high)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_series_has_no_width_and_identical_pairs_differ_by_exactly_zero() {
        let c = Interval::of(&[0.25; 5]).unwrap();
        assert_eq!((c.mean, c.low, c.high, c.n), (0.25, 0.25, 0.25, 5));
        let a = [0.3, 0.1, 0.7];
        let d = Interval::paired_difference(&a, &a).unwrap();
        assert_eq!((d.mean, d.low, d.high), (0.0, 0.0, 0.0));
        assert!(!d.excludes_zero());
        assert_eq!(d.sign(), Sign::Unclear);
        assert!(Interval::of(&[]).is_none());
        assert_eq!(Interval::of(&[-2.0]).unwrap().sign(), Sign::OneDraw);
        assert_eq!(Interval::of(&[-2.0, -2.1, -1.9]).unwrap().sign(), Sign::Below);
        assert_eq!(Interval::of(&[2.0, 2.1, 1.9]).unwrap().sign(), Sign::Above);
    }

    #[test]
    fn the_interval_of_a_known_sample() {
        // 1, 2, 3: mean 2, s = 1, half width t(2) / √3 = 4.303 / 1.7320508 = 2.48434.
        let i = Interval::of(&[1.0, 2.0, 3.0]).unwrap();
        assert!((i.mean - 2.0).abs() < 1e-12);
        assert!(
            (i.high - 2.0 - 4.303 / 3f64.sqrt()).abs() < 1e-12 && (i.mean - i.low - (i.high - i.mean)).abs() < 1e-12
        );
        assert!(!i.excludes_zero() && Interval::of(&[5.0, 6.0, 7.0]).unwrap().excludes_zero());
        // A paired shift is found even when the pairs themselves vary widely.
        let a = [10.0, 50.0, 90.0, 30.0];
        let b: Vec<f64> = a.iter().map(|x| x - 1.0 + 0.01 * x).collect();
        let d = Interval::paired_difference(&a, &b).unwrap();
        assert!(d.excludes_zero() && d.low > 0.0, "{d:?}");
        assert!(!Interval::of(&a).unwrap().excludes_zero() || Interval::of(&a).unwrap().low > 0.0);
        assert_eq!(Interval::of(&[4.0]).unwrap().show(2), "4.00");
        assert_eq!(i.show(1), "2.0 [-0.5, 4.5]");
    }

    #[test]
    fn welch_intervals_of_known_samples() {
        // 1, 2, 3 against 4, 5, 6: difference −3, standard error √(1/3 + 1/3), Welch df exactly 4.
        let d = Interval::difference_of_means(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap();
        let half = 2.776 * (2.0f64 / 3.0).sqrt();
        assert!(
            (d.mean + 3.0).abs() < 1e-12 && (d.low + 3.0 + half).abs() < 1e-12 && (d.high + 3.0 - half).abs() < 1e-12
        );
        assert_eq!(d.sign(), Sign::Below);
        // Unequal spreads: 0, 10 (variance 50) against 5, 5, 5, 5 (none): df = 1, the t quantile 12.706.
        let w = Interval::difference_of_means(&[0.0, 10.0], &[5.0; 4]).unwrap();
        assert!((w.mean).abs() < 1e-12 && (w.high - 12.706 * 5.0).abs() < 1e-9, "{w:?}");
        // Constant samples differ by exactly their difference; one draw makes no claim.
        let c = Interval::difference_of_means(&[0.5; 3], &[0.25; 3]).unwrap();
        assert_eq!((c.low, c.high, c.sign()), (0.25, 0.25, Sign::Above));
        assert_eq!(Interval::difference_of_means(&[1.0], &[2.0, 3.0]).unwrap().sign(), Sign::OneDraw);
        assert!(Interval::difference_of_means(&[], &[1.0]).is_none());
    }

    #[test]
    fn quantiles_fall_toward_the_normal() {
        assert_eq!(t_quantile_975(1), 12.706);
        assert_eq!(t_quantile_975(30), 2.042);
        assert_eq!(t_quantile_975(1000), 1.960);
        assert!(T_975.windows(2).all(|w| w[0] > w[1]));
    }
}
