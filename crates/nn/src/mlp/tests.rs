use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

fn spec(activation: Activation, layer_norm: bool, dropout: f64) -> MlpSpec {
    MlpSpec { input: 3, hidden: vec![5, 4], output: 2, activation, layer_norm, dropout }
}

fn random_vec(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// L = Σ c ⊙ f(x; θ) for a fixed random c: its output gradient is c, not an MSE residual.
fn loss(mlp: &mut Mlp<f64>, theta: &[f64], x: &[f64], batch: usize, c: &[f64], train: bool) -> f64 {
    let out = if train {
        // Same seed every call, so every evaluation sees the same dropout masks.
        mlp.forward_train(theta, x, batch, &mut ChaCha8Rng::seed_from_u64(99)).unwrap()
    } else {
        mlp.forward(theta, x, batch).unwrap()
    };
    out.iter().zip(c).map(|(o, c)| o * c).sum()
}

fn assert_close(what: &str, analytic: f64, numeric: f64) {
    let tol = 1e-6 * (1.0 + analytic.abs().max(numeric.abs()));
    assert!((analytic - numeric).abs() < tol, "{what}: backward {analytic} vs finite difference {numeric}");
}

#[test]
fn gradients_match_finite_differences_for_every_layer_kind() {
    // Batch 40 on two threads takes the row-split forward and the split backward.
    for (threads, batch) in [(1, 3), (2, 40)] {
        check_gradients(batch, &crate::Threads::new(threads).unwrap());
    }
}

fn check_gradients(batch: usize, threads: &crate::Threads) {
    let h = 1e-6;
    for activation in [Activation::Relu, Activation::Tanh, Activation::Gelu, Activation::Elu] {
        for layer_norm in [false, true] {
            for dropout in [0.0, 0.3] {
                let mut rng = ChaCha8Rng::seed_from_u64(7);
                let mut mlp =
                    Mlp::<f64>::new(spec(activation, layer_norm, dropout)).unwrap().with_threads(threads.clone());
                let mut theta: Vec<f64> = mlp.layout().init_params(&mut rng);
                // Non-trivial norm gains and shifts, so their gradients are exercised in general position.
                for v in theta.iter_mut().skip(mlp.layout().linears().last().map_or(0, |l| l.bias + l.out_dim)) {
                    *v += rng.random_range(-0.5..0.5);
                }
                let x = random_vec(&mut rng, batch * 3);
                let c = random_vec(&mut rng, batch * 2);
                let train = dropout > 0.0;
                loss(&mut mlp, &theta, &x, batch, &c, train);
                let mut grad = vec![f64::NAN; theta.len()];
                let mut d_x = vec![f64::NAN; x.len()];
                mlp.backward(&theta, &c, &mut grad, false, Some(&mut d_x)).unwrap();
                let case = format!("{activation:?} norm={layer_norm} dropout={dropout} batch={batch}");
                for i in 0..theta.len() {
                    let mut t = theta.clone();
                    t[i] = theta[i] + h;
                    let up = loss(&mut mlp, &t, &x, batch, &c, train);
                    t[i] = theta[i] - h;
                    let down = loss(&mut mlp, &t, &x, batch, &c, train);
                    assert_close(&format!("{case} dθ[{i}]"), grad[i], (up - down) / (2.0 * h));
                }
                for i in 0..x.len() {
                    let mut xs = x.clone();
                    xs[i] = x[i] + h;
                    let up = loss(&mut mlp, &theta, &xs, batch, &c, train);
                    xs[i] = x[i] - h;
                    let down = loss(&mut mlp, &theta, &xs, batch, &c, train);
                    assert_close(&format!("{case} dx[{i}]"), d_x[i], (up - down) / (2.0 * h));
                }
            }
        }
    }
}

#[test]
fn forward_matches_a_hand_computed_network() {
    // 2 → 2 (ReLU) → 1 with W1 = [[1, -1], [2, 0.5]], b1 = [0, -1], W2 = [[3, -2]], b2 = [0.5].
    let mut mlp = Mlp::<f32>::new(MlpSpec {
        input: 2,
        hidden: vec![2],
        output: 1,
        activation: Activation::Relu,
        layer_norm: false,
        dropout: 0.0,
    })
    .unwrap();
    let theta = [1.0, -1.0, 2.0, 0.5, 0.0, -1.0, 3.0, -2.0, 0.5];
    // x = (1, 2): h = relu(-1, 2 + 1 - 1) = (0, 2); y = -4 + 0.5. x = (3, 1): h = (2, 5.5); y = 6 - 11 + 0.5.
    let y = mlp.forward(&theta, &[1.0, 2.0, 3.0, 1.0], 2).unwrap();
    assert_eq!(y, [-3.5, -4.5]);
}

#[test]
fn accumulated_half_batches_equal_the_full_batch_gradient() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut mlp = Mlp::<f64>::new(spec(Activation::Tanh, true, 0.0)).unwrap();
    let theta: Vec<f64> = mlp.layout().init_params(&mut rng);
    let (x, c) = (random_vec(&mut rng, 4 * 3), random_vec(&mut rng, 4 * 2));
    let mut full = vec![0.0; theta.len()];
    mlp.forward(&theta, &x, 4).unwrap();
    mlp.backward(&theta, &c, &mut full, false, None).unwrap();
    // Stale garbage must be overwritten by a non-accumulating backward.
    let mut acc = vec![123.0; theta.len()];
    for (k, half) in [0..2, 2..4].into_iter().enumerate() {
        mlp.forward(&theta, &x[half.start * 3..half.end * 3], 2).unwrap();
        mlp.backward(&theta, &c[half.start * 2..half.end * 2], &mut acc, k > 0, None).unwrap();
    }
    for (a, f) in acc.iter().zip(&full) {
        assert!((a - f).abs() < 1e-12, "{a} vs {f}");
    }
}

#[test]
fn dropout_is_seeded_train_only_and_scaled() {
    let mut mlp = Mlp::<f32>::new(MlpSpec {
        input: 4,
        hidden: vec![64],
        output: 64,
        activation: Activation::Relu,
        layer_norm: false,
        dropout: 0.5,
    })
    .unwrap();
    let theta = mlp.layout().init_params(&mut ChaCha8Rng::seed_from_u64(0));
    let x = vec![0.5f32; 4 * 8];
    let eval_a = mlp.forward(&theta, &x, 8).unwrap().to_vec();
    let eval_b = mlp.forward(&theta, &x, 8).unwrap().to_vec();
    assert_eq!(eval_a, eval_b);
    let train_a = mlp.forward_train(&theta, &x, 8, &mut ChaCha8Rng::seed_from_u64(5)).unwrap().to_vec();
    let train_b = mlp.forward_train(&theta, &x, 8, &mut ChaCha8Rng::seed_from_u64(5)).unwrap().to_vec();
    let train_c = mlp.forward_train(&theta, &x, 8, &mut ChaCha8Rng::seed_from_u64(6)).unwrap().to_vec();
    assert_eq!(train_a, train_b);
    assert_ne!(train_a, train_c);
    assert_ne!(train_a, eval_a);
    let mask = &mlp.work.hidden[0].mask[..8 * 64];
    let dropped = mask.iter().filter(|&&m| m == 0.0).count();
    assert!((150..362).contains(&dropped), "dropped {dropped} of 512 at p = 0.5");
    assert!(mask.iter().all(|&m| m == 0.0 || m == 2.0));
}

#[test]
fn shape_errors_and_backward_without_forward() {
    let mut mlp = Mlp::<f32>::new(spec(Activation::Relu, false, 0.0)).unwrap();
    let theta = vec![0.1; mlp.num_params()];
    let mut grad = vec![0.0; mlp.num_params()];
    assert_eq!(mlp.backward(&theta, &[0.0; 4], &mut grad, false, None), Err(NnError::NoForward));
    assert!(matches!(mlp.forward(&theta, &[0.0; 5], 2), Err(NnError::Shape { expected: 6, got: 5, .. })));
    assert!(mlp.forward(&theta[1..], &[0.0; 6], 2).is_err());
    mlp.forward(&theta, &[0.0; 6], 2).unwrap();
    assert!(mlp.backward(&theta, &[0.0; 3], &mut grad, false, None).is_err());
    assert!(mlp.backward(&theta, &[0.0; 4], &mut grad, false, Some(&mut [0.0; 5])).is_err());
}

#[test]
fn two_runs_are_bit_identical_on_two_threads() {
    let run = |threads: usize| {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let s = MlpSpec {
            input: 23,
            hidden: vec![256, 256],
            output: 6,
            activation: Activation::Gelu,
            layer_norm: true,
            dropout: 0.1,
        };
        let mut mlp = Mlp::<f32>::new(s).unwrap().with_threads(crate::Threads::new(threads).unwrap());
        let theta: Vec<f32> = mlp.layout().init_params(&mut rng);
        let x: Vec<f32> = (0..128 * 23).map(|_| rng.random_range(-1.0..1.0)).collect();
        let out = mlp.forward_train(&theta, &x, 128, &mut rng).unwrap().to_vec();
        let mut grad = vec![0.0; theta.len()];
        let mut d_x = vec![0.0; x.len()];
        mlp.backward(&theta, &out, &mut grad, false, Some(&mut d_x)).unwrap();
        (out, grad, d_x)
    };
    let (a, b) = (run(2), run(2));
    // Bitwise comparison (NaN-safe and sign-of-zero sensitive).
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.0), bits(&b.0));
    assert_eq!(bits(&a.1), bits(&b.1));
    assert_eq!(bits(&a.2), bits(&b.2));
}

#[test]
fn input_only_backward_equals_the_full_backwards_input_gradient() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for layer_norm in [false, true] {
        let mut mlp = Mlp::<f64>::new(spec(Activation::Tanh, layer_norm, 0.0)).unwrap();
        let theta = mlp.layout().init_params(&mut rng);
        let (x, c) = (random_vec(&mut rng, 4 * 3), random_vec(&mut rng, 4 * 2));
        mlp.forward(&theta, &x, 4).unwrap();
        let mut grad = vec![0.0; theta.len()];
        let (mut full, mut only) = (vec![0.0; 12], vec![0.0; 12]);
        mlp.backward(&theta, &c, &mut grad, false, Some(&mut full)).unwrap();
        mlp.backward_input(&theta, &c, &mut only).unwrap();
        assert_eq!(full, only, "layer_norm {layer_norm}");
    }
}
