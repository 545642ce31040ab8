//! Evaluation with batched forwards (every initial condition of a policy in lockstep, one forward per
//! step) gives exactly the episodes of one-at-a-time rollouts, with episodes ending at different steps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use butterfly_envs::mujoco::find_assets_dir;
use butterfly_envs::{Env, Episode, MujocoEnv, Policy, env_rng, evaluate, initial_conditions};
use butterfly_nn::{Activation, Layout};
use butterfly_policy::{MlpPolicy, OutputKind, PolicyMeta};
use rand::SeedableRng;

/// The same policy without its batched interface: `evaluate` falls back to one rollout per episode.
#[derive(Clone)]
struct OneByOne(MlpPolicy);

impl Policy for OneByOne {
    fn obs_dim(&self) -> usize {
        self.0.obs_dim()
    }
    fn act_dim(&self) -> usize {
        self.0.act_dim()
    }
    fn reset(&mut self) {
        self.0.reset()
    }
    fn act(&mut self, obs: &[f64], action: &mut [f64]) {
        self.0.act(obs, action)
    }
}

/// An imitator-shaped policy (previous action in the input, standardized inputs, linear output) with
/// random weights: it falls, at a different step from each initial condition.
fn random_imitator(env: &MujocoEnv, seed: u64) -> MlpPolicy {
    let spec = env.spec();
    let meta = PolicyMeta {
        env: spec.id.to_string(),
        activation: Activation::Relu,
        hidden: vec![64, 64],
        layer_norm: false,
        input_dim: spec.obs_dim + spec.act_dim,
        prev_action: true,
        act_dim: spec.act_dim,
        output: OutputKind::Linear,
        action_low: spec.action_low.clone(),
        action_high: spec.action_high.clone(),
        extra: BTreeMap::new(),
    };
    let theta = Layout::new(meta.mlp_spec()).unwrap().init_params(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    let n = meta.input_dim;
    MlpPolicy::new(meta, theta, Some((vec![0.1; n], vec![2.0; n]))).unwrap()
}

#[test]
fn batched_evaluation_equals_one_rollout_at_a_time() {
    let mut env = MujocoEnv::new("Walker2d-v4", &find_assets_dir(None).unwrap()).unwrap();
    let states = initial_conditions(&mut env, 11, &mut env_rng(3));
    let expert = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experts/Walker2d-v4.safetensors");
    let policies = vec![
        MlpPolicy::load(&expert, Some("Walker2d-v4")).unwrap(),
        random_imitator(&env, 1),
        random_imitator(&env, 2),
    ];
    let one_by_one: Vec<OneByOne> = policies.iter().cloned().map(OneByOne).collect();
    let reference = evaluate(&env, &one_by_one, &states, 400, 1).unwrap();
    for threads in [1, 2] {
        let batched = evaluate(&env, &policies, &states, 400, threads).unwrap();
        assert_eq!(batched, reference, "{threads} thread(s)");
    }
    let all: Vec<&Episode> = reference.iter().flatten().collect();
    assert!(all.iter().any(|e| e.terminated) && all.iter().any(|e| !e.terminated && e.length == 400));
    let lengths: BTreeSet<usize> = all.iter().map(|e| e.length).collect();
    assert!(lengths.len() > 3, "episodes should end at different steps: {lengths:?}");
}
