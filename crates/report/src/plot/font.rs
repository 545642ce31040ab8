//! The one font every chart uses.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

/// The family name charts ask for; plotters' own defaults (axis labels, legends) ask for it too.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers DejaVu Sans under [`FAMILY`] once per process (ab_glyph draws no text from an unregistered
/// family); false if the embedded font did not parse.
pub(crate) fn registered() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular()).is_ok())
}
