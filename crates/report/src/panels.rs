//! Small multiples: several line charts in one figure (paper Figures 2 and 3), one panel per variant.

use std::ops::Range;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::{LineChart, ReportError, font};

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
        if !font::registered() {
            return Err(ReportError::Font);
        }
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
        let png = dir.join(format!("{stem}.png"));
        let svg = dir.join(format!("{stem}.svg"));
        self.draw(BitMapBackend::new(&png, size).into_drawing_area(), &ranges, rows, columns)
            .map_err(|message| ReportError::Draw { path: png.clone(), message })?;
        self.draw(SVGBackend::new(&svg, size).into_drawing_area(), &ranges, rows, columns)
            .map_err(|message| ReportError::Draw { path: svg.clone(), message })?;
        Ok([png, svg])
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, Shift>,
        ranges: &[(Range<f64>, Range<f64>)],
        rows: usize,
        columns: usize,
    ) -> Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (header, body) = root.split_vertically(HEADER);
        let style = TextStyle::from((font::FAMILY, 22).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        let middle = root.dim_in_pixel().0 as i32 / 2;
        header.draw(&Text::new(self.title.as_str(), (middle, 10), style)).map_err(|e| e.to_string())?;
        for ((chart, (x, y)), area) in self.charts.iter().zip(ranges).zip(body.split_evenly((rows, columns))) {
            chart.render(&area, x.clone(), y.clone())?;
        }
        root.present().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Axis, Series, Style};

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
