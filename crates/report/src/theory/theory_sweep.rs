//! What a theory sweep wrote, for the command to print.

use std::path::PathBuf;

use serde::Serialize;

/// The sweep's CSV, its plots (PNG and SVG) and its rows: serialized for `--json`, [`TheorySweep::text`]
/// otherwise.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TheorySweep<R> {
    pub csv: PathBuf,
    pub plots: Vec<PathBuf>,
    pub rows: Vec<R>,
}

impl<R> TheorySweep<R> {
    /// Two lines: the CSV with its row count, then the plots.
    pub fn text(&self) -> String {
        let names: Vec<String> = self.plots.iter().map(|p| p.display().to_string()).collect();
        format!("wrote {} ({} rows)\nwrote {}\n", self.csv.display(), self.rows.len(), names.join(", "))
    }
}
