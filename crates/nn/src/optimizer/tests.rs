//! Each optimizer against its textbook formula, written out plainly per step.
// Lists of decayed ranges that hold one range are the point of some tests here.
#![allow(clippy::single_range_in_vec_init)]

use super::*;

const N: usize = 5;

fn grads(step: usize) -> Vec<f64> {
    (0..N).map(|i| ((i as f64 + 1.0) * 0.37 + step as f64 * 1.3).sin()).collect()
}

fn theta0() -> Vec<f64> {
    (0..N).map(|i| 0.5 - 0.2 * i as f64).collect()
}

fn run(config: OptimizerConfig, steps: usize, lr: f64) -> Vec<f64> {
    let mut opt = Optimizer::<f64>::new(config, N).unwrap();
    let mut theta = theta0();
    for s in 0..steps {
        opt.step(&mut theta, &grads(s), lr).unwrap();
    }
    theta
}

fn assert_all_close(a: &[f64], b: &[f64]) {
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-12 * (1.0 + y.abs()), "{a:?} vs {b:?}");
    }
}

#[test]
fn sgd_matches_textbook_with_momentum_nesterov_and_decay() {
    let (lr, mu, wd) = (0.1, 0.9, 0.01);
    for nesterov in [false, true] {
        for momentum in [0.0, mu] {
            if nesterov && momentum == 0.0 {
                continue;
            }
            let mut theta = theta0();
            let mut buf = [0.0; N];
            for s in 0..4 {
                let g = grads(s);
                for i in 0..N {
                    let gi = g[i] + wd * theta[i];
                    buf[i] = if s == 0 { gi } else { momentum * buf[i] + gi };
                    let d = if nesterov {
                        gi + momentum * buf[i]
                    } else if momentum > 0.0 {
                        buf[i]
                    } else {
                        gi
                    };
                    theta[i] -= lr * d;
                }
            }
            let got = run(OptimizerConfig::sgd(momentum, nesterov).with_weight_decay(wd), 4, lr);
            assert_all_close(&got, &theta);
        }
    }
}

/// Kingma & Ba's Adam with bias-corrected moments; `decoupled` gives Loshchilov & Hutter's AdamW.
fn textbook_adam(steps: usize, lr: f64, wd: f64, decoupled: bool) -> Vec<f64> {
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
    let mut theta = theta0();
    let (mut m, mut v) = (vec![0.0; N], vec![0.0; N]);
    for s in 0..steps {
        let t = (s + 1) as i32;
        let g = grads(s);
        for i in 0..N {
            if decoupled {
                theta[i] -= lr * wd * theta[i];
            }
            let gi = if decoupled { g[i] } else { g[i] + wd * theta[i] };
            m[i] = b1 * m[i] + (1.0 - b1) * gi;
            v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
            let m_hat = m[i] / (1.0 - b1.powi(t));
            let v_hat = v[i] / (1.0 - b2.powi(t));
            theta[i] -= lr * m_hat / (v_hat.sqrt() + eps);
        }
    }
    theta
}

#[test]
fn adam_and_adamw_match_textbook() {
    assert_all_close(&run(OptimizerConfig::adam(), 6, 0.01), &textbook_adam(6, 0.01, 0.0, false));
    let l2 = OptimizerConfig::adam().with_weight_decay(0.1);
    assert_all_close(&run(l2, 6, 0.01), &textbook_adam(6, 0.01, 0.1, false));
    assert_all_close(&run(OptimizerConfig::adamw(0.1), 6, 0.01), &textbook_adam(6, 0.01, 0.1, true));
    // The first Adam step moves every coordinate by ≈ lr in the direction of −sign(g).
    let first = run(OptimizerConfig::adam(), 1, 0.01);
    for ((after, before), g) in first.iter().zip(theta0()).zip(grads(0)) {
        assert!(((before - after) - 0.01 * g.signum()).abs() < 1e-6);
    }
}

#[test]
fn clipping_rescales_to_the_global_norm_only_when_above_it() {
    let g = grads(0);
    let norm = g.iter().map(|x| x * x).sum::<f64>().sqrt();
    for max_norm in [norm / 4.0, norm * 2.0] {
        let mut opt = Optimizer::<f64>::new(OptimizerConfig::sgd(0.0, false).with_clip_norm(max_norm), N).unwrap();
        let mut theta = theta0();
        let reported = opt.step(&mut theta, &g, 1.0).unwrap();
        assert!((reported.unwrap() - norm).abs() < 1e-12);
        let coef = (max_norm / (norm + 1e-6)).min(1.0);
        let expected: Vec<f64> = theta0().iter().zip(&g).map(|(p, g)| p - coef * g).collect();
        assert_all_close(&theta, &expected);
    }
    // Without clipping no norm is computed.
    let mut opt = Optimizer::<f64>::new(OptimizerConfig::adam(), N).unwrap();
    assert_eq!(opt.step(&mut theta0(), &g, 0.1).unwrap(), None);
}

#[test]
fn accumulated_step_uses_the_mean_gradient() {
    let (a, b) = (grads(0), grads(1));
    let sum: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
    let mean: Vec<f64> = sum.iter().map(|x| x / 2.0).collect();
    let config = OptimizerConfig::adam().with_clip_norm(0.5);
    let (mut o1, mut o2) = (Optimizer::<f64>::new(config, N).unwrap(), Optimizer::<f64>::new(config, N).unwrap());
    let (mut t1, mut t2) = (theta0(), theta0());
    let n1 = o1.step_accumulated(&mut t1, &sum, 2, 0.01).unwrap();
    let n2 = o2.step(&mut t2, &mean, 0.01).unwrap();
    assert_all_close(&t1, &t2);
    assert!((n1.unwrap() - n2.unwrap()).abs() < 1e-12);
    assert!(o1.step_accumulated(&mut t1, &sum, 0, 0.01).is_err());
}

#[test]
fn restored_state_continues_bit_identically() {
    for config in [OptimizerConfig::sgd(0.9, true), OptimizerConfig::adamw(0.01)] {
        let mut opt = Optimizer::<f32>::new(config, N).unwrap();
        let mut theta: Vec<f32> = theta0().iter().map(|&x| x as f32).collect();
        let g = |s| grads(s).iter().map(|&x| x as f32).collect::<Vec<_>>();
        for s in 0..3 {
            opt.step(&mut theta, &g(s), 0.05).unwrap();
        }
        let (saved_steps, saved_state, saved_theta) = (opt.step_count(), opt.state().to_vec(), theta.clone());
        for s in 3..6 {
            opt.step(&mut theta, &g(s), 0.05).unwrap();
        }
        let mut resumed = Optimizer::<f32>::new(config, N).unwrap();
        resumed.restore(saved_steps, &saved_state).unwrap();
        let mut theta2 = saved_theta;
        for s in 3..6 {
            resumed.step(&mut theta2, &g(s), 0.05).unwrap();
        }
        assert_eq!(theta, theta2);
        assert_eq!(opt.state(), resumed.state());
        assert!(resumed.restore(0, &saved_state[1..]).is_err());
    }
}

#[test]
fn rejects_invalid_configs_and_sizes_state() {
    assert!(Optimizer::<f32>::new(OptimizerConfig::sgd(0.0, true), 1).is_err());
    assert!(Optimizer::<f32>::new(OptimizerConfig::sgd(1.0, false), 1).is_err());
    assert!(Optimizer::<f32>::new(OptimizerConfig::adam().with_weight_decay(-1.0), 1).is_err());
    assert!(Optimizer::<f32>::new(OptimizerConfig::adam().with_clip_norm(0.0), 1).is_err());
    let bad_betas = OptimizerConfig::of(OptimizerKind::Adam { beta1: 0.9, beta2: 1.0, eps: 1e-8 });
    assert!(Optimizer::<f32>::new(bad_betas, 1).is_err());
    assert_eq!(Optimizer::<f32>::new(OptimizerConfig::sgd(0.0, false), 7).unwrap().state().len(), 0);
    assert_eq!(Optimizer::<f32>::new(OptimizerConfig::adam(), 7).unwrap().state().len(), 14);
}

#[test]
fn config_deserializes_flat_with_defaults_and_rejects_typos() {
    let c: OptimizerConfig = serde_json::from_str(r#"{"kind": "adamw", "weight_decay": 0.01}"#).unwrap();
    assert_eq!(c, OptimizerConfig::adamw(0.01));
    let c: OptimizerConfig = serde_json::from_str(r#"{"kind": "sgd", "momentum": 0.9, "clip_norm": 1.0}"#).unwrap();
    assert_eq!(c, OptimizerConfig::sgd(0.9, false).with_clip_norm(1.0));
    assert!(serde_json::from_str::<OptimizerConfig>(r#"{"kind": "adam", "beta_1": 0.8}"#).is_err());
}

#[test]
fn two_threads_update_bit_identically_to_one() {
    let n = 3 * PARALLEL_MIN_PARAMS + 5;
    let run = |threads| {
        let threads = crate::Threads::new(threads).unwrap();
        let mut theta: Vec<f32> = (0..n).map(|i| (i as f32 * 0.001).sin()).collect();
        let mut results = Vec::new();
        for config in [OptimizerConfig::adam().with_clip_norm(1.0), OptimizerConfig::sgd(0.9, true)] {
            let mut opt = Optimizer::<f32>::new(config, n).unwrap().with_threads(threads.clone());
            for s in 0..3 {
                let grad: Vec<f32> = (0..n).map(|i| ((i + s) as f32 * 0.37).cos()).collect();
                opt.step(&mut theta, &grad, 0.01).unwrap();
            }
            results.push((theta.clone(), opt.state().to_vec()));
        }
        results
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn adamw_decays_only_the_given_ranges() {
    let (decayed, plain) = (textbook_adam(6, 0.01, 0.1, true), textbook_adam(6, 0.01, 0.0, true));
    let mut opt =
        Optimizer::<f64>::new(OptimizerConfig::adamw(0.1), N).unwrap().with_decayed_ranges(vec![0..N / 2]).unwrap();
    let mut theta = theta0();
    for k in 0..6 {
        opt.step(&mut theta, &grads(k), 0.01).unwrap();
    }
    assert_all_close(&theta[..N / 2], &decayed[..N / 2]);
    assert_all_close(&theta[N / 2..], &plain[N / 2..]);
    assert!(Optimizer::<f64>::new(OptimizerConfig::adam(), N).unwrap().with_decayed_ranges(vec![0..1]).is_err());
    assert!(
        Optimizer::<f64>::new(OptimizerConfig::adamw(0.1), N).unwrap().with_decayed_ranges(vec![0..N + 1]).is_err()
    );
}
