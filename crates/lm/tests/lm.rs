//! The LM path end to end on a small text the test writes: prepare, train, resume to identical files,
//! sample; and the bad inputs a user meets.

use std::path::{Path, PathBuf};

use butterfly_lm::data::corpus::CorpusFormat as CorpusFormatArg;
use butterfly_lm::{LmConfig, LmTrainer, PrepareSpec, SampleSpec, prepare, sample};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-lm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Short stories in TinyStories' txt format, varied enough that a model has something to learn.
fn corpus(dir: &Path) -> PathBuf {
    let names = ["Tom", "Lily", "Ben", "Sue", "Max"];
    let things = ["ball", "kite", "cake", "dog", "book"];
    let mut text = String::new();
    for k in 0..200 {
        let (n, t) = (names[k % 5], things[(k / 5) % 5]);
        text.push_str(&format!("Once upon a time, {n} had a red {t}. {n} liked the {t} very much.\n<|endoftext|>\n"));
    }
    let path = dir.join("stories.txt");
    std::fs::write(&path, text).unwrap();
    path
}

/// The test corpus in `dir`, prepared into `dir/data` with a character tokenizer.
fn prepared(dir: &Path) -> (PathBuf, butterfly_lm::Prepared) {
    let data = dir.join("data");
    let spec = PrepareSpec {
        inputs: vec![corpus(dir)],
        format: CorpusFormatArg::TinystoriesTxt,
        bpe_vocab: None,
        val_fraction: 0.1,
    };
    let done = prepare(&spec, &data, false).unwrap();
    (data, done)
}

fn config(data: &Path, steps: u64) -> LmConfig {
    LmConfig::from_toml(&format!(
        r#"
data = "{}"
seed = 0
steps = {steps}
batch_size = 4
seq_len = 16
threads = 1

[model]
n_layer = 2
n_head = 2
n_embd = 16
context = 16

[schedule]
lr = 3e-3

[[stabilizers]]
kind = "ema"
name = "ema"
alpha = 0.7
gamma_min = 0.01
burn_in = 20

[eval]
every = 40
val_batches = 2
log_every = 10
windows = [{{ start = 50, length = 5 }}]
"#,
        data.display()
    ))
    .unwrap()
}

#[test]
fn window_generations_of_every_iterate_resume_across_a_checkpoint() {
    let dir = scratch("window-generations");
    let (data, _) = prepared(&dir);
    // A window of updates 35..=44 around the checkpoint at 40, every iterate's continuations judged.
    let with_probe = || {
        let mut c = config(&data, 60);
        c.eval.windows = vec![butterfly_train::Window { start: 35, length: 10, variants: vec![] }];
        c.eval.window_generations = Some(butterfly_lm::WindowGenerations { prompts: 6, prompt_tokens: 4, tokens: 8 });
        c
    };
    let (whole, cut) = (dir.join("whole"), dir.join("cut"));
    LmTrainer::create(with_probe(), &whole, ()).unwrap().run(None, |_| {}).unwrap();
    let rows =
        butterfly_store::read_log::<butterfly_lm::analysis::window_probe::IterateBifurcationRow>(&whole).unwrap();
    assert_eq!(rows.len(), 9 * 2, "every pair of consecutive window iterates, raw and EMA");
    for r in &rows {
        assert_eq!(r.0.from_step + 1, r.0.step);
        assert!((0.0..=8.0).contains(&r.0.first_difference) && (0.0..=1.0).contains(&r.0.teacher_forced));
    }
    assert!(
        rows.iter().any(|r| r.0.variant == "raw" && r.0.diverged > 0.0),
        "raw iterates one update apart part somewhere"
    );
    // Killed inside the window after the checkpoint at 40: the resumed run writes the same rows.
    LmTrainer::create(with_probe(), &cut, ()).unwrap().run(Some(42), |_| {}).unwrap();
    let mut resumed = LmTrainer::resume(&cut, (), None).unwrap();
    assert_eq!(resumed.step(), 40);
    resumed.run(None, |_| {}).unwrap();
    for name in ["iterate_generations.csv", "iterates.csv", "checkpoints/latest.safetensors"] {
        assert!(std::fs::read(whole.join(name)).unwrap() == std::fs::read(cut.join(name)).unwrap(), "{name} differs");
    }
    // A probe that cannot fit the context is refused before a run directory is made.
    let mut too_long = with_probe();
    too_long.eval.window_generations =
        Some(butterfly_lm::WindowGenerations { prompts: 6, prompt_tokens: 10, tokens: 10 });
    let err = LmTrainer::create(too_long, &dir.join("refused"), ()).err().expect("refused").to_string();
    assert!(err.contains("must fit the context (16)"), "{err}");
    assert!(!dir.join("refused").exists());
}

#[test]
fn prepare_train_resume_and_sample() {
    let dir = scratch("e2e");
    let (data, prepared) = prepared(&dir);
    assert_eq!(prepared.documents, 200);

    let whole = dir.join("whole");
    let mut trainer = LmTrainer::create(config(&data, 120), &whole, ()).unwrap();
    trainer.run(None, |_| {}).unwrap();
    let val = std::fs::read_to_string(whole.join("validation.csv")).unwrap();
    let losses: Vec<f64> = val
        .lines()
        .skip(1)
        .filter(|l| l.contains(",raw,"))
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(losses.last().unwrap() < &(0.7 * (prepared.vocab_size as f64).ln()), "the model learns: {losses:?}");
    let iterates = std::fs::read_to_string(whole.join("iterates.csv")).unwrap();
    assert_eq!(iterates.lines().count(), 1 + 5 * 2, "every iterate of the window, raw and EMA");
    drop(trainer);

    let cut = dir.join("cut");
    LmTrainer::create(config(&data, 120), &cut, ()).unwrap().run(Some(70), |_| {}).unwrap();
    let mut resumed = LmTrainer::resume(&cut, (), None).unwrap();
    assert_eq!(resumed.step(), 55, "from the last checkpoint: the end of the window 51..=55");
    resumed.run(None, |_| {}).unwrap();
    for name in ["metrics.csv", "validation.csv", "iterates.csv", "checkpoints/latest.safetensors"] {
        assert!(std::fs::read(whole.join(name)).unwrap() == std::fs::read(cut.join(name)).unwrap(), "{name} differs");
    }

    // With dropout: other training losses, the same bit-identical resume (the masks' seeds come from the
    // checkpointed stream).
    let with_dropout = || {
        let mut c = config(&data, 120);
        c.model.dropout = 0.1;
        c
    };
    let (dropped, dropped_cut) = (dir.join("dropout"), dir.join("dropout-cut"));
    LmTrainer::create(with_dropout(), &dropped, ()).unwrap().run(None, |_| {}).unwrap();
    LmTrainer::create(with_dropout(), &dropped_cut, ()).unwrap().run(Some(70), |_| {}).unwrap();
    LmTrainer::resume(&dropped_cut, (), None).unwrap().run(None, |_| {}).unwrap();
    for name in ["metrics.csv", "validation.csv", "iterates.csv"] {
        assert!(
            std::fs::read(dropped.join(name)).unwrap() == std::fs::read(dropped_cut.join(name)).unwrap(),
            "{name} differs"
        );
    }
    assert_ne!(std::fs::read(dropped.join("metrics.csv")).unwrap(), std::fs::read(whole.join("metrics.csv")).unwrap());

    let spec = SampleSpec {
        variant: "ema".into(),
        step: None,
        prompt: "Once upon".into(),
        tokens: 30,
        temperature: 0.0,
        top_k: None,
        seed: 0,
    };
    let text = sample(&whole, &spec).unwrap();
    assert!(text.starts_with("Once upon") && text.chars().count() > 30, "{text}");
    assert_eq!(sample(&whole, &spec).unwrap(), text, "greedy sampling repeats");
    let err = sample(&whole, &SampleSpec { prompt: "Zebra!".into(), ..spec.clone() }).unwrap_err().to_string();
    assert!(err.contains("'Z'"), "{err}");
    let err = sample(&whole, &SampleSpec { variant: "nope".into(), ..spec }).unwrap_err().to_string();
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn bad_data_is_refused_before_a_run_is_made() {
    let dir = scratch("bad");
    let (data, _) = prepared(&dir);
    let shard = std::fs::read(data.join("train.bin")).unwrap();
    std::fs::write(data.join("train.bin"), &shard[..shard.len() - 3]).unwrap();
    let run = dir.join("run");
    let err = LmTrainer::create(config(&data, 60), &run, ()).err().unwrap().to_string();
    assert!(err.contains("train.bin") && err.contains("truncated"), "{err}");
    assert!(!run.exists());
    let mut wrong = shard.clone();
    wrong[0] ^= 1;
    std::fs::write(data.join("train.bin"), wrong).unwrap();
    assert!(LmTrainer::create(config(&data, 60), &run, ()).err().unwrap().to_string().contains("magic"));
    std::fs::write(data.join("train.bin"), shard).unwrap();
    std::fs::remove_file(data.join("char_tokenizer.json")).unwrap();
    assert!(LmTrainer::create(config(&data, 60), &run, ()).err().unwrap().to_string().contains("lm prepare"));
    assert!(!run.exists());
}

#[test]
fn every_shipped_lm_config_resolves() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/lm");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        LmConfig::from_toml(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        n += 1;
    }
    assert!(n >= 1);
}
