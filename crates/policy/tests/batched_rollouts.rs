//! Evaluation with batched forwards (every initial condition of a policy in lockstep, one forward per
//! step) gives exactly the episodes of one-at-a-time rollouts, with episodes ending at different steps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use butterfly_envs::mujoco::find_assets_dir;
use butterfly_envs::{Env, Episode, MujocoEnv, Policy, Replicate, env_rng, evaluate, initial_conditions};
use butterfly_gpt::{ImitatorShape, ImitatorTable};
use butterfly_nn::{Activation, Layout};
use butterfly_policy::{MlpPolicy, OutputKind, PolicyMeta, TransformerMeta, TransformerPolicy};
use rand::SeedableRng;

/// The same policy without its batched interface: `evaluate` falls back to one rollout per episode.
#[derive(Clone)]
struct OneByOne<P>(P);

impl<P: Policy + Clone> Policy for OneByOne<P> {
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

/// A Transformer imitator over windows of 6 steps with random weights (scaled up from the
/// initialization so that the history matters): it too falls at different steps.
fn random_transformer(env: &MujocoEnv, seed: u64, scale: f32) -> TransformerPolicy {
    let spec = env.spec();
    let d = spec.obs_dim + spec.act_dim;
    let shape = ImitatorShape { input: d, output: spec.act_dim, window: 6, n_layer: 2, n_head: 2, n_embd: 16 };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let theta: Vec<f32> = ImitatorTable::new(&shape).init(&mut rng).iter().map(|x| scale * x).collect();
    let meta = TransformerMeta {
        env: spec.id.to_string(),
        shape,
        action_low: spec.action_low.clone(),
        action_high: spec.action_high.clone(),
        extra: BTreeMap::new(),
    };
    TransformerPolicy::new(meta, theta, Some((vec![0.1; d], vec![2.0; d]))).unwrap()
}

/// Batched evaluation on 1 and 2 threads against one rollout at a time; returns the episodes.
fn check_batched<P: Policy + Clone + Sync>(env: &MujocoEnv, policies: &[P]) -> Vec<Episode> {
    let mut env = env.replicate();
    let states = initial_conditions(&mut env, 11, &mut env_rng(3));
    let one_by_one: Vec<OneByOne<P>> = policies.iter().cloned().map(OneByOne).collect();
    let reference = evaluate(&env, &one_by_one, &states, 400, 1).unwrap();
    for threads in [1, 2] {
        let batched = evaluate(&env, policies, &states, 400, threads).unwrap();
        assert_eq!(batched, reference, "{threads} thread(s)");
    }
    reference.concat()
}

/// Episodes end at more than 3 different steps.
fn assert_varied_ends(all: &[Episode]) {
    let lengths: BTreeSet<usize> = all.iter().map(|e| e.length).collect();
    assert!(
        all.iter().any(|e| e.terminated) && lengths.len() > 3,
        "episodes should end at different steps: {lengths:?}"
    );
}

#[test]
fn batched_evaluation_equals_one_rollout_at_a_time() {
    let env = MujocoEnv::new("Walker2d-v4", &find_assets_dir(None).unwrap()).unwrap();
    let expert = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experts/Walker2d-v4.safetensors");
    let policies = vec![
        MlpPolicy::load(&expert, Some("Walker2d-v4")).unwrap(),
        random_imitator(&env, 1),
        random_imitator(&env, 2),
    ];
    let all = check_batched(&env, &policies);
    assert_varied_ends(&all);
    assert!(all.iter().any(|e| !e.terminated && e.length == 400));
}

#[test]
fn batched_transformer_evaluation_equals_one_rollout_at_a_time_and_files_round_trip() {
    let env = MujocoEnv::new("Walker2d-v4", &find_assets_dir(None).unwrap()).unwrap();
    let policies =
        vec![random_transformer(&env, 1, 20.0), random_transformer(&env, 2, 20.0), random_transformer(&env, 3, 1.0)];
    // Random Transformers fall within tens of steps on Walker2d, each initial condition at its own
    // step (the window of 6 slides before most ends); HalfCheetah never ends early, so there the
    // window slides for the whole horizon.
    assert_varied_ends(&check_batched(&env, &policies));
    let cheetah = MujocoEnv::new("HalfCheetah-v4", &find_assets_dir(None).unwrap()).unwrap();
    let cheetahs = vec![random_transformer(&cheetah, 4, 20.0), random_transformer(&cheetah, 5, 1.0)];
    assert!(check_batched(&cheetah, &cheetahs).iter().all(|e| !e.terminated && e.length == 400));
    let dir = std::env::temp_dir().join(format!("butterfly-transformer-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("policy.safetensors");
    policies[0].save(&path).unwrap();
    let loaded = TransformerPolicy::load(&path).unwrap();
    assert_eq!(loaded.theta(), policies[0].theta());
    assert_eq!(loaded.meta(), policies[0].meta());
    let mut env = env.replicate();
    let states = initial_conditions(&mut env, 3, &mut env_rng(4));
    let (a, b) =
        (evaluate(&env, &[loaded], &states, 200, 1).unwrap(), evaluate(&env, &policies[..1], &states, 200, 1).unwrap());
    assert_eq!(a, b, "the loaded policy acts as the saved one");
    assert!(MlpPolicy::load(&path, None).is_err(), "a Transformer file is not an MLP");
    std::fs::remove_dir_all(&dir).unwrap();
}
