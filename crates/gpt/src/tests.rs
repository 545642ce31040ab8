//! The whole model against finite differences in f64, and the f32 model's threads against each other.

use rand::SeedableRng;

use crate::model::Worker;
use crate::ops::check::{Rand, grad_check};
use crate::{Dropout, Gpt, GptConfig, ParamTable};

const TINY: GptConfig = GptConfig { vocab_size: 7, context: 4, n_layer: 2, n_head: 2, n_embd: 8 };

/// The whole tiny model's gradient against central differences, with or without dropout (whose masks
/// are a function of the seed, so the loss is a deterministic function of θ).
fn check_tiny_model(dropout: Option<Dropout>) {
    let table = ParamTable::new(&TINY);
    // Random parameters everywhere (biases and gains included), scaled so that every path matters.
    let theta: Vec<f64> = Rand::new(7).vec(table.total).iter().map(|x| 0.5 * x).collect();
    let (tokens, targets) = ([1u32, 3, 0, 6, 2, 2, 5, 4], [3u32, 0, 6, 1, 2, 5, 4, 4]);
    let d = dropout.map(|d| (d, 0));
    let loss = |theta: &[f64]| {
        let mut w = Worker::<f64>::default();
        w.resize(&TINY, 2, 4);
        w.forward(&TINY, &table, theta, &tokens, Some(&targets), d) / 8.0
    };
    let mut w = Worker::<f64>::default();
    w.resize(&TINY, 2, 4);
    w.forward(&TINY, &table, &theta, &tokens, Some(&targets), d);
    let mut grad = vec![0.0; table.total];
    w.backward(&TINY, &table, &theta, &tokens, &targets, 1.0 / 8.0, &mut grad);
    grad_check(&theta, &grad, loss);
}

#[test]
fn the_whole_tiny_model_matches_finite_differences() {
    check_tiny_model(None);
}

#[test]
fn the_whole_tiny_model_with_dropout_matches_finite_differences() {
    check_tiny_model(Some(Dropout { p: 0.3, seed: 5 }));
}

#[test]
fn two_threads_agree_with_one_and_runs_repeat_bit_for_bit() {
    let mut gpt = Gpt::new(TINY).unwrap();
    let theta = gpt.table.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
    let tokens: Vec<u32> = (0..24).map(|i| (i * 5 % 7) as u32).collect();
    let targets: Vec<u32> = (0..24).map(|i| ((i * 5 + 1) % 7) as u32).collect();
    let run = |gpt: &mut Gpt, threads: usize, dropout: Option<Dropout>| {
        let mut gpt = Gpt::new(gpt.config).unwrap().with_threads(butterfly_nn::Threads::new(threads).unwrap());
        let mut grad = vec![0.0; theta.len()];
        let loss = gpt.loss_and_grad(&theta, &tokens, &targets, 4, &mut grad, false, dropout).unwrap();
        (loss, grad)
    };
    let close = |x: &(f64, Vec<f32>), y: &(f64, Vec<f32>)| {
        assert!((x.0 - y.0).abs() < 1e-6 * x.0.abs());
        for (a, b) in x.1.iter().zip(&y.1) {
            assert!((a - b).abs() <= 1e-5 * a.abs().max(1e-3), "{a} vs {b}");
        }
    };
    let (one, two, again) = (run(&mut gpt, 1, None), run(&mut gpt, 2, None), run(&mut gpt, 2, None));
    assert_eq!(two, again, "the same thread count repeats bit for bit");
    close(&one, &two);
    // Dropout's masks follow each sequence, not the thread that runs it; p = 0 is no dropout.
    let d = Some(Dropout { p: 0.2, seed: 9 });
    let (one_d, two_d) = (run(&mut gpt, 1, d), run(&mut gpt, 2, d));
    close(&one_d, &two_d);
    assert!((one_d.0 - one.0).abs() > 1e-4, "dropout changes the loss");
    assert_eq!(run(&mut gpt, 2, Some(Dropout { p: 0.0, seed: 9 })), two);
    assert_ne!(run(&mut gpt, 2, Some(Dropout { p: 0.2, seed: 10 })).0, two_d.0, "another seed, other masks");
    assert!((gpt.loss(&theta, &tokens, &targets, 4).unwrap() - one.0).abs() < 1e-6);
    // Near-uniform predictions at initialization: the loss is close to ln V.
    assert!((one.0 - (7f64).ln()).abs() < 0.1, "{}", one.0);
}

#[test]
fn bad_inputs_are_errors() {
    let mut gpt = Gpt::new(TINY).unwrap();
    let theta = vec![0.0; gpt.num_params()];
    let mut grad = vec![0.0; theta.len()];
    assert!(
        gpt.loss_and_grad(&theta, &[1, 2, 3], &[1, 2, 3], 4, &mut grad, false, None).is_err(),
        "not whole sequences"
    );
    assert!(gpt.loss_and_grad(&theta, &[1; 5], &[1; 5], 5, &mut grad, false, None).is_err(), "longer than the context");
    assert!(gpt.loss_and_grad(&theta, &[9; 4], &[1; 4], 4, &mut grad, false, None).is_err(), "outside the vocabulary");
    let bad = Some(Dropout { p: 1.0, seed: 0 });
    assert!(gpt.loss_and_grad(&theta, &[1; 4], &[1; 4], 4, &mut grad, false, bad).is_err(), "dropout p = 1");
    assert!(Gpt::new(GptConfig { n_embd: 9, ..TINY }).is_err());
}
