//! Heatmaps of surfaces over a square grid, several panels side by side (e.g. J_H next to the BC loss).

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::ReportError;
use crate::plot::figure::{self, Figure};
use crate::plot::font;

const PANEL_WIDTH: u32 = 520;
const HEIGHT: u32 = 520;

/// One surface: `values[i * n + j]` at (coords[i], coords[j]).
#[derive(Clone, Debug, PartialEq)]
pub struct Surface {
    pub title: String,
    pub coords: Vec<f64>,
    pub values: Vec<f64>,
}

/// Panels sharing axis labels, each with its own colour scale (shown as min … max under it).
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmaps {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub panels: Vec<Surface>,
}

/// Viridis at a few stops, interpolated: perceptually ordered and readable in grey.
fn viridis(u: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];
    let u = if u.is_finite() { u.clamp(0.0, 1.0) } else { 0.0 };
    let x = u * (STOPS.len() - 1) as f64;
    let k = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - k as f64;
    let mix = |a: u8, b: u8| (a as f64 + f * (b as f64 - a as f64)).round() as u8;
    let (a, b) = (STOPS[k], STOPS[k + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl Heatmaps {
    /// Writes `<dir>/<stem>.png` and `.svg`.
    pub fn save(&self, dir: &Path, stem: &str) -> Result<[PathBuf; 2], ReportError> {
        for p in &self.panels {
            if p.coords.len() < 2 || p.values.len() != p.coords.len() * p.coords.len() {
                return Err(ReportError::Empty {
                    title: p.title.clone(),
                    hint: " (a heatmap needs n ≥ 2 and n × n values)",
                });
            }
        }
        figure::save(self, dir, stem, (PANEL_WIDTH * self.panels.len().max(1) as u32, HEIGHT))
    }
}

impl Figure for Heatmaps {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        root.fill(&WHITE).map_err(err)?;
        let (header, body) = root.split_vertically(36);
        let centred = |size| TextStyle::from((font::FAMILY, size).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        let width = PANEL_WIDTH as i32 * self.panels.len() as i32;
        header.draw(&Text::new(self.title.as_str(), (width / 2, 8), centred(18))).map_err(err)?;
        for (area, panel) in body.split_evenly((1, self.panels.len())).iter().zip(&self.panels) {
            let (lo, hi) = panel
                .values
                .iter()
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
            let n = panel.coords.len();
            let (c0, c1) = (panel.coords[0], panel.coords[n - 1]);
            let half = (c1 - c0) / (n - 1) as f64 / 2.0;
            let caption = format!("{}   [{} … {}]", panel.title, short(lo), short(hi));
            let mut chart = ChartBuilder::on(area)
                .margin(10)
                .caption(caption, (font::FAMILY, 15))
                .x_label_area_size(40)
                .y_label_area_size(50)
                .build_cartesian_2d(c0 - half..c1 + half, c0 - half..c1 + half)
                .map_err(err)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(&self.x_label)
                .y_desc(&self.y_label)
                .label_style((font::FAMILY, 13))
                .axis_desc_style((font::FAMILY, 14))
                .draw()
                .map_err(err)?;
            let scale = if hi > lo { hi - lo } else { 1.0 };
            let cells = (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).map(|(i, j)| {
                let (x, y) = (panel.coords[i], panel.coords[j]);
                let color = viridis((panel.values[i * n + j] - lo) / scale);
                Rectangle::new([(x - half, y - half), (x + half, y + half)], color.filled())
            });
            chart.draw_series(cells).map_err(err)?;
        }
        Ok(())
    }
}

fn short(v: f64) -> String {
    if v.abs() >= 1e4 || (v != 0.0 && v.abs() < 1e-2) { format!("{v:.2e}") } else { format!("{v:.2}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_png_and_svg_and_rejects_ragged_grids() {
        let coords = vec![-1.0, 0.0, 1.0];
        let surface = |title: &str, f: fn(usize) -> f64| Surface {
            title: title.into(),
            coords: coords.clone(),
            values: (0..9).map(f).collect(),
        };
        let maps = Heatmaps {
            title: "test".into(),
            x_label: "s".into(),
            y_label: "t".into(),
            panels: vec![surface("a", |k| k as f64), surface("b", |k| (k % 2) as f64)],
        };
        let dir = std::env::temp_dir().join(format!("butterfly-heatmap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let [png, svg] = maps.save(&dir, "h").unwrap();
        assert!(std::fs::metadata(png).unwrap().len() > 1000 && std::fs::metadata(svg).unwrap().len() > 1000);
        let mut ragged = maps.clone();
        ragged.panels[0].values.pop();
        assert!(ragged.save(&dir, "r").is_err());
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
    }
}
