//! The linear construction's rollouts against its closed forms.

use butterfly_theory::MonteCarlo;
use butterfly_theory::linear::{LinearConfig, exact, simulate, sweep};

#[test]
fn monte_carlo_agrees_with_the_closed_form() {
    for (i, (delta, horizon, dim)) in
        [(0.05, 20, 1), (0.1, 50, 3), (0.01, 100, 2), (0.3, 10, 4)].into_iter().enumerate()
    {
        let config = LinearConfig { delta, horizon, dim };
        let exact = exact(&config).unwrap();
        let estimates =
            simulate(&config, &MonteCarlo { trials: 4000, seed: 20 + i as u64, confidence: 0.9999, threads: 2 })
                .unwrap();
        assert!(estimates.bc_loss.contains(exact.bc_loss), "{config:?}: {estimates:?} vs {exact:?}");
        assert!(estimates.reward_gap.contains(exact.reward_gap), "{config:?}: {estimates:?} vs {exact:?}");
    }
}

#[test]
fn the_gap_is_geometric_and_exponential_in_h_delta() {
    for (delta, horizon, dim) in [(0.1, 30, 1), (0.02, 200, 2), (0.5, 8, 3)] {
        let values = exact(&LinearConfig { delta, horizon, dim }).unwrap();
        let (d, h) = (dim as f64, horizon as f64);
        let q = (1.0 + delta) * (1.0 + delta);
        let geometric = d * (q * (q.powi(horizon as i32) - 1.0) / (q - 1.0) - h);
        assert!((values.reward_gap / geometric - 1.0).abs() < 1e-10, "{values:?} vs {geometric}");
        assert!((values.bc_loss - h * delta * delta * d).abs() < 1e-12);
        // Proposition 3.1's shape: gap ≥ d·(H/2)·(e^{Hδ/2} − 1).
        assert!(values.reward_gap >= d * h / 2.0 * ((h * delta / 2.0).exp() - 1.0), "{values:?}");
    }
}

#[test]
fn no_error_no_gap() {
    let config = LinearConfig { delta: 0.0, horizon: 10, dim: 2 };
    let exact = exact(&config).unwrap();
    let estimates = simulate(&config, &MonteCarlo { trials: 10, seed: 0, confidence: 0.95, threads: 2 }).unwrap();
    assert_eq!((exact.bc_loss, exact.reward_gap), (0.0, 0.0));
    assert_eq!((estimates.bc_loss.mean, estimates.reward_gap.mean), (0.0, 0.0));
}

#[test]
fn bad_parameters_name_themselves() {
    let err = exact(&LinearConfig { delta: 1.5, horizon: 10, dim: 1 }).unwrap_err();
    assert_eq!(err.to_string(), "delta must be in [0, 1], got 1.5");
    let err = exact(&LinearConfig { delta: 0.1, horizon: 0, dim: 1 }).unwrap_err();
    assert_eq!(err.to_string(), "horizon must be at least 1, got 0");
}

#[test]
fn sweeps_run_delta_major_and_validate_before_simulating() {
    let mc = MonteCarlo { trials: 50, seed: 0, confidence: 0.95, threads: 2 };
    let mut seen = 0;
    let rows = sweep(&[0.1, 0.2], &[1, 5, 10], 2, &mc, |_| seen += 1).unwrap();
    assert_eq!((rows.len(), seen), (6, 6));
    let order: Vec<(f64, usize)> = rows.iter().map(|r| (r.config.delta, r.config.horizon)).collect();
    assert_eq!(order, [(0.1, 1), (0.1, 5), (0.1, 10), (0.2, 1), (0.2, 5), (0.2, 10)]);
    let config = LinearConfig { delta: 0.2, horizon: 5, dim: 2 };
    assert_eq!((rows[4].exact, rows[4].estimates), (exact(&config).unwrap(), simulate(&config, &mc).unwrap()));
    let err = sweep(&[0.1, 2.0], &[1], 1, &mc, |_| panic!("no row runs before validation")).unwrap_err();
    assert_eq!(err.to_string(), "delta must be in [0, 1], got 2");
}

#[test]
fn gaps_past_double_precision_are_refused_not_printed_as_inf_and_nan() {
    for (delta, horizon) in [(1.0, 600), (0.05, 100_000_000)] {
        let config = LinearConfig { delta, horizon, dim: 1 };
        let err = simulate(&config, &MonteCarlo { trials: 10, seed: 0, confidence: 0.95, threads: 2 })
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(&format!("horizon = {horizon} is beyond")) && err.contains("1e150"), "{err}");
        assert_eq!(exact(&config).unwrap_err().to_string(), err);
    }
    // The largest gaps below the bound still give finite estimates and intervals.
    let config = LinearConfig { delta: 1.0, horizon: 240, dim: 1 };
    let estimates = simulate(&config, &MonteCarlo { trials: 10, seed: 0, confidence: 0.95, threads: 2 }).unwrap();
    assert!(estimates.reward_gap.ci_low.is_finite() && estimates.reward_gap.ci_high.is_finite(), "{estimates:?}");
    assert!(exact(&config).unwrap().reward_gap.is_finite());
}
