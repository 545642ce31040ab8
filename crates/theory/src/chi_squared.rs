//! The squared norm of a Gaussian vector: a scaled, possibly noncentral, χ² variable, with the truncated
//! moments that the cliff reward needs.

use statrs::function::gamma::{gamma_lr, gamma_ur};

/// X = ‖g‖² for g ~ N(m, v·I_d): X/v follows a noncentral χ² with d degrees of freedom and noncentrality
/// λ = ‖m‖²/v (central when m = 0).
///
/// The noncentral law is a Poisson mixture of central ones, Y ~ χ²_{d+2K} with K ~ Poisson(λ/2), and for a
/// central χ²_n variable Z, z·f_n(z) = n·f_{n+2}(z) gives E[Z·1{Z ≤ y}] = n·F_{n+2}(y): every quantity below is
/// a finite sum of regularized incomplete gamma functions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GaussianSquaredNorm {
    dim: usize,
    mean_sq_norm: f64,
    variance: f64,
}

impl GaussianSquaredNorm {
    /// The squared norm of N(m, variance·I_dim) with ‖m‖² = `mean_sq_norm`.
    pub fn new(dim: usize, mean_sq_norm: f64, variance: f64) -> Self {
        Self { dim, mean_sq_norm, variance }
    }

    /// E[X] = ‖m‖² + d·v.
    pub fn mean(&self) -> f64 {
        self.mean_sq_norm + self.dim as f64 * self.variance
    }

    /// P(X > x).
    pub fn tail(&self, x: f64) -> f64 {
        if x == f64::INFINITY {
            return 0.0;
        }
        if self.variance == 0.0 {
            return if self.mean_sq_norm > x { 1.0 } else { 0.0 };
        }
        let y = x / self.variance;
        // A weighted mean of probabilities: above 1 only by rounding.
        self.poisson_mixture(|n| gamma_ur(n / 2.0, y / 2.0)).min(1.0)
    }

    /// E[X·1{X ≤ x}].
    pub fn truncated_mean(&self, x: f64) -> f64 {
        // statrs rejects an infinite argument to the incomplete gamma function.
        if x == f64::INFINITY {
            return self.mean();
        }
        if self.variance == 0.0 {
            return if self.mean_sq_norm <= x { self.mean_sq_norm } else { 0.0 };
        }
        let y = x / self.variance;
        self.variance * self.poisson_mixture(|n| n * gamma_lr(n / 2.0 + 1.0, y / 2.0))
    }

    /// The Poisson rate λ/2 and the k summed around it: beyond 12 standard deviations (plus a margin for
    /// small rates) the Poisson weights are below 1e-30.
    fn poisson_window(&self) -> (f64, f64, f64) {
        let rate = self.mean_sq_norm / self.variance / 2.0;
        let spread = 12.0 * rate.sqrt() + 20.0;
        (rate, (rate - spread).max(0.0).floor(), (rate + spread).ceil())
    }

    /// How many terms [`Self::tail`] and [`Self::truncated_mean`] each sum (infinite when λ is): the time they
    /// take grows with it, about 24·√(λ/2).
    pub fn poisson_terms(&self) -> f64 {
        if self.variance == 0.0 || self.mean_sq_norm == 0.0 {
            return 1.0;
        }
        let (_, first, last) = self.poisson_window();
        last - first + 1.0
    }

    /// Σ_k Poisson(k; λ/2)·f(d + 2k), over the k that carry any weight in double precision.
    fn poisson_mixture(&self, f: impl Fn(f64) -> f64) -> f64 {
        let d = self.dim as f64;
        let (rate, first, last) = self.poisson_window();
        if rate == 0.0 {
            return f(d);
        }
        // Weights relative to the mode's by the ratio w_{k+1}/w_k = rate/(k + 1), normalized by their sum:
        // exp(k·ln rate − rate − ln k!) loses ~1e-5 of every weight to cancellation at rates near 1e9.
        let mode = rate.floor().clamp(first, last);
        let (mut sum, mut total) = (0.0, 0.0);
        let (mut k, mut w) = (mode, 1.0);
        while k <= last {
            sum += w * f(d + 2.0 * k);
            total += w;
            w *= rate / (k + 1.0);
            k += 1.0;
        }
        (k, w) = (mode - 1.0, mode / rate);
        while k >= first {
            sum += w * f(d + 2.0 * k);
            total += w;
            w *= k / rate;
            k -= 1.0;
        }
        sum / total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn central_one_dimensional_matches_the_normal_law() {
        // X = g² with g ~ N(0, 1): P(X > 1) = P(|g| > 1) = 0.3173105078629141.
        let x = GaussianSquaredNorm::new(1, 0.0, 1.0);
        assert!((x.tail(1.0) - 0.3173105078629141).abs() < 1e-12);
        // E[g²·1{|g| ≤ 1}] = P(|g| ≤ 1) − 2φ(1) = 0.6826894921370859 − 0.48394144903828673.
        assert!((x.truncated_mean(1.0) - (0.6826894921370859 - 0.48394144903828673)).abs() < 1e-12);
        assert!((x.truncated_mean(f64::INFINITY) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn noncentral_sums_to_the_mean_and_matches_a_shifted_normal() {
        // X = g² with g ~ N(2, 0.25): P(X > 1) = P(g > 1) + P(g < −1) = Φ(2) + Φ(−6).
        let x = GaussianSquaredNorm::new(1, 4.0, 0.25);
        assert!((x.tail(1.0) - (0.9772498680518208 + 9.865876450377e-10)).abs() < 1e-12);
        assert!((x.truncated_mean(1e9) - x.mean()).abs() < 1e-9);
    }

    #[test]
    fn central_two_dimensional_is_exponential() {
        // X/v ~ χ²_2 = Exp(mean 2): P(X > x) = e^{−a} and E[X·1{X ≤ x}] = 2v·(1 − e^{−a}(1 + a)), a = x/(2v).
        let (v, x) = (0.3, 0.5);
        let a = x / (2.0 * v);
        let sq = GaussianSquaredNorm::new(2, 0.0, v);
        assert!((sq.tail(x) - (-a).exp()).abs() < 1e-12);
        assert!((sq.truncated_mean(x) - 2.0 * v * (1.0 - (-a).exp() * (1.0 + a))).abs() < 1e-12);
    }

    #[test]
    fn a_large_noncentrality_far_past_the_threshold_is_exactly_all_tail() {
        // g ~ N(4000, 0.005): λ/2 = 1.6e9, about 1e6 Poisson terms, and g² is never below 0.09.
        let x = GaussianSquaredNorm::new(1, 1.6e7, 0.005);
        assert!(x.poisson_terms() < 1e6, "{}", x.poisson_terms());
        assert!((x.tail(0.09) - 1.0).abs() < 1e-12, "{}", x.tail(0.09));
        assert!(x.truncated_mean(0.09).abs() < 1e-12, "{}", x.truncated_mean(0.09));
        assert!((x.truncated_mean(1e12) / x.mean() - 1.0).abs() < 1e-12);
        assert_eq!(GaussianSquaredNorm::new(1, f64::INFINITY, 1.0).poisson_terms(), f64::INFINITY);
    }

    #[test]
    fn zero_variance_is_a_point_mass() {
        let x = GaussianSquaredNorm::new(2, 0.5, 0.0);
        assert_eq!((x.tail(0.4), x.truncated_mean(0.4)), (1.0, 0.0));
        assert_eq!((x.tail(0.6), x.truncated_mean(0.6)), (0.0, 0.5));
    }
}
