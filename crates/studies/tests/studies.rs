//! The studies as library calls, on the linear system and on tiny corpora: each trains its runs, writes its
//! reports, and resumes to the same result when called again.

use std::path::{Path, PathBuf};

use butterfly_studies::{DemoLmSpec, DemoSpec, Quiet, demo_study, run_demo_lm, run_study};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-studies-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn demo_spec(out: &Path) -> DemoSpec<'static> {
    DemoSpec {
        out: out.to_path_buf(),
        env: Some("LinearSystem".into()),
        expert: Some("linear".into()),
        grid: 3,
        steps: Some(400),
        seeds: 2,
        jobs: 2,
        overrides: vec!["data.trajectories=20".into(), "eval.initial_conditions=6".into()],
        assets: None,
    }
}

#[test]
fn the_demo_trains_its_seeds_side_by_side_reports_and_resumes_to_the_same_report() {
    let out = scratch("demo");
    let spec = demo_spec(&out);
    let study = demo_study(&spec).unwrap();
    assert_eq!(study.runs.len(), 2);
    let (first, second) = (&study.runs[0].0, &study.runs[1].0);
    assert_eq!((first.env.as_str(), first.steps, second.seed), ("LinearSystem", 400, first.seed + 1));
    assert!(!first.eval.windows.is_empty() && second.eval.windows.is_empty(), "the window is the first seed's");

    let done = run_study(&study, &Quiet).unwrap();
    assert_eq!(done.seeds, vec![first.seed, first.seed + 1]);
    assert_eq!(done.summary.runs.len(), 2);
    let variants = done.summary.runs[0].variants.len();
    assert!(variants >= 2 && done.summary.runs[0].variants[0].name == "raw");
    assert_eq!(done.landscapes.len(), 1, "one landscape step by default");
    assert_eq!(done.landscapes[0].1.len(), variants, "a landscape per variant");
    assert!(done.landscapes[0].1.iter().all(|(_, l)| l.returns.len() == 9), "3 × 3 points");
    assert!(!done.headline.is_empty());
    let report = std::fs::read_to_string(&done.report).unwrap();
    assert!(report.starts_with("# Butterfly demo"), "{report}");

    // Called again, the finished runs are skipped and the same report is written.
    let again = run_study(&demo_study(&spec).unwrap(), &Quiet).unwrap();
    assert_eq!(std::fs::read_to_string(&again.report).unwrap(), report);
    assert_eq!(again.headline, done.headline);

    // Bad options are one error, before anything is made.
    let err = demo_study(&DemoSpec { steps: Some(10), out: scratch("demo-short"), ..demo_spec(&out) }).err().unwrap();
    assert!(err.to_string().contains("--steps must be at least 100"), "{err}");
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn the_lm_demo_trains_scores_and_reports_on_tiny_corpora() {
    let out = scratch("demo-lm");
    let corpus = scratch("demo-lm-corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let verse = "Shall I compare thee to a summer's day? Thou art more lovely and more temperate.\n";
    std::fs::write(corpus.join("sonnet_gut.txt"), verse.repeat(400)).unwrap();
    let spec = DemoLmSpec { out: out.clone(), seeds: 2, steps: Some(30), test_sequences: 4, corpus: corpus.clone() };
    let done = run_demo_lm(&spec, &Quiet).unwrap();
    let sets: std::collections::BTreeSet<&str> = done.study.rows.iter().map(|r| r.set.as_str()).collect();
    assert_eq!(sets.len(), 3, "in distribution, sparse and dense");
    assert!(done.study.rows.iter().any(|r| r.variant == "raw"));
    assert!(done.report.is_file() && out.join("shakespeare/run/checkpoints/latest.safetensors").is_file());
    let report = std::fs::read(&done.report).unwrap();
    // Everything exists now: a second call trains nothing and writes the same report.
    let again = run_demo_lm(&spec, &Quiet).unwrap();
    assert_eq!(std::fs::read(&again.report).unwrap(), report);

    let empty = scratch("demo-lm-empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = run_demo_lm(&DemoLmSpec { corpus: empty.clone(), ..spec }, &Quiet).err().unwrap();
    assert!(err.to_string().contains("no *_gut.txt"), "{err}");
    for dir in [out, corpus, empty] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn a_sweep_trains_the_chosen_runs_and_reports_over_those_that_exist() {
    let out = scratch("sweep");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/sweeps/linear.toml");
    let set = ["steps=600".to_string(), "eval.every=200".into(), "stabilizers=[{kind=\"ema\",alpha=0.7}]".into()];
    let sweep = butterfly_imitate::Sweep::load(&file, &set, Some(&[0])).unwrap();
    let Err(none) = butterfly_studies::report_sweep(&sweep, &out, None, &Quiet) else {
        panic!("a report before any run exists")
    };
    assert!(none.to_string().contains("no run of this sweep exists under"), "{none}");
    // Two of the three variants, side by side.
    let chosen: Vec<_> = sweep.runs.iter().filter(|r| r.variant != "cosine-decay").collect();
    butterfly_studies::train_sweep(&chosen, &out, 2, None, &Quiet).unwrap();
    let summary = butterfly_studies::report_sweep(&sweep, &out, None, &Quiet).unwrap();
    let reported: std::collections::BTreeSet<&str> = summary.curves.iter().map(|c| c.variant.as_str()).collect();
    assert_eq!(reported, ["baseline", "batch-512"].into_iter().collect(), "the run not trained is left out");
    assert!(summary.curves.iter().all(|c| c.seeds == 1) && out.join("sweep.md").is_file());
    std::fs::remove_dir_all(&out).unwrap();
}
