//! Figures drawn with `plotters`, each saved as PNG and SVG: line charts, panel grids of them, heatmaps,
//! the interventions' comparison chart, and a landscape's heatmaps beside its grid.

mod comparison_chart;
mod figure;
mod font;
mod heatmap;
mod landscape;
mod line_chart;
mod panels;

pub use comparison_chart::{Comparison, ComparisonPanel};
pub use heatmap::{Heatmaps, Surface};
pub use landscape::{LandscapeFiles, landscape_heatmaps, write_landscape};
pub use line_chart::{Axis, Corner, LineChart, Series, Style};
pub use panels::Panels;
