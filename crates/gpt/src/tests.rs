//! The whole model against finite differences in f64, and the f32 model's threads against each other.

use rand::SeedableRng;

use crate::model::Worker;
use crate::ops::check::{Rand, grad_check};
use crate::{Gpt, GptConfig, ParamTable};

const TINY: GptConfig = GptConfig { vocab_size: 7, context: 4, n_layer: 2, n_head: 2, n_embd: 8 };

#[test]
fn the_whole_tiny_model_matches_finite_differences() {
    let table = ParamTable::new(&TINY);
    // Random parameters everywhere (biases and gains included), scaled so that every path matters.
    let theta: Vec<f64> = Rand::new(7).vec(table.total).iter().map(|x| 0.5 * x).collect();
    let (tokens, targets) = ([1u32, 3, 0, 6, 2, 2, 5, 4], [3u32, 0, 6, 1, 2, 5, 4, 4]);
    let loss = |theta: &[f64]| {
        let mut w = Worker::<f64>::default();
        w.resize(&TINY, 2, 4);
        w.forward(&TINY, &table, theta, &tokens, Some(&targets)) / 8.0
    };
    let mut w = Worker::<f64>::default();
    w.resize(&TINY, 2, 4);
    w.forward(&TINY, &table, &theta, &tokens, Some(&targets));
    let mut grad = vec![0.0; table.total];
    w.backward(&TINY, &table, &theta, &tokens, &targets, 1.0 / 8.0, &mut grad);
    grad_check(&theta, &grad, loss);
}

#[test]
fn two_threads_agree_with_one_and_runs_repeat_bit_for_bit() {
    let mut gpt = Gpt::new(TINY).unwrap();
    let theta = gpt.table.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
    let tokens: Vec<u32> = (0..24).map(|i| (i * 5 % 7) as u32).collect();
    let targets: Vec<u32> = (0..24).map(|i| ((i * 5 + 1) % 7) as u32).collect();
    let run = |gpt: &mut Gpt, threads: usize| {
        butterfly_nn::set_num_threads(threads).unwrap();
        let mut grad = vec![0.0; theta.len()];
        let loss = gpt.loss_and_grad(&theta, &tokens, &targets, 4, &mut grad, false).unwrap();
        (loss, grad)
    };
    let (one, two, again) = (run(&mut gpt, 1), run(&mut gpt, 2), run(&mut gpt, 2));
    butterfly_nn::set_num_threads(1).unwrap();
    assert_eq!(two, again, "the same thread count repeats bit for bit");
    assert!((one.0 - two.0).abs() < 1e-6 * one.0.abs());
    for (a, b) in one.1.iter().zip(&two.1) {
        assert!((a - b).abs() <= 1e-5 * a.abs().max(1e-3), "{a} vs {b}");
    }
    assert!((gpt.loss(&theta, &tokens, &targets, 4).unwrap() - one.0).abs() < 1e-6);
    // Near-uniform predictions at initialization: the loss is close to ln V.
    assert!((one.0 - (7f64).ln()).abs() < 0.1, "{}", one.0);
}

#[test]
fn bad_inputs_are_errors() {
    let mut gpt = Gpt::new(TINY).unwrap();
    let theta = vec![0.0; gpt.num_params()];
    let mut grad = vec![0.0; theta.len()];
    assert!(gpt.loss_and_grad(&theta, &[1, 2, 3], &[1, 2, 3], 4, &mut grad, false).is_err(), "not whole sequences");
    assert!(gpt.loss_and_grad(&theta, &[1; 5], &[1; 5], 5, &mut grad, false).is_err(), "longer than the context");
    assert!(gpt.loss_and_grad(&theta, &[9; 4], &[1; 4], 4, &mut grad, false).is_err(), "outside the vocabulary");
    assert!(Gpt::new(GptConfig { n_embd: 9, ..TINY }).is_err());
}
