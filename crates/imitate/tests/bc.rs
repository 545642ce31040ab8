//! Behavior cloning end to end on the linear system: it reaches the expert, a run cut short and
//! resumed writes the same files as an uninterrupted one, and bad input fails clearly.

use std::path::PathBuf;

use butterfly_envs::{Env, LinearSystem, TaskEnv, env_rng, evaluate, initial_conditions};
use butterfly_imitate::{BcConfig, BcTrainer, ImitateError};

const CONFIG: &str = r#"
env = "LinearSystem"
expert = "linear"
seed = 3
steps = 3000
batch_size = 64

[data]
trajectories = 20
validation_trajectories = 4
horizon = 100

[network]
hidden = [64, 64]

[schedule]
lr = 1e-3

[[stabilizers]]
kind = "ema"
alpha = 0.7
gamma_min = 0.002
burn_in = 500

[[stabilizers]]
kind = "ema"
gamma = 0.01
name = "ema_const"

[[stabilizers]]
kind = "tail"
burn_in = 2000

[eval]
every = 1000
initial_conditions = 10
horizon = 100
log_every = 50
windows = [{ start = 950, length = 100 }]
"#;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-bc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn config() -> BcConfig {
    BcConfig::from_toml(CONFIG).unwrap()
}

/// Mean J_H of (step, variant) rows of eval.csv.
fn mean_return(eval_csv: &str, step: u64, variant: &str) -> f64 {
    let rows: Vec<f64> = eval_csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|c| c[0] == step.to_string() && c[1] == variant)
        .map(|c| c[3].parse().unwrap())
        .collect();
    assert!(!rows.is_empty(), "no rows for {variant} at {step}");
    rows.iter().sum::<f64>() / rows.len() as f64
}

/// The expert's J_H on the config's 10 evaluation initial conditions.
fn expert_return() -> f64 {
    let env = TaskEnv::make("LinearSystem", None).unwrap();
    let states = initial_conditions(&mut TaskEnv::make("LinearSystem", None).unwrap(), 10, &mut env_rng(1));
    let expert = evaluate(&env, &[LinearSystem::double_integrator_expert(1)], &states, 100, 1).unwrap();
    assert_eq!(env.spec().id, "LinearSystem");
    expert[0].iter().map(|e| e.ret).sum::<f64>() / 10.0
}

#[test]
fn reaches_the_experts_return() {
    let dir = scratch("learn");
    let mut trainer = BcTrainer::create(config(), &dir, None).unwrap();
    trainer.run(None, |_| {}).unwrap();
    let eval = std::fs::read_to_string(dir.join("eval.csv")).unwrap();

    let expert_return = expert_return();
    for variant in ["raw", "ema_a0.7_min0.002_b500", "ema_const", "tail_b2000"] {
        let j = mean_return(&eval, 3000, variant);
        eprintln!("{variant}: J_H {j:.3} (expert {expert_return:.3})");
        assert!((j - expert_return).abs() < 0.03 * expert_return.abs(), "{variant}: {j} vs expert {expert_return}");
    }
    let validation = std::fs::read_to_string(dir.join("validation.csv")).unwrap();
    assert_eq!(validation.lines().count(), 1 + 3 * 4, "3 evaluations × 4 variants");
    assert_eq!(eval.lines().count(), 1 + 3 * 4 * 10, "3 evaluations × 4 variants × 10 initial conditions");
    let iterates = std::fs::read_to_string(dir.join("iterates.csv")).unwrap();
    assert_eq!(
        iterates.lines().count(),
        1 + 100 * 4 * 10,
        "every iterate 951..=1050 × 4 variants × 10 initial conditions"
    );
    let steps: std::collections::BTreeSet<&str> =
        iterates.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(
        (steps.first(), steps.last(), steps.len()),
        (Some(&"1000"), Some(&"999"), 100),
        "steps 951..=1050 as text"
    );
}

#[test]
fn a_cut_run_resumes_to_identical_files() {
    let whole = scratch("whole");
    BcTrainer::create(config(), &whole, None).unwrap().run(None, |_| {}).unwrap();

    let cut = scratch("cut");
    let mut first = BcTrainer::create(config(), &cut, None).unwrap();
    // Stops at 1700 as a kill would: rows after the last checkpoint, at the end of the window (1050), exist
    // and must be cut back.
    first.run(Some(1700), |_| {}).unwrap();
    drop(first);
    let metrics_before = std::fs::read_to_string(cut.join("metrics.csv")).unwrap();
    assert!(metrics_before.contains("\n1700,"), "the cut run logged past its checkpoint");
    let mut second = BcTrainer::resume(&cut, None, None).unwrap();
    assert_eq!(second.step(), 1050);
    second.run(None, |_| {}).unwrap();
    for name in
        ["metrics.csv", "eval.csv", "validation.csv", "data/train.safetensors", "checkpoints/latest.safetensors"]
    {
        let a = std::fs::read(whole.join(name)).unwrap();
        let b = std::fs::read(cut.join(name)).unwrap();
        assert!(a == b, "{name} differs after resume");
    }
}

/// A run of `data` mode cut at 1300 and resumed writes the files of an uninterrupted one.
fn resumes_to_identical_files(mode: &str, data: &str) -> PathBuf {
    let text = CONFIG.replace("horizon = 100\n\n[network]", &format!("horizon = 100\n{data}\n\n[network]"));
    let config = BcConfig::from_toml(&text.replace("steps = 3000", "steps = 2000")).unwrap();
    let (whole, cut) = (scratch(&format!("{mode}-whole")), scratch(&format!("{mode}-cut")));
    BcTrainer::create(config.clone(), &whole, None).unwrap().run(None, |_| {}).unwrap();
    BcTrainer::create(config, &cut, None).unwrap().run(Some(1300), |_| {}).unwrap();
    BcTrainer::resume(&cut, None, None).unwrap().run(None, |_| {}).unwrap();
    for name in ["metrics.csv", "eval.csv", "validation.csv"] {
        assert_eq!(std::fs::read(whole.join(name)).unwrap(), std::fs::read(cut.join(name)).unwrap(), "{name}");
    }
    whole
}

#[test]
fn fresh_data_mode_resumes_too() {
    resumes_to_identical_files("fresh", "fresh = true\nrefresh_every = 50");
}

/// Pools of 20 trajectories (2 000 rows, 31 minibatches of 64): the resume at 1000 falls inside a pool.
#[test]
fn a_data_stream_resumes_too_and_learns() {
    let eval = std::fs::read_to_string(resumes_to_identical_files("stream", "stream = true").join("eval.csv")).unwrap();
    let (j, expert) = (mean_return(&eval, 2000, "raw"), expert_return());
    assert!((j - expert).abs() < 0.03 * expert.abs(), "J_H {j} vs expert {expert}");
}

/// A `tanh` head: trained through the squash, exported as a squashed policy, and no action leaves the box.
#[test]
fn a_tanh_head_learns_and_keeps_every_action_in_the_control_range() {
    let mut config = config();
    (config.steps, config.eval.every) = (1000, 250);
    config.eval.windows.clear();
    config.network.output = butterfly_imitate::Head::Tanh;
    let dir = scratch("tanh");
    BcTrainer::create(config, &dir, None).unwrap().run(None, |_| {}).unwrap();
    assert!(std::fs::read_to_string(dir.join("config.toml")).unwrap().contains("output = \"tanh\""));
    let val = std::fs::read_to_string(dir.join("validation.csv")).unwrap();
    let raw: Vec<f64> =
        val.lines().filter(|l| l.contains(",raw,")).map(|l| l.rsplit(',').next().unwrap().parse().unwrap()).collect();
    assert!(raw.last().unwrap() < &(raw[0] / 2.0), "the held-out loss halves through the squash: {raw:?}");
    let butterfly_imitate::ImitatorPolicy::Mlp(policy) =
        butterfly_imitate::export_policy(&dir, "raw", None, None, Default::default()).unwrap()
    else {
        panic!("an MLP imitator")
    };
    assert_eq!(policy.meta().output, butterfly_policy::OutputKind::Tanh);
    // Weights blown up a thousandfold would send a linear head anywhere; the squash holds every action in ±10.
    let big: Vec<f32> = policy.theta().iter().map(|w| w * 1000.0).collect();
    let mut blown = butterfly_policy::MlpPolicy::new(policy.meta().clone(), big, None).unwrap();
    let mut action = [0.0];
    use butterfly_envs::Policy;
    for obs in [[1e3, -1e3], [-7.0, 2.0], [0.0, 0.0]] {
        blown.act(&obs, &mut action);
        assert!(action[0].abs() <= 10.0, "{action:?} for {obs:?}");
    }
}

/// Post-hoc EMA on a real run: the EMA of width 0.10 rebuilt from the kept snapshots of the widths 0.05 and
/// 0.15 is the one tracked directly in a run of the same iterates, far closer to it than the raw iterate is.
#[test]
fn a_power_ema_reconstructed_after_training_matches_the_one_tracked() {
    let run = |name: &str, widths: &[&str]| {
        let mut config = config();
        (config.steps, config.eval.every) = (2000, 100);
        config.eval.windows.clear();
        config.stabilizers =
            widths.iter().map(|s| toml::from_str(&format!("kind = \"power\"\nsigma_rel = {s}")).unwrap()).collect();
        let dir = scratch(name);
        BcTrainer::create(config, &dir, None).unwrap().run(None, |_| {}).unwrap();
        dir
    };
    // Stabilizers do not touch training: both runs have the same iterates.
    let (tracking, direct) = (run("posthoc-two", &["0.05", "0.15"]), run("posthoc-one", &["0.1"]));
    let (rebuilt, used) = butterfly_train::posthoc::reconstruct(&tracking, 0.1, 2000).unwrap();
    assert_eq!(used.len(), 2 * 20, "every kept snapshot of both widths");
    let kept = |dir: &PathBuf, variant: &str| butterfly_train::kept_parameters(dir, variant, Some(2000)).unwrap().theta;
    let (tracked, raw) = (kept(&direct, "power_s0.1"), kept(&direct, "raw"));
    assert_eq!(raw, kept(&tracking, "raw"));
    let dist = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum::<f64>().sqrt();
    let (off, swing) = (dist(&rebuilt, &tracked), dist(&raw, &tracked));
    eprintln!("post-hoc σ_rel 0.10 at step 2000: {off:.3e} from the tracked EMA (the raw iterate: {swing:.3e})");
    assert!(off < 0.01 * swing, "rebuilt is {off} from the tracked EMA, the raw iterate {swing}");
    let err = butterfly_train::posthoc::reconstruct(&direct, 0.1, 1950).err().unwrap().to_string();
    assert!(err.contains("kept no parameters at step 1950"), "{err}");

    // Checkpoint averages from the same kept iterates: LAWA of the last 3, and the tail from 1800.
    let mean = |steps: &[u64]| -> Vec<f32> {
        let thetas: Vec<Vec<f32>> =
            steps.iter().map(|&s| butterfly_train::kept_parameters(&direct, "raw", Some(s)).unwrap().theta).collect();
        (0..thetas[0].len())
            .map(|i| (thetas.iter().map(|t| t[i] as f64).sum::<f64>() / steps.len() as f64) as f32)
            .collect()
    };
    // Read through one KeptTensors, as `stabilize` does: each kept file once, however many averages use it.
    let mut kept = butterfly_train::KeptTensors::new(&direct);
    use butterfly_train::posthoc::{lawa, tail_average};
    assert_eq!(lawa(&mut kept, 3, 2000).unwrap(), mean(&[1800, 1900, 2000]));
    assert_eq!(lawa(&mut kept, 50, 300).unwrap(), mean(&[100, 200, 300]), "fewer at the start");
    assert_eq!(tail_average(&mut kept, 1800, 2000).unwrap(), mean(&[1800, 1900, 2000]));
    assert!(lawa(&mut kept, 0, 2000).is_err());
}

/// The one resume rule: a run resumes with its config, except its length (`steps`).
#[test]
fn a_resumed_run_may_change_its_length_and_nothing_else() {
    let mut config = config();
    config.steps = 2000;
    config.eval.windows.clear();
    let whole = scratch("long-whole");
    BcTrainer::create(config.clone(), &whole, None).unwrap().run(None, |_| {}).unwrap();
    let short = scratch("long-short");
    BcTrainer::create(BcConfig { steps: 1000, ..config.clone() }, &short, None).unwrap().run(None, |_| {}).unwrap();
    let err = BcTrainer::resume(&short, None, Some(500)).err().expect("refused").to_string();
    assert!(err.contains("checkpointed at step 1000") && err.contains("500"), "{err}");
    // Extended to the whole run's length: the files of a run that was that long from the start.
    let mut longer = BcTrainer::resume(&short, None, Some(2000)).unwrap();
    assert_eq!((longer.step(), longer.total_steps()), (1000, 2000));
    longer.run(None, |_| {}).unwrap();
    drop(longer);
    for name in ["config.toml", "metrics.csv", "eval.csv", "validation.csv", "checkpoints/latest.safetensors"] {
        assert!(std::fs::read(whole.join(name)).unwrap() == std::fs::read(short.join(name)).unwrap(), "{name}");
    }
    // Any other edit is refused, naming the key.
    let edited =
        std::fs::read_to_string(short.join("config.toml")).unwrap().replacen("batch_size = 64", "batch_size = 32", 1);
    std::fs::write(short.join("config.toml"), edited).unwrap();
    let err = BcTrainer::resume(&short, None, Some(2500)).err().expect("refused").to_string();
    assert!(err.contains("changed: batch_size)"), "{err}");
}

#[test]
fn bad_configs_name_the_problem() {
    let err = BcConfig::from_toml(&CONFIG.replace("batch_size = 64", "batch_size = 64\nbatchsize = 3")).unwrap_err();
    assert!(err.to_string().contains("batchsize"), "{err}");
    let err =
        BcConfig::from_toml(&CONFIG.replace("[network]\nhidden = [64, 64]", "[network]\nhidden = [64, 64]\nwidth = 3"))
            .unwrap_err();
    assert!(err.to_string().contains("width"), "{err}");
    let err = BcConfig::from_toml(&CONFIG.replace("lr = 1e-3", "lr = -1.0")).unwrap_err();
    assert!(err.to_string().contains("lr"), "{err}");
    let dir = scratch("twice");
    let mut small = config();
    small.steps = 10;
    small.eval.windows.clear();
    BcTrainer::create(small.clone(), &dir, None).unwrap().run(Some(5), |_| {}).unwrap();
    let other = BcConfig { seed: 1, ..small.clone() };
    let err = BcTrainer::create(other, &dir, None).err().unwrap();
    assert!(err.to_string().contains("another config"), "no run is overwritten: {err}");
    // The same config continues the run in place of starting it again.
    assert_eq!(BcTrainer::create(small, &dir, None).unwrap().step(), 0);
    let err = BcTrainer::resume(&scratch("empty"), None, None).err().unwrap();
    assert!(err.to_string().contains("config.toml"), "{err}");
}

#[test]
fn divergence_stops_and_keeps_the_last_checkpoint() {
    let dir = scratch("diverge");
    let text = CONFIG.replace("lr = 1e-3", "lr = 1e30") + "\n[optimizer]\nkind = \"sgd\"\n";
    let mut trainer = BcTrainer::create(BcConfig::from_toml(&text).unwrap(), &dir, None).unwrap();
    let err = trainer.run(None, |_| {}).unwrap_err();
    assert!(matches!(err, ImitateError::Train(butterfly_train::TrainError::Diverged { checkpoint: 0, .. })), "{err}");
    assert!(err.to_string().contains("lower the learning rate"), "{err}");
}

/// The Transformer imitator on the same pipeline: windows of 4 steps, with dropout.
fn transformer_config() -> BcConfig {
    let text = CONFIG.replace(
        "[network]\nhidden = [64, 64]",
        "[network]\nkind = \"transformer\"\nwindow = 4\nn_layer = 1\nn_head = 2\nn_embd = 16\ndropout = 0.05",
    );
    BcConfig::from_toml(&text).unwrap()
}

#[test]
fn a_transformer_imitator_reaches_the_expert_and_resumes_to_identical_files() {
    let whole = scratch("transformer-whole");
    BcTrainer::create(transformer_config(), &whole, None).unwrap().run(None, |_| {}).unwrap();
    let eval = std::fs::read_to_string(whole.join("eval.csv")).unwrap();
    let states = initial_conditions(&mut TaskEnv::make("LinearSystem", None).unwrap(), 10, &mut env_rng(1));
    let env = TaskEnv::make("LinearSystem", None).unwrap();
    let expert = evaluate(&env, &[LinearSystem::double_integrator_expert(1)], &states, 100, 1).unwrap();
    let expert_return = expert[0].iter().map(|e| e.ret).sum::<f64>() / 10.0;
    for variant in ["raw", "ema_a0.7_min0.002_b500"] {
        let j = mean_return(&eval, 3000, variant);
        eprintln!("transformer {variant}: J_H {j:.3} (expert {expert_return:.3})");
        assert!((j - expert_return).abs() < 0.05 * expert_return.abs(), "{variant}: {j} vs expert {expert_return}");
    }
    let untrained = mean_return(&eval, 1000, "raw");
    assert!(untrained.is_finite());

    let cut = scratch("transformer-cut");
    BcTrainer::create(transformer_config(), &cut, None).unwrap().run(Some(1700), |_| {}).unwrap();
    BcTrainer::resume(&cut, None, None).unwrap().run(None, |_| {}).unwrap();
    for name in ["metrics.csv", "eval.csv", "validation.csv", "iterates.csv", "checkpoints/latest.safetensors"] {
        assert!(
            std::fs::read(whole.join(name)).unwrap() == std::fs::read(cut.join(name)).unwrap(),
            "{name} differs after resume"
        );
    }
}

#[test]
fn network_keys_of_the_other_kind_are_refused() {
    let mlp_with_window = CONFIG.replace("hidden = [64, 64]", "hidden = [64, 64]\nwindow = 4");
    assert!(BcConfig::from_toml(&mlp_with_window).unwrap_err().to_string().contains("transformer"));
    let transformer_with_hidden = CONFIG.replace("hidden = [64, 64]", "kind = \"transformer\"\nhidden = [64, 64]");
    assert!(BcConfig::from_toml(&transformer_with_hidden).unwrap_err().to_string().contains("MLP"));
    let bad_heads = CONFIG.replace("hidden = [64, 64]", "kind = \"transformer\"\nn_head = 3\nn_embd = 16");
    assert!(BcConfig::from_toml(&bad_heads).unwrap_err().to_string().contains("multiple of n_head"));
    let long_window = CONFIG.replace("hidden = [64, 64]", "kind = \"transformer\"\nwindow = 101");
    let err =
        BcTrainer::create(BcConfig::from_toml(&long_window).unwrap(), &scratch("long-window"), None).err().unwrap();
    assert!(err.to_string().contains("shortest expert trajectory"), "{err}");
    // An MLP config is written back as it always was (run directories made before keep resuming).
    let network =
        |c: BcConfig| c.to_toml().split("[network]").nth(1).unwrap().split("\n\n").next().unwrap().to_string();
    assert_eq!(network(config()), "\nhidden = [64, 64]\nactivation = \"relu\"\nlayer_norm = false\ndropout = 0.0");
    assert!(network(transformer_config()).starts_with("\nkind = \"transformer\"\n"));
}

#[test]
fn seeds_share_one_cached_dataset_and_results_do_not_depend_on_the_cache() {
    use butterfly_envs::Purpose;
    use butterfly_imitate::DataKey;
    // A data seed no other test uses, so that this test alone touches its cache files.
    let text = CONFIG
        .replace(
            "horizon = 100\n\n[network]",
            "horizon = 100\nseed = 777\nfresh = true\nrefresh_every = 50\n\n[network]",
        )
        .replace("steps = 3000", "steps = 1000")
        .replace("windows = [{ start = 950, length = 100 }]", "");
    let config = BcConfig::from_toml(&text).unwrap();
    let cache = butterfly_store::cache_dir().unwrap().join("data");
    let key = |n, purpose| DataKey::of("LinearSystem", "linear", n, 100, 777, purpose).unwrap();
    let cached = cache.join(key(20, Purpose::TrainData).file_name());
    for k in [key(20, Purpose::TrainData), key(4, Purpose::ValidationData)] {
        let _ = std::fs::remove_file(cache.join(k.file_name()));
    }

    let cold = scratch("cache-cold");
    BcTrainer::create(config.clone(), &cold, None).unwrap().run(None, |_| {}).unwrap();
    assert!(cached.is_file(), "the first run caches its data");
    let warm = scratch("cache-warm");
    BcTrainer::create(config.clone(), &warm, None).unwrap().run(None, |_| {}).unwrap();
    // A corrupted cache file is not used: the data is collected again.
    let mut bytes = std::fs::read(&cached).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::remove_file(&cached).unwrap();
    std::fs::write(&cached, &bytes).unwrap();
    let recollected = scratch("cache-corrupt");
    BcTrainer::create(config.clone(), &recollected, None).unwrap().run(None, |_| {}).unwrap();
    for name in ["metrics.csv", "eval.csv", "validation.csv", "data/train.safetensors"] {
        let a = std::fs::read(cold.join(name)).unwrap();
        assert!(a == std::fs::read(warm.join(name)).unwrap(), "{name}: cached data changed the run");
        assert!(a == std::fs::read(recollected.join(name)).unwrap(), "{name}: a corrupt cache changed the run");
    }

    // Another training seed on the same data seed: the same dataset, stored once.
    let mut other = config;
    other.seed = 4;
    let seed4 = scratch("cache-seed4");
    BcTrainer::create(other, &seed4, None).unwrap().run(Some(100), |_| {}).unwrap();
    assert_eq!(std::fs::read(seed4.join("data/train.safetensors")).unwrap(), std::fs::read(&cached).unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let inode = |p: &std::path::Path| std::fs::metadata(p).unwrap().ino();
        assert_eq!(inode(&seed4.join("data/train.safetensors")), inode(&cached), "a hard link, not a copy");
    }
    let first_loss =
        |dir: &PathBuf| std::fs::read_to_string(dir.join("metrics.csv")).unwrap().lines().nth(1).unwrap().to_string();
    assert_ne!(first_loss(&cold), first_loss(&seed4), "the training seed still changes the run");
}

#[test]
fn bema_on_a_run_follows_its_definition_and_resumes() {
    use butterfly_store::TensorFile;
    // Every step kept, so that BEMA can be recomputed from the raw iterates by its definition.
    let text = CONFIG
        .replace("steps = 3000", "steps = 40")
        .replace(
            "[[stabilizers]]\nkind = \"ema\"\nalpha = 0.7",
            "[[stabilizers]]\nkind = \"bema\"\nname = \"bema\"\nburn_in = 5\nevery = 3\n\n[[stabilizers]]\nkind = \"ema\"\nalpha = 0.7",
        )
        .replace("every = 1000", "every = 1")
        .replace("windows = [{ start = 950, length = 100 }]", "")
        .replace("log_every = 50", "log_every = 1");
    let config = BcConfig::from_toml(&text).unwrap();
    let whole = scratch("bema-whole");
    BcTrainer::create(config.clone(), &whole, None).unwrap().run(None, |_| {}).unwrap();
    let kept = |dir: &PathBuf, step: u64, variant: &str| -> Vec<f32> {
        let path = dir.join(format!("checkpoints/params_{step:08}.safetensors"));
        TensorFile::load(&path).unwrap().f32(variant).unwrap().to_vec()
    };
    let anchor = kept(&whole, 5, "raw");
    let mut mu = anchor.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let mut out = mu.clone();
    assert_eq!(kept(&whole, 5, "bema"), anchor, "at the end of the burn-in the output is the iterate");
    for s in 6..=40u64 {
        let theta = kept(&whole, s, "raw");
        if (s - 5) % 3 == 0 {
            let x = 10.0 + (s - 5) as f64;
            let (beta, c) = (x.powf(-0.5), x.powf(-0.2));
            for i in 0..mu.len() {
                mu[i] = (1.0 - beta) * mu[i] + beta * theta[i] as f64;
                out[i] = mu[i] + c * (theta[i] as f64 - anchor[i] as f64);
            }
        }
        let got = kept(&whole, s, "bema");
        let worst = got.iter().zip(&out).map(|(&g, &w)| (g as f64 - w).abs()).fold(0.0, f64::max);
        assert!(worst < 1e-5, "step {s}: BEMA off its definition by {worst}");
    }
    assert_ne!(kept(&whole, 40, "bema"), kept(&whole, 40, "raw"));
    // Cut at 17 (checkpointed at every step) and resumed: the same files.
    let cut = scratch("bema-cut");
    BcTrainer::create(config, &cut, None).unwrap().run(Some(17), |_| {}).unwrap();
    BcTrainer::resume(&cut, None, None).unwrap().run(None, |_| {}).unwrap();
    for name in ["metrics.csv", "eval.csv", "validation.csv", "checkpoints/params_00000040.safetensors"] {
        assert!(std::fs::read(whole.join(name)).unwrap() == std::fs::read(cut.join(name)).unwrap(), "{name}");
    }
}

#[test]
fn a_window_can_judge_only_the_variants_it_names() {
    let text = CONFIG.replace("steps = 3000", "steps = 1100").replace(
        "windows = [{ start = 950, length = 100 }]",
        "windows = [{ start = 950, length = 20, variants = [\"raw\", \"ema_const\"] }]",
    );
    let dir = scratch("window-variants");
    BcTrainer::create(BcConfig::from_toml(&text).unwrap(), &dir, None).unwrap().run(None, |_| {}).unwrap();
    let iterates = std::fs::read_to_string(dir.join("iterates.csv")).unwrap();
    let variants: std::collections::BTreeSet<&str> =
        iterates.lines().skip(1).map(|l| l.split(',').nth(1).unwrap()).collect();
    assert_eq!(variants.into_iter().collect::<Vec<_>>(), ["ema_const", "raw"]);
    assert_eq!(iterates.lines().count(), 1 + 20 * 2 * 10, "20 iterates × 2 variants × 10 initial conditions");
    let bad = text.replace("\"ema_const\"]", "\"ema_typo\"]");
    let err = BcConfig::from_toml(&bad).unwrap_err().to_string();
    assert!(err.contains("ema_typo") && err.contains("ema_const"), "{err}");
}
