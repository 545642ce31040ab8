//! The twin critics on two threads (side by side, each network single-threaded) compute what they
//! compute on one.

use butterfly_sac::{SacRng, TwinCritic};
use rand::{Rng, SeedableRng};

fn random_vec(n: usize, rng: &mut SacRng) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

#[test]
fn critics_on_two_threads_match_one_thread() {
    let mut rng = SacRng::seed_from_u64(9);
    let (obs_dim, act_dim, batch) = (17, 6, 256);
    let critic = TwinCritic::new(obs_dim, act_dim, &[256, 256]).unwrap();
    let theta = critic.init_params(&mut rng);
    let obs = random_vec(batch * obs_dim, &mut rng);
    let act = random_vec(batch * act_dim, &mut rng);
    let y = random_vec(batch, &mut rng);
    let run = |threads: usize| {
        let mut critic = critic.clone().with_threads(butterfly_nn::Threads::new(threads).unwrap());
        let mut grad = vec![0.0; theta.len()];
        let loss = critic.regress(&theta, &obs, &act, &y, &mut grad).unwrap();
        let mut d_act = Vec::new();
        critic.action_gradient(&theta, &obs, &act, &mut d_act).unwrap();
        (loss, grad, d_act, critic.q(0).to_vec(), critic.q(1).to_vec())
    };
    let one = run(1);
    let two = run(2);
    let close = |what: &str, a: &[f32], b: &[f32]| {
        let scale = a.iter().fold(0f32, |m, x| m.max(x.abs()));
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= 1e-5 * scale, "{what}[{i}]: {x} (1 thread) vs {y} (2 threads)");
        }
    };
    assert!((one.0 - two.0).abs() < 1e-6 * one.0.abs());
    close("dL/dθ", &one.1, &two.1);
    close("dL/da", &one.2, &two.2);
    close("Q1", &one.3, &two.3);
    close("Q2", &one.4, &two.4);
    // The second critic's half of θ got a gradient, not only the first's.
    assert!(two.1[theta.len() / 2..].iter().any(|g| *g != 0.0));
    assert_eq!(two, run(2), "two runs on two threads are bit-identical");
}
