//! `butterfly lm` as a user runs it: prepare a corpus, train, sample, export for PyTorch, and bad input
//! as one line with nothing overwritten.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use butterfly_store::TensorFile;

fn butterfly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args).output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn one_error(out: &Output, want: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should fail");
    // clap's own errors add a pointer to --help.
    let lines: Vec<&str> =
        stderr.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("For more information")).collect();
    assert_eq!(lines.len(), 1, "one error line, got:\n{stderr}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains(want), "'{want}' missing: {}", lines[0]);
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-cli-lm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn prepare_train_sample_export_and_bad_input() {
    let dir = scratch("e2e");
    let stories: String =
        (0..100).map(|k| format!("Once upon a time a bird number {} sang a song.\n<|endoftext|>\n", k % 7)).collect();
    std::fs::write(dir.join("stories.txt"), stories).unwrap();
    let data = dir.join("data");
    let out = ok(&butterfly(&[
        "lm",
        "prepare",
        s(&dir.join("stories.txt")),
        "--format",
        "tinystories-txt",
        "--tokenizer",
        "bpe",
        "--vocab-size",
        "300",
        "--out",
        s(&data),
        "--json",
    ]));
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["documents"], 100);
    assert!(data.join("tokenizer.json").is_file());

    let config = dir.join("lm.toml");
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/lm/shakespeare-char.toml"))
            .unwrap();
    let text = text
        .replace("data = \"~/.cache/butterfly/lm/shakespeare-char\"", &format!("data = \"{}\"", s(&data)))
        .replace("steps = 2000", "steps = 30")
        .replace("steps = 1900", "steps = 20")
        .replace("warmup_steps = 100", "warmup_steps = 5")
        .replace("burn_in = 200", "burn_in = 10")
        .replace("every = 250 ", "every = 15 ")
        .replace("val_batches = 16 ", "val_batches = 2 ")
        .replace("seq_len = 64 ", "seq_len = 16 ")
        .replace("n_embd = 128", "n_embd = 16");
    std::fs::write(&config, text).unwrap();
    let run = dir.join("run");
    let out = ok(&butterfly(&["lm", "train", s(&config), "--out", s(&run)]));
    assert!(out.contains("validation loss ema"), "{out}");
    // TensorBoard's reader finds the validation loss of every variant at every evaluation, and the training loss.
    let scalars = common::tensorboard_scalars(&run);
    let validation = std::fs::read_to_string(run.join("validation.csv")).unwrap();
    let raw_steps: Vec<u64> = validation
        .lines()
        .filter(|l| l.contains(",raw,"))
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(scalars["val_loss/raw"].iter().map(|p| p.0).collect::<Vec<_>>(), raw_steps);
    assert!(scalars.contains_key("val_loss/ema") || scalars.keys().any(|k| k.starts_with("val_loss/ema")));
    assert!(!scalars["train/loss"].is_empty());
    // Which kept (step, variant) to deploy, compared batch by batch on the run's validation batches: the
    // choice is within ε of the lowest validation loss the run logged (the mean over the same batches), and
    // a second selection with the same seed reads every outcome from the cache.
    let select = ["select", s(&run), "--epsilon", "0.01", "--delta", "0.1", "--json"];
    let chosen: serde_json::Value = serde_json::from_str(&ok(&butterfly(&select))).unwrap();
    let loss_of = |step: u64, variant: &str| -> f64 {
        let line = validation.lines().find(|l| l.starts_with(&format!("{step},{variant},"))).unwrap();
        line.split(',').nth(2).unwrap().parse().unwrap()
    };
    let best = validation
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse::<f64>().unwrap())
        .fold(f64::INFINITY, f64::min);
    let picked = loss_of(chosen["step"].as_u64().unwrap(), chosen["variant"].as_str().unwrap());
    assert!(picked <= best + 0.01, "chose {chosen} at loss {picked}, the best is {best}");
    // Every batch read: the estimate is the logged validation loss itself.
    if chosen["stop"] == "exhausted" {
        assert!((chosen["estimate"].as_f64().unwrap() + picked).abs() < 1e-9, "{chosen}");
    }
    let again: serde_json::Value = serde_json::from_str(&ok(&butterfly(&select))).unwrap();
    assert_eq!((&again["step"], &again["variant"]), (&chosen["step"], &chosen["variant"]));
    assert_eq!(again["cached_rollouts"], chosen["rollouts"], "{again}");
    let text =
        ok(&butterfly(&["lm", "sample", s(&run), "--prompt", "Once upon", "--tokens", "20", "--variant", "ema"]));
    assert!(text.starts_with("Once upon"), "{text}");
    // Figure 4 from the run's CSVs: the panels and report.md, a JSON summary per variant.
    let out = ok(&butterfly(&["report", s(&run), "--json"]));
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> =
        summary[0]["variants"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["raw", "ema"]);
    assert!(run.join("plots/figure4.png").is_file() && run.join("plots/figure4.svg").is_file());
    assert!(std::fs::read_to_string(run.join("report.md")).unwrap().contains("| ema |"));
    ok(&butterfly(&["report", s(&run), "--generations"]));
    let md = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(md.contains("## Generations of consecutive kept iterates") && md.contains("prompt "), "{md}");
    // Bifurcations between the kept steps 15 and 30, raw and EMA; a window longer than the context is one line.
    let out = ok(&butterfly(&[
        "lm",
        "bifurcate",
        s(&run),
        "--prompts",
        "4",
        "--prompt-tokens",
        "4",
        "--tokens",
        "8",
        "--json",
    ]));
    let found: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = found["rows"].as_array().unwrap();
    let examples = found["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 3);
    assert_eq!(examples[0]["continuations"].as_array().unwrap().len(), 2, "raw and ema");
    assert_eq!(rows.len(), 2, "{rows:?}");
    for (row, variant) in rows.iter().zip(["raw", "ema"]) {
        assert_eq!(
            (row["variant"].as_str(), row["from_step"].as_u64(), row["step"].as_u64()),
            (Some(variant), Some(15), Some(30))
        );
        let first = row["first_difference"].as_f64().unwrap();
        assert!((0.0..=8.0).contains(&first) && (0.0..=1.0).contains(&row["teacher_forced"].as_f64().unwrap()));
    }
    one_error(
        &butterfly(&["lm", "bifurcate", s(&run), "--prompt-tokens", "60", "--tokens", "8"]),
        "must fit the context (64)",
    );
    let exported = dir.join("model.safetensors");
    ok(&butterfly(&["lm", "export", s(&run), "--out", s(&exported)]));
    let file = TensorFile::load(&exported).unwrap();
    for name in
        ["transformer.wte.weight", "lm_head.weight", "transformer.h.3.mlp.c_proj.weight", "transformer.ln_f.bias"]
    {
        assert!(file.tensors.contains_key(name), "{name}");
    }
    assert_eq!(file.shape("transformer.h.0.attn.c_attn.weight").unwrap(), [48, 16]);

    // Bad input: one line each, nothing overwritten.
    one_error(&butterfly(&["lm", "sample", s(&run), "--step", "7"]), "step 7");
    one_error(&butterfly(&["lm", "sample", s(&dir)]), "not an LM run");
    let mut shard = std::fs::read(data.join("val.bin")).unwrap();
    shard[0] ^= 1;
    std::fs::write(data.join("val.bin"), &shard).unwrap();
    one_error(&butterfly(&["lm", "train", s(&config), "--out", s(&dir.join("other"))]), "magic");
    assert!(!dir.join("other").exists());
    std::fs::write(dir.join("empty.txt"), "  \n").unwrap();
    one_error(&butterfly(&["lm", "prepare", s(&dir.join("empty.txt")), "--out", s(&dir.join("p"))]), "holds no text");
    one_error(
        &butterfly(&["lm", "prepare", s(&dir.join("stories.txt")), "--format", "csv", "--out", s(&dir.join("p"))]),
        "csv",
    );
    // A prompt a character tokenizer cannot encode (its vocabulary holds no 'Z'), a context longer than the model's.
    let chars = dir.join("chars");
    ok(&butterfly(&[
        "lm",
        "prepare",
        s(&dir.join("stories.txt")),
        "--format",
        "tinystories-txt",
        "--tokenizer",
        "char",
        "--out",
        s(&chars),
    ]));
    let char_config = dir.join("char.toml");
    std::fs::write(&char_config, std::fs::read_to_string(&config).unwrap().replace(s(&data), s(&chars))).unwrap();
    let char_run = dir.join("char-run");
    ok(&butterfly(&["lm", "train", s(&char_config), "--out", s(&char_run)]));
    one_error(
        &butterfly(&["lm", "sample", s(&char_run), "--prompt", "Zebra", "--tokens", "3"]),
        "not in the vocabulary",
    );
    one_error(
        &butterfly(&["lm", "train", s(&config), "--set", "seq_len=65", "--out", s(&dir.join("long"))]),
        "longer than model.context",
    );
    assert!(!dir.join("long").exists());
    // An unreadable tokenizer.json and a truncated shard body: refused before a run directory is made.
    shard[0] ^= 1; // the magic restored
    std::fs::write(data.join("val.bin"), &shard).unwrap();
    // --set overrides: stored in the run's config; malformed ones and ones on a resume are one line.
    let short = dir.join("short");
    ok(&butterfly(&["lm", "train", s(&config), "--set", "steps=4", "--set", "eval.every = 2", "--out", s(&short)]));
    let stored = std::fs::read_to_string(short.join("config.toml")).unwrap();
    assert!(stored.contains("steps = 4") && stored.contains("every = 2"), "{stored}");
    // The same config at another seed is the same group of a comparison; A − B pairs by seed.
    let short_seed1 = dir.join("short-seed1");
    ok(&butterfly(&[
        "lm",
        "train",
        s(&config),
        "--set",
        "steps=4",
        "--set",
        "eval.every = 2",
        "--seed",
        "1",
        "--out",
        s(&short_seed1),
    ]));
    let cmp = dir.join("cmp");
    ok(&butterfly(&["report", s(&short), s(&short_seed1), "--compare", s(&cmp)]));
    let md = std::fs::read_to_string(cmp.join("compare.md")).unwrap();
    assert!(md.contains("| short | raw | [0, 1] |") && md.contains("| short raw | short ema | 2 |"), "{md}");
    one_error(
        &butterfly(&["lm", "train", s(&config), "--set", "steps", "--out", s(&dir.join("o"))]),
        "--set steps: expected KEY=VALUE",
    );
    one_error(&butterfly(&["lm", "train", s(&config), "--set", "stepz=3", "--out", s(&dir.join("o"))]), "stepz");
    one_error(&butterfly(&["lm", "train", "--resume", s(&short), "--set", "steps=9"]), "resumed run keeps");
    assert!(!dir.join("o").exists());
    let tokenizer = std::fs::read(data.join("tokenizer.json")).unwrap();
    std::fs::write(data.join("tokenizer.json"), "{\"model\": 1").unwrap();
    one_error(&butterfly(&["lm", "train", s(&config), "--out", s(&dir.join("other"))]), "not a tokenizer.json");
    std::fs::copy(data.join("tokenizer.json"), run.join("tokenizer.json")).unwrap();
    one_error(&butterfly(&["lm", "sample", s(&run), "--prompt", "Once"]), "not a tokenizer.json");
    std::fs::write(data.join("tokenizer.json"), &tokenizer).unwrap();
    let train = std::fs::read(data.join("train.bin")).unwrap();
    std::fs::write(data.join("train.bin"), &train[..train.len() - 3]).unwrap();
    one_error(&butterfly(&["lm", "train", s(&config), "--out", s(&dir.join("other"))]), "truncated");
    assert!(!dir.join("other").exists());
}

#[test]
fn flipflop_generate_prepare_train_score_and_bad_files() {
    let dir = scratch("flipflop");
    let f = |name: &str| dir.join(name);
    ok(&butterfly(&[
        "lm",
        "flipflop",
        "generate",
        "--p",
        "0.8",
        "--length",
        "8",
        "--count",
        "300",
        "--out",
        s(&f("train.txt")),
    ]));
    ok(&butterfly(&[
        "lm",
        "flipflop",
        "generate",
        "--p",
        "0.98",
        "--length",
        "8",
        "--count",
        "20",
        "--seed",
        "1",
        "--out",
        s(&f("sparse.txt")),
    ]));
    let text = std::fs::read_to_string(f("train.txt")).unwrap();
    assert_eq!(text.lines().count(), 300);
    assert!(text.lines().all(|l| l.len() == 16 && l.starts_with('w')));
    one_error(&butterfly(&["lm", "flipflop", "generate", "--out", s(&f("train.txt"))]), "exists");
    assert_eq!(std::fs::read_to_string(f("train.txt")).unwrap(), text, "nothing overwritten");

    let data = f("data");
    ok(&butterfly(&["lm", "prepare", s(&f("train.txt")), "--format", "flipflop", "--out", s(&data)]));
    let config = f("ff.toml");
    std::fs::write(
        &config,
        format!(
            "data = \"{}\"\nsteps = 20\nbatch_size = 4\nseq_len = 16\n[model]\nn_layer = 1\nn_head = 2\nn_embd = 8\ncontext = 17\n\
             [schedule]\nlr = 1e-3\n[[stabilizers]]\nkind = \"ema\"\nname = \"ema\"\nalpha = 0.7\ngamma_min = 0.01\n[eval]\nevery = 10\nval_batches = 2\nlog_every = 5\n",
            s(&data)
        ),
    )
    .unwrap();
    let run = f("run");
    ok(&butterfly(&["lm", "train", s(&config), "--out", s(&run)]));
    let out =
        ok(&butterfly(&["lm", "score", s(&run), "--variant", "ema", "--flipflop", s(&f("sparse.txt")), "--json"]));
    let score: serde_json::Value = serde_json::from_str(&out).unwrap();
    let sparse = std::fs::read_to_string(f("sparse.txt")).unwrap();
    let reads = sparse.lines().flat_map(|l| l.as_bytes().chunks_exact(2)).filter(|p| p[0] == b'r').count();
    assert_eq!((score["sequences"].as_u64(), score["reads"].as_u64()), (Some(20), Some(reads as u64)));
    let rate = score["error_rate"].as_f64().unwrap();
    assert!(
        (0.0..=1.0).contains(&rate) && score["read_errors"].as_u64().unwrap() as f64 == (rate * reads as f64).round()
    );

    // Every kept step (10, 20) × every variant (raw, ema), with the accuracy's oscillation per variant.
    let out = ok(&butterfly(&["lm", "score", s(&run), "--all-steps", "--flipflop", s(&f("sparse.txt")), "--json"]));
    let all: serde_json::Value = serde_json::from_str(&out).unwrap();
    let steps: Vec<(u64, &str)> = all["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["step"].as_u64().unwrap(), r["variant"].as_str().unwrap()))
        .collect();
    assert_eq!(steps, [(10, "raw"), (10, "ema"), (20, "raw"), (20, "ema")]);
    let last_ema = &all["steps"][3];
    assert_eq!(last_ema["read_errors"], score["read_errors"], "the last kept step is the default of a single score");
    assert_eq!(all["summary"][1]["variant"], "ema");
    // The study over runs needs an oscillation, so two evaluations in each run's second half (this run
    // has one; `demo lm` tests a whole study).
    let study = f("study");
    let sparse = format!("sparse={}", s(&f("sparse.txt")));
    one_error(
        &butterfly(&["lm", "flipflop", "study", s(&run), "--test", &sparse, "--out", s(&study)]),
        "a study needs 3 or more",
    );
    one_error(
        &butterfly(&["lm", "flipflop", "study", s(&run), "--test", s(&f("sparse.txt")), "--out", s(&study)]),
        "expected LABEL=FILE",
    );

    // Malformed files: one line naming the line and the offence; a sequence longer than the context.
    for (content, want) in [
        ("w1i0\nw1x0\n", "line 2: pair 1: unknown instruction 'x'"),
        ("w1i\n", "3 characters"),
        ("i1w0\n", "first instruction"),
    ] {
        std::fs::write(f("bad.txt"), content).unwrap();
        one_error(&butterfly(&["lm", "score", s(&run), "--flipflop", s(&f("bad.txt"))]), want);
        one_error(
            &butterfly(&["lm", "prepare", s(&f("bad.txt")), "--format", "flipflop", "--out", s(&f("bad-data"))]),
            want,
        );
        assert!(!f("bad-data").exists());
    }
    std::fs::write(f("long.txt"), "w1".repeat(9) + "\n").unwrap();
    one_error(&butterfly(&["lm", "score", s(&run), "--flipflop", s(&f("long.txt"))]), "need a context of 19");
}

#[test]
fn demo_lm_end_to_end_then_rerun_from_its_runs() {
    let dir = scratch("demo");
    let corpus = dir.join("texts");
    std::fs::create_dir_all(&corpus).unwrap();
    let verse: String = (0..400)
        .map(|k| format!("Shall I compare thee to a summer's day number {}? Thou art more lovely.\n", k % 13))
        .collect();
    std::fs::write(corpus.join("sonnets_gut.txt"), &verse).unwrap();
    std::fs::write(corpus.join("ignored.txt"), "not a *_gut.txt text").unwrap();
    let out = dir.join("demo");
    let args = [
        "demo",
        "lm",
        "--out",
        s(&out),
        "--seeds",
        "2",
        "--steps",
        "30",
        "--test-sequences",
        "12",
        "--corpus",
        s(&corpus),
    ];
    let printed = ok(&butterfly(&args));
    assert!(printed.contains("FFL(0.98) sparse") && printed.contains("report:"), "{printed}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for want in [
        "FFL(0.8)",
        "FFL(0.98) sparse",
        "FFL(0.1) dense",
        "| ema |",
        "Seeds: [0, 1]",
        "teacher f.",
        "flipflop/plots/flipflop.png",
        "Every iterate of the window",
    ] {
        assert!(report.contains(want), "report.md lacks {want}:\n{report}");
    }
    // Every kept step (cadence 1 at 30 updates), both variants, both seeds, three sets.
    let csv = std::fs::read_to_string(out.join("flipflop/flipflop.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 3 * 30 * 2, "{}", &csv[..200]);
    assert!(
        out.join("flipflop/plots/flipflop.svg").is_file() && out.join("shakespeare/run/plots/figure4.png").is_file()
    );
    // The window's iterates, one update apart (5 of them at this scale, 4 pairs per variant, 3 variants).
    let window = std::fs::read_to_string(out.join("shakespeare/run/iterate_generations.csv")).unwrap();
    assert_eq!(window.lines().count(), 1 + 4 * 3, "{window}");
    // A rerun trains nothing more and rewrites the same report.
    let again = ok(&butterfly(&args));
    assert_eq!(std::fs::read_to_string(out.join("report.md")).unwrap(), report);
    assert!(again.contains("report:"));
    // A missing corpus is one line.
    let missing = butterfly(&["demo", "lm", "--out", s(&dir.join("other")), "--corpus", s(&dir.join("nowhere"))]);
    one_error(&missing, "no Shakespeare texts");
    assert!(!dir.join("other").exists(), "a refused demo makes no directory");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Files of a prepared directory and their bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn prepare_is_one_atomic_step() {
    let dir = scratch("atomic");
    let text = dir.join("story.txt");
    std::fs::write(&text, "Once upon a time a bird sang a song and another bird sang it back. ".repeat(60)).unwrap();
    // More distinct characters than a uint16 shard can hold: fails after the tokenizer is made.
    let wide: String = (0..70_000u32).filter_map(|k| char::from_u32(0x10000 + k)).collect();
    std::fs::write(dir.join("wide.txt"), wide).unwrap();
    let data = dir.join("data");
    let prepare = |input: &Path, extra: &[&str]| {
        let mut args = vec!["lm", "prepare", s(input), "--out", s(&data)];
        args.extend_from_slice(extra);
        butterfly(&args)
    };
    ok(&prepare(&text, &["--tokenizer", "bpe", "--vocab-size", "300"]));
    let bpe = snapshot(&data);
    let names: Vec<&str> = bpe.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["manifest.json", "tokenizer.json", "train.bin", "val.bin"]);

    one_error(&prepare(&text, &[]), "--force");
    one_error(&prepare(&dir.join("wide.txt"), &["--force"]), "");
    assert!(snapshot(&data) == bpe, "a failed prepare leaves the set as it was");
    one_error(&prepare(&text, &["--vocab-size", "300"]), "--vocab-size is for --tokenizer bpe");
    // A char set replaces the BPE set whole: one tokenizer, named by the manifest.
    ok(&prepare(&text, &["--force"]));
    let names: Vec<String> = snapshot(&data).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["char_tokenizer.json", "manifest.json", "train.bin", "val.bin"]);
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary directories left: {leftovers:?}");

    // Concurrent prepares of different sets into one new directory: one wins whole, never a mix (each
    // set equals, file for file, the same prepare made alone).
    let bpe_args = ["--tokenizer", "bpe", "--vocab-size", "300"];
    let alone = |name: &str, extra: &[&str]| {
        let target = dir.join(name);
        let mut args = vec!["lm", "prepare", s(&text), "--out", s(&target)];
        args.extend_from_slice(extra);
        ok(&butterfly(&args));
        snapshot(&target)
    };
    let (char_set, bpe_set) = (alone("alone-char", &[]), alone("alone-bpe", &bpe_args));
    for trial in 0..4 {
        let target = dir.join(format!("race{trial}"));
        let spawn = |extra: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_butterfly"))
                .args(["lm", "prepare", s(&text), "--out", s(&target)])
                .args(extra)
                .output()
                .unwrap()
        };
        let (a, b) = std::thread::scope(|scope| {
            let a = scope.spawn(|| spawn(&[]));
            let b = scope.spawn(|| spawn(&bpe_args));
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(a.status.success() || b.status.success(), "one of two prepares succeeds");
        let found = snapshot(&target);
        assert!(found == char_set || found == bpe_set, "trial {trial}: a mixed set");
    }

    // A run directory is never a prepare's target.
    let run = dir.join("run");
    std::fs::create_dir_all(run.join("checkpoints")).unwrap();
    std::fs::write(run.join("config.toml"), "x = 1\n").unwrap();
    one_error(&butterfly(&["lm", "prepare", s(&text), "--out", s(&run), "--force"]), "run directory");
}
