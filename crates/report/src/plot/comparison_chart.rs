//! Quantitative comparison of interventions (paper Appendix C.1.2, Figures 8–11): one panel per metric,
//! one row per intervention, and in each row every curve (raw iterate, EMA) as its seeds' values, their
//! mean, and the mean's 95 % Student-t interval over seeds — so a reader compares interventions and
//! curves at a glance and sees how far the seeds agree.

use std::ops::Range;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::ReportError;
use crate::plot::figure::{self, Figure};
use crate::plot::font;
use crate::plot::line_chart::{PALETTE, padded, tick};
use crate::stats::interval::Interval;

const PANEL_WIDTH: u32 = 330;
/// The first panel also holds the row names.
const LABELS_WIDTH: u32 = 150;
const ROW_HEIGHT: u32 = 34;
const HEADER: u32 = 64;
/// Panel title strip and x-axis labels.
const FRAME: u32 = 110;

/// One metric: each row's and curve's values, one per seed.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparisonPanel {
    pub metric: String,
    pub log: bool,
    /// `values[row][curve]`: the metric of each seed (empty where a run has none).
    pub values: Vec<Vec<Vec<f64>>>,
}

/// Panels side by side sharing their rows (interventions) and curves (name, palette colour).
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub title: String,
    /// A second line under the title: what the marks and bars are.
    pub note: String,
    pub rows: Vec<String>,
    pub curves: Vec<(String, usize)>,
    pub panels: Vec<ComparisonPanel>,
}

impl Comparison {
    /// Writes `<dir>/<stem>.png` and `<dir>/<stem>.svg` and returns their paths.
    pub fn save(&self, dir: &Path, stem: &str) -> Result<[PathBuf; 2], ReportError> {
        let hint = " (no rows, curves or values)";
        let shaped = |p: &ComparisonPanel| {
            p.values.len() == self.rows.len() && p.values.iter().all(|r| r.len() == self.curves.len())
        };
        if self.rows.is_empty() || self.panels.is_empty() || !self.panels.iter().all(shaped) {
            return Err(ReportError::Empty { title: self.title.clone(), hint });
        }
        let ranges = self
            .panels
            .iter()
            .map(|p| {
                p.range().ok_or_else(|| ReportError::Empty { title: format!("{}: {}", self.title, p.metric), hint })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let width = LABELS_WIDTH + PANEL_WIDTH * self.panels.len() as u32;
        let height = HEADER + FRAME + ROW_HEIGHT * self.rows.len() as u32;
        figure::save(&Drawn { chart: self, ranges }, dir, stem, (width, height))
    }
}

impl ComparisonPanel {
    /// The mean over seeds and its interval, per row and curve (None without values).
    fn summaries(&self) -> impl Iterator<Item = (usize, usize, Option<Interval>)> + '_ {
        self.values
            .iter()
            .enumerate()
            .flat_map(|(r, row)| row.iter().enumerate().map(move |(c, v)| (r, c, Interval::of(v))))
    }

    /// The axis spans the seeds' values and the means; an interval wider than that (two seeds' t quantile
    /// is 12.7) is cut at the edge rather than squeezing every row into a corner.
    fn range(&self) -> Option<Range<f64>> {
        let xs: Vec<f64> = self
            .values
            .iter()
            .flatten()
            .flatten()
            .copied()
            .filter(|v| v.is_finite() && (!self.log || *v > 0.0))
            .collect();
        padded(&xs, self.log)
    }
}

struct Drawn<'a> {
    chart: &'a Comparison,
    ranges: Vec<Range<f64>>,
}

impl Figure for Drawn<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (header, body) = root.split_vertically(HEADER);
        let centred = |size| TextStyle::from((font::FAMILY, size).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        let middle = root.dim_in_pixel().0 as i32 / 2;
        let text = |s: &str, y, size| header.draw(&Text::new(s.to_string(), (middle, y), centred(size)));
        text(&self.chart.title, 8, 20).map_err(|e| e.to_string())?;
        text(&self.chart.note, 36, 14).map_err(|e| e.to_string())?;
        let (first, mut rest) = body.split_horizontally(LABELS_WIDTH + PANEL_WIDTH);
        let mut areas = vec![first];
        for _ in 1..self.chart.panels.len() {
            let (area, right) = rest.split_horizontally(PANEL_WIDTH);
            areas.push(area);
            rest = right;
        }
        for (k, ((panel, range), area)) in self.chart.panels.iter().zip(&self.ranges).zip(&areas).enumerate() {
            let labels = if k == 0 { LABELS_WIDTH } else { 12 };
            let drawn = if panel.log {
                self.panel(area, panel, range.clone().log_scale(), labels, range)
            } else {
                self.panel(area, panel, range.clone(), labels, range)
            };
            drawn.map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

impl Drawn<'_> {
    /// One metric's panel; rows run top to bottom at y = n−1 … 0, curves offset within a row.
    fn panel<DB, X>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &ComparisonPanel,
        x: X,
        label_width: u32,
        range: &Range<f64>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
    where
        DB: DrawingBackend,
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
    {
        let rows = &self.chart.rows;
        let n = rows.len();
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .caption(panel.metric.as_str(), (font::FAMILY, 17))
            .x_label_area_size(40)
            .y_label_area_size(label_width)
            .build_cartesian_2d(x, -0.5..n as f64 - 0.5)?;
        let row_name = |v: f64| {
            let r = v.round();
            let at = n as f64 - 1.0 - r;
            if (v - r).abs() < 1e-6 && (0.0..n as f64).contains(&at) {
                rows[at as usize].clone()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_labels(4)
            .y_labels(n)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| if label_width > 20 { row_name(*v) } else { String::new() })
            .label_style((font::FAMILY, 13))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .draw()?;
        let clip = |v: f64| v.clamp(range.start, range.end);
        let curves = self.chart.curves.len();
        for (r, c, summary) in panel.summaries() {
            let Some(s) = summary else { continue };
            let color = PALETTE[self.chart.curves[c].1 % PALETTE.len()];
            // Curves spread over the middle half of the row, the first on top.
            let y = (n - 1 - r) as f64 + 0.25 - 0.5 * (c as f64 + 0.5) / curves as f64;
            let (low, high) = (clip(s.low), clip(s.high));
            chart.draw_series(std::iter::once(ErrorBar::new_horizontal(
                y,
                low,
                s.mean,
                high,
                color.stroke_width(2),
                8,
            )))?;
            chart.draw_series(std::iter::once(Circle::new((s.mean, y), 5, color.filled())))?;
            let seeds = panel.values[r][c].iter().filter(|v| v.is_finite());
            chart.draw_series(seeds.map(|&v| Circle::new((v, y), 3, BLACK.mix(0.6).stroke_width(1))))?;
        }
        if label_width > 20 {
            for (name, color) in &self.chart.curves {
                let color = PALETTE[color % PALETTE.len()];
                chart
                    .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
                    .label(name.as_str())
                    .legend(move |(lx, ly)| Circle::new((lx + 10, ly), 5, color.filled()));
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .label_font((font::FAMILY, 13))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .draw()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comparison() -> Comparison {
        let panel = |metric: &str, log: bool, scale: f64| ComparisonPanel {
            metric: metric.into(),
            log,
            values: vec![vec![vec![0.08 * scale, 0.06 * scale], vec![0.03 * scale, 0.04 * scale]]; 3],
        };
        Comparison {
            title: "interventions".into(),
            note: "dots: seeds".into(),
            rows: vec!["baseline".into(), "dropout-0.1".into(), "batch-1024".into()],
            curves: vec![("raw".into(), 0), ("ema".into(), 2)],
            panels: vec![panel("osc", false, 1.0), panel("held-out loss", true, 0.1)],
        }
    }

    #[test]
    fn writes_every_row_and_curve_and_refuses_a_misshapen_panel() {
        let dir = std::env::temp_dir().join(format!("butterfly-comparison-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let [png, svg] = comparison().save(&dir, "cmp").unwrap();
        assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
        let svg = std::fs::read_to_string(&svg).unwrap();
        for word in ["baseline", "dropout-0.1", "batch-1024", "raw", "ema", "held-out loss"] {
            assert!(svg.contains(word), "{word} missing");
        }
        let mut bad = comparison();
        bad.panels[1].values.pop();
        assert!(matches!(bad.save(&dir, "bad"), Err(ReportError::Empty { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
