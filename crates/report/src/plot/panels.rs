//! Small multiples: several line charts in one figure (paper Figures 2 and 3), one panel per variant.

use std::ops::Range;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::ReportError;
use crate::plot::figure::{self, Figure};
use crate::plot::font;
use crate::plot::line_chart::LineChart;

const PANEL_WIDTH: u32 = 620;
const PANEL_HEIGHT: u32 = 400;
const HEADER: u32 = 44;

/// Panels laid out row by row, `columns` to a row, under one title.
#[derive(Clone, Debug, PartialEq)]
pub struct Panels {
    pub title: String,
    pub columns: usize,
    pub charts: Vec<LineChart>,
}

impl Panels {
    /// Writes `<dir>/<stem>.png` and `<dir>/<stem>.svg` and returns their paths.
    pub fn save(&self, dir: &Path, stem: &str) -> Result<[PathBuf; 2], ReportError> {
        if self.charts.is_empty() || self.columns == 0 {
            return Err(ReportError::Empty { title: self.title.clone(), hint: " (no panels)" });
        }
        let mut ranges = Vec::new();
        for chart in &self.charts {
            chart.check_intervals()?;
            ranges.push(chart.ranges()?);
        }
        let columns = self.columns.min(self.charts.len());
        let rows = self.charts.len().div_ceil(columns);
        let size = (PANEL_WIDTH * columns as u32, HEADER + PANEL_HEIGHT * rows as u32);
        figure::save(&Grid { panels: self, ranges, rows, columns }, dir, stem, size)
    }
}

/// The panels laid out, with each chart's data ranges worked out once for both files.
struct Grid<'a> {
    panels: &'a Panels,
    ranges: Vec<(Range<f64>, Range<f64>)>,
    rows: usize,
    columns: usize,
}

impl Figure for Grid<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (header, body) = root.split_vertically(HEADER);
        let style = TextStyle::from((font::FAMILY, 22).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        let middle = root.dim_in_pixel().0 as i32 / 2;
        header.draw(&Text::new(self.panels.title.as_str(), (middle, 10), style)).map_err(|e| e.to_string())?;
        let areas = body.split_evenly((self.rows, self.columns));
        for ((chart, (x, y)), area) in self.panels.charts.iter().zip(&self.ranges).zip(areas) {
            chart.render(&area, x.clone(), y.clone())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::line_chart::{Axis, Series, Style};

    #[test]
    fn writes_a_grid_of_panels() {
        let dir = std::env::temp_dir().join(format!("butterfly-panels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let chart = |name: &str, log: bool| {
            let mut c = LineChart::new(name, Axis::linear("x"), if log { Axis::log("y") } else { Axis::linear("y") });
            c.push(Series::new("line", vec![(0.0, 1.0), (1.0, 2.0)], Style::Line, 0));
            c.push(Series::new("", vec![(0.0, 1.5), (1.0, 2.5)], Style::Dots, 9));
            c
        };
        let panels = Panels {
            title: "grid".into(),
            columns: 2,
            charts: vec![chart("a", false), chart("b", true), chart("c", false)],
        };
        let [png, svg] = panels.save(&dir, "grid").unwrap();
        assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
        let svg = std::fs::read_to_string(svg).unwrap();
        assert!(svg.contains(r#"width="1240""#) && svg.contains(r#"height="844""#), "two columns, two rows");
        let none = Panels { title: "none".into(), columns: 2, charts: vec![] };
        assert!(matches!(none.save(&dir, "none"), Err(ReportError::Empty { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
