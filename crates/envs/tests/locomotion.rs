//! Behaviour of the MuJoCo tasks beyond conformance: reset distributions, bookkeeping, bad input,
//! and thread-count invariance of the vectorized envs.

use butterfly_envs::mujoco::find_assets_dir;
use butterfly_envs::{Env, EnvError, MujocoEnv, Replicate, TASK_IDS, Transition, VecEnv, env_rng};
use rand::Rng;

fn make(id: &str) -> MujocoEnv {
    MujocoEnv::new(id, &find_assets_dir(None).expect("Gymnasium assets (run scripts/setup.sh)")).unwrap()
}

#[test]
fn reset_is_reproducible_from_the_seed() {
    for id in TASK_IDS {
        let mut env = make(id);
        env.reset(&mut env_rng(3));
        let (state, obs) = (env.state(), env.observation().to_vec());
        env.reset(&mut env_rng(3));
        assert_eq!(state, env.state(), "{id}");
        assert_eq!(obs, env.observation(), "{id}");
        env.reset(&mut env_rng(4));
        assert_ne!(state, env.state(), "{id}: another seed, another state");
    }
}

#[test]
fn reset_noise_has_gymnasium_scales() {
    // (task, qpos half-width, qvel: uniform half-width or normal std)
    let cases = [
        ("Walker2d-v4", 5e-3, Some(5e-3), None),
        ("Humanoid-v4", 1e-2, Some(1e-2), None),
        ("HalfCheetah-v4", 0.1, None, Some(0.1)),
        ("Walker2d-v5", 5e-3, Some(5e-3), None),
        ("Ant-v5", 0.1, None, Some(0.1)),
    ];
    for (id, pos_scale, vel_uniform, vel_std) in cases {
        let mut env = make(id);
        let qpos0 = env.model().qpos0().to_vec();
        let nq = qpos0.len();
        let mut rng = env_rng(11);
        let (mut max_pos, mut max_vel, mut sum_sq, mut count) = (0.0f64, 0.0f64, 0.0, 0);
        for _ in 0..400 {
            env.reset(&mut rng);
            let s = env.state();
            max_pos = s[..nq].iter().zip(&qpos0).map(|(q, q0)| (q - q0).abs()).fold(max_pos, f64::max);
            max_vel = s[nq..].iter().map(|v| v.abs()).fold(max_vel, f64::max);
            sum_sq += s[nq..].iter().map(|v| v * v).sum::<f64>();
            count += s.len() - nq;
        }
        assert!(max_pos <= pos_scale && max_pos > 0.9 * pos_scale, "{id}: qpos noise reaches {max_pos}");
        if let Some(w) = vel_uniform {
            assert!(max_vel <= w && max_vel > 0.9 * w, "{id}: qvel noise reaches {max_vel}");
        }
        if let Some(std) = vel_std {
            let measured = (sum_sq / count as f64).sqrt();
            assert!((measured / std - 1.0).abs() < 0.05, "{id}: qvel std {measured}, expected {std}");
            assert!(max_vel > 2.5 * std, "{id}: normal noise has tails beyond 2.5σ");
        }
    }
}

#[test]
fn reward_terms_add_up_and_episodes_truncate_at_1000() {
    for id in TASK_IDS {
        let mut env = make(id);
        env.reset(&mut env_rng(0));
        let act_dim = env.spec().act_dim;
        let action = vec![0.1; act_dim];
        let mut last = None;
        for _ in 0..1000 {
            let t = env.step(&action).unwrap();
            let terms = t.terms;
            assert_eq!(t.reward, (terms.forward + terms.healthy) - (terms.ctrl_cost + terms.contact_cost), "{id}");
            assert!(terms.ctrl_cost > 0.0, "{id}");
            last = Some(t);
        }
        assert!(last.unwrap().truncated, "{id}: step 1000 truncates");
        env.reset(&mut env_rng(0));
        assert!(!env.step(&action).unwrap().truncated, "{id}: reset restarts the count");
    }
}

#[test]
fn v5_differs_from_v4_where_gymnasium_says() {
    let dims = |id| {
        let spec = make(id).spec().clone();
        (spec.obs_dim, spec.act_dim)
    };
    assert_eq!(dims("Ant-v5"), (105, 8));
    assert_eq!(dims("Humanoid-v5"), (348, 17));
    // A policy that collapses: v4 pays the healthy reward on the terminal step, v5 does not.
    for (v4, v5) in [("Walker2d-v4", "Walker2d-v5"), ("Hopper-v4", "Hopper-v5"), ("Humanoid-v4", "Humanoid-v5")] {
        let (mut old, mut new) = (make(v4), make(v5));
        old.reset(&mut env_rng(5));
        new.reset(&mut env_rng(5));
        let action = vec![1.0; old.spec().act_dim];
        let first_unhealthy = |env: &mut MujocoEnv| {
            (0..1000).map(|_| env.step(&action).unwrap()).find(|t| t.terminated).expect("the env falls")
        };
        assert!(first_unhealthy(&mut old).terms.healthy > 0.0, "{v4}");
        assert_eq!(first_unhealthy(&mut new).terms.healthy, 0.0, "{v5}");
    }
    // The contact cost: only Ant-v5 and Humanoid-v5 pay it, Humanoid-v5's capped at 10.
    for id in TASK_IDS {
        let mut env = make(id);
        env.reset(&mut env_rng(6));
        let action = vec![1.0; env.spec().act_dim];
        let costs: Vec<f64> = (0..200).map(|_| env.step(&action).unwrap().terms.contact_cost).collect();
        let paid = costs.iter().any(|&c| c > 0.0);
        assert_eq!(paid, id == "Ant-v5" || id == "Humanoid-v5", "{id}");
        assert!(costs.iter().all(|&c| (0.0..=10.0).contains(&c)), "{id}");
    }
}

#[test]
fn reset_to_restores_the_state_exactly() {
    let mut env = make("Ant-v4");
    env.reset(&mut env_rng(1));
    for _ in 0..20 {
        env.step(&[0.3; 8]).unwrap();
    }
    let state = env.state();
    let obs = env.observation().to_vec();
    env.reset(&mut env_rng(2));
    env.reset_to(&state).unwrap();
    assert_eq!(env.state(), state);
    assert_eq!(env.observation(), obs.as_slice());
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let mut env = make("Hopper-v4");
    assert!(matches!(env.step(&[0.0; 2]), Err(EnvError::ActionDim { got: 2, expected: 3, .. })));
    assert!(matches!(env.step(&[0.0, f64::NAN, 0.0]), Err(EnvError::NonFiniteAction { index: 1, .. })));
    assert!(matches!(env.step(&[f64::INFINITY, 0.0, 0.0]), Err(EnvError::NonFiniteAction { index: 0, .. })));
    assert!(matches!(env.reset_to(&[0.0; 5]), Err(EnvError::StateDim { got: 5, expected: 12, .. })));
    let err = MujocoEnv::new("Walker2d-v3", &find_assets_dir(None).unwrap()).err().unwrap();
    assert!(err.to_string().contains("Walker2d-v4"), "the error lists the known envs: {err}");
    let empty = std::env::temp_dir().join(format!("butterfly-no-assets-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    assert!(matches!(find_assets_dir(Some(&empty)), Err(EnvError::AssetsNotFound { .. })));
}

#[test]
fn vectorized_results_do_not_depend_on_thread_count() {
    let run = |threads: usize| -> (Vec<f64>, Vec<f64>) {
        let base = make("Walker2d-v4");
        let envs: Vec<MujocoEnv> = (0..6u64)
            .map(|i| {
                let mut e = base.replicate();
                e.reset(&mut env_rng(i));
                e
            })
            .collect();
        let mut vec = VecEnv::new(envs, threads).unwrap();
        let mut rng = env_rng(99);
        let mut out =
            vec![Transition { reward: 0.0, terms: Default::default(), terminated: false, truncated: false }; 6];
        let mut rewards = Vec::new();
        for _ in 0..200 {
            let actions: Vec<f64> = (0..6 * 6).map(|_| rng.random_range(-1.0..1.0)).collect();
            vec.step(&actions, &mut out).unwrap();
            rewards.extend(out.iter().map(|t| t.reward));
        }
        let mut obs = Vec::new();
        vec.observations_into(&mut obs);
        (rewards, obs)
    };
    let one = run(1);
    let two = run(2);
    assert_eq!(
        one.0.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        two.0.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!(one.1, two.1);
    // And each env of the batch equals the same env stepped alone.
    let mut alone = make("Walker2d-v4");
    alone.reset(&mut env_rng(0));
    let mut rng = env_rng(99);
    for _ in 0..200 {
        let actions: Vec<f64> = (0..6 * 6).map(|_| rng.random_range(-1.0..1.0)).collect();
        alone.step(&actions[..6]).unwrap();
    }
    assert_eq!(alone.observation(), &one.1[..17]);
}

#[test]
fn step_active_leaves_the_inactive_envs_alone() {
    let base = make("Hopper-v4");
    let envs: Vec<MujocoEnv> = (0..3).map(|_| base.replicate()).collect();
    let mut vec = VecEnv::new(envs, 2).unwrap();
    let idle = Transition { reward: -7.0, terms: Default::default(), terminated: false, truncated: false };
    let mut out = vec![idle; 3];
    let before = vec.envs()[1].state();
    // The inactive env's action is not even checked.
    let actions = [0.1, 0.2, 0.3, f64::NAN, 0.0, 0.0, 0.1, 0.2, 0.3];
    vec.step_active(&actions, Some(&[true, false, true]), &mut out).unwrap();
    assert_eq!(vec.envs()[1].state(), before);
    assert_eq!(out[1], idle);
    assert_eq!(out[0], out[2], "the two active envs took the same action from the same state");
}

#[test]
fn set_state_keeps_the_step_count_and_reset_to_restarts_it() {
    let mut env = make("Hopper-v4");
    env.reset(&mut env_rng(0));
    let state = env.state();
    let (qpos, qvel) = (state[..6].to_vec(), state[6..].to_vec());
    for _ in 0..999 {
        env.step(&[0.0; 3]).unwrap();
    }
    env.set_state(&qpos, &qvel).unwrap();
    assert!(env.step(&[0.0; 3]).unwrap().truncated, "step 1000 of the episode, whatever its state");
    env.reset_to(&[qpos.clone(), qvel.clone()].concat()).unwrap();
    assert!(!env.step(&[0.0; 3]).unwrap().truncated);
    assert!(matches!(env.set_state(&qpos[..5], &qvel), Err(EnvError::StateDim { .. })));
}
