//! `butterfly analyze` on evaluations made anywhere: a BC run's own CSVs give the metrics `report` gives
//! for that run; several seeds give a report over seeds; bad tables are refused in one line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn butterfly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_butterfly")).args(args).output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("butterfly-cli-analyze-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A LinearSystem BC run with its every-iterate window (seconds).
fn trained_run(name: &str) -> PathBuf {
    let run = scratch(name);
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/linear-bc.toml");
    let out = butterfly(&["bc", "train", config.to_str().unwrap(), "--out", run.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    run
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_runs_own_csvs_give_the_metrics_report_gives() {
    let run = trained_run("same");
    let out = scratch("same-out");
    let report = json(&butterfly(&["report", arg(&run), "--json", "--window-start", "12000"]));
    let files: Vec<PathBuf> = ["eval.csv", "iterates.csv", "validation.csv"].iter().map(|f| run.join(f)).collect();
    let (expert, out_arg) = (run.join("expert.csv"), arg(&out).to_string());
    let mut args = vec!["analyze"];
    args.extend(files.iter().map(|f| arg(f)));
    args.extend(["--expert", arg(&expert), "--out", &out_arg, "--json", "--window-start", "12000"]);
    let analyzed = json(&butterfly(&args));
    let (a, b) = (&report[0], &analyzed[0]);
    for key in ["eval_every", "initial_conditions", "window_start", "expert_return", "horizon", "steps"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    // Every variant's final numbers, window metrics, every-iterate metrics and intervals, to the bit.
    assert_eq!(a["variants"], b["variants"]);
    assert!(a["variants"][1]["iterate_oscillation"]["evaluations"].as_u64() == Some(50), "{}", a["variants"][1]);
    for file in ["report.md", "plots/returns.png", "plots/validation.svg", "plots/window.png"] {
        assert!(out.join(file).is_file(), "{file} is missing");
    }

    // The expert as one number: osc is relative to it, and the report says what the reference is.
    let expert_return = a["expert_return"].as_f64().unwrap();
    let r = expert_return.to_string();
    let eval = run.join("eval.csv");
    let window = ["--window-start", "12000", "--json"];
    let one =
        json(&butterfly(&[&["analyze", arg(&eval), "--expert-return", &r, "--out", &out_arg][..], &window].concat()));
    assert_eq!(one[0]["expert_return"], a["expert_return"]);
    assert_eq!(one[0]["variants"][0]["oscillation"]["osc"], a["variants"][0]["oscillation"]["osc"]);
    // No expert at all: the best mean evaluation stands in, and report.md says so.
    let none = json(&butterfly(&["analyze", arg(&eval), "--out", &out_arg, "--json"]));
    let best = a["variants"].as_array().unwrap().iter().map(|v| v["final_return"].as_f64().unwrap());
    assert!(none[0]["expert_return"].as_f64().unwrap() >= best.fold(f64::NEG_INFINITY, f64::max));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("the best mean evaluation stands in"), "{md}");

    // A report inside the run (that is `butterfly report`'s) and a non-finite expert return are refused in
    // one line, making nothing.
    let inside = run.join("analysis");
    for (args, says) in [
        (vec!["--out", arg(&inside)], "is inside the run"),
        (vec!["--out", &out_arg, "--expert-return", "inf"], "must be a finite number"),
        (vec!["--out", &out_arg, "--horizon", "0"], "at least 1 step"),
    ] {
        let got = butterfly(&[&["analyze", arg(&eval)][..], &args].concat());
        let stderr = String::from_utf8_lossy(&got.stderr);
        assert!(!got.status.success() && stderr.contains(says) && stderr.lines().count() == 1, "{stderr}");
    }
    assert!(!inside.exists());
}

#[test]
fn several_seeds_give_a_report_over_seeds_and_bad_tables_one_line() {
    let run = trained_run("seeds");
    let out = scratch("seeds-out");
    std::fs::create_dir_all(&out).unwrap();
    // The run's evaluations as two seeds of someone's pipeline: `episode` for `ic`, the second seed shifted.
    let eval = std::fs::read_to_string(run.join("eval.csv")).unwrap();
    let mut table = String::from("seed,step,variant,episode,return\n");
    for (seed, shift) in [(0, 0.0), (7, -0.5)] {
        for line in eval.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let ret: f64 = f[3].parse().unwrap();
            table.push_str(&format!("{seed},{},{},{},{}\n", f[0], f[1], f[2], ret + shift * (f[2].len() as f64)));
        }
    }
    let csv = out.join("pipeline.csv");
    std::fs::write(&csv, &table).unwrap();
    let report = out.join("report");
    let args = ["analyze", arg(&csv), "--expert-return", "-16", "--name", "pipeline", "--out", arg(&report), "--json"];
    let summaries = json(&butterfly(&args));
    assert_eq!(summaries.as_array().unwrap().len(), 2);
    for file in ["sweep.md", "sweep.csv", "panels.png", "seed0/report.md", "seed7/report.md"] {
        assert!(report.join(file).is_file(), "{file} is missing");
    }
    let sweep = std::fs::read_to_string(report.join("sweep.md")).unwrap();
    assert!(sweep.contains("| pipeline | raw | 2 |") && sweep.contains("paired by seed"), "{sweep}");

    // Refused in one line each, the file named; nothing is written.
    let cases: [(&str, &str); 3] = [
        ("step,variant,ic\n1,raw,0\n", "neither a 'return' nor a 'val_loss'"),
        (
            "step,variant,ic,return\n1,raw,0,5\n1,raw,1,6\n2,raw,0,5\n",
            "step 2 of 'raw' has no return from initial condition 1",
        ),
        ("step,variant,ic,return\n1,raw,0,five\n", "line 2: return 'five' is not a number"),
    ];
    for (k, (text, says)) in cases.iter().enumerate() {
        let bad = out.join(format!("bad{k}.csv"));
        std::fs::write(&bad, text).unwrap();
        let nowhere = out.join(format!("nowhere{k}"));
        let got = butterfly(&["analyze", arg(&bad), "--out", arg(&nowhere)]);
        let stderr = String::from_utf8_lossy(&got.stderr);
        assert!(!got.status.success() && stderr.contains(says) && stderr.contains("bad"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(!nowhere.exists(), "a refused table writes nothing");
    }
}
