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
