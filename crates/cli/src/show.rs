//! What a command prints: its value as pretty JSON with `--json`, else its text.

use serde::Serialize;

/// Prints `value` as JSON, or `text` as it is.
pub fn show(json: bool, value: &impl Serialize, text: String) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        print!("{text}");
    }
    Ok(())
}

/// Runs a GVA study with progress bars and prints its closing table.
pub fn run_study_shown(study: &butterfly_studies::Study) -> anyhow::Result<()> {
    let done = butterfly_studies::run_study(study, &crate::progress::Bars)?;
    let (seeds, summary, landscapes) = (&done.seeds, &done.summary, &done.landscapes);
    let text =
        butterfly_report::study_text(study.label, &study.out, seeds, summary, landscapes, &done.headline, &done.report);
    println!("{text}");
    Ok(())
}
