//! Line charts with several named series, optional log axes and optional uncertainty.

use std::ops::Range;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::ReportError;
use crate::plot::figure::{self, Figure};
use crate::plot::font;

const WIDTH: u32 = 900;
const HEIGHT: u32 = 560;

/// Tableau 10: distinct in print and for the common colour-vision deficiencies.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// An axis: its label and whether it is logarithmic.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub label: String,
    pub log: bool,
}

impl Axis {
    pub fn linear(label: impl Into<String>) -> Self {
        Self { label: label.into(), log: false }
    }

    pub fn log(label: impl Into<String>) -> Self {
        Self { label: label.into(), log: true }
    }
}

/// How a series is drawn, and how its intervals are: a band around a line, error bars on markers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Line,
    Dashed,
    Markers,
    /// Small translucent dots without a legend entry (per-initial-condition returns).
    Dots,
}

/// Where the legend goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corner {
    UpperLeft,
    UpperRight,
    LowerLeft,
    LowerRight,
}

/// A named series of (x, y) points, optionally with an interval (low, high) per point.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The legend's entry; empty for none (e.g. the dots that go with a named line of the same colour).
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub intervals: Option<Vec<(f64, f64)>>,
    pub style: Style,
    /// Index into the palette (wrapping), so that related series (an estimate and its exact value) can share it.
    pub color: usize,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>, style: Style, color: usize) -> Self {
        Self { name: name.into(), points, intervals: None, style, color }
    }

    pub fn with_intervals(mut self, intervals: Vec<(f64, f64)>) -> Self {
        self.intervals = Some(intervals);
        self
    }
}

/// A chart of several series. Points that a log axis cannot show (zero or negative) are left out, and
/// interval ends below a log axis's range are clipped to its edge.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    pub title: String,
    /// A smaller line under the title (a key to the styles, the setting); empty for none.
    pub note: String,
    pub x: Axis,
    pub y: Axis,
    pub legend: Corner,
    pub series: Vec<Series>,
}

impl LineChart {
    pub fn new(title: impl Into<String>, x: Axis, y: Axis) -> Self {
        Self { title: title.into(), note: String::new(), x, y, legend: Corner::UpperLeft, series: Vec::new() }
    }

    pub fn push(&mut self, series: Series) {
        self.series.push(series);
    }

    /// Writes `<dir>/<stem>.png` and `<dir>/<stem>.svg` and returns their paths.
    pub fn save(&self, dir: &Path, stem: &str) -> Result<[PathBuf; 2], ReportError> {
        self.check_intervals()?;
        let (x, y) = self.ranges()?;
        figure::save(&Framed { chart: self, x, y }, dir, stem, (WIDTH, HEIGHT))
    }

    pub(crate) fn check_intervals(&self) -> Result<(), ReportError> {
        for s in &self.series {
            if let Some(intervals) = &s.intervals
                && intervals.len() != s.points.len()
            {
                return Err(ReportError::IntervalCount {
                    series: s.name.clone(),
                    points: s.points.len(),
                    intervals: intervals.len(),
                });
            }
        }
        Ok(())
    }

    /// The data ranges, padded, over every drawable point and interval end.
    pub(crate) fn ranges(&self) -> Result<(Range<f64>, Range<f64>), ReportError> {
        let shown = |v: f64, log: bool| v.is_finite() && (!log || v > 0.0);
        let xs: Vec<f64> =
            self.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).filter(|&v| shown(v, self.x.log)).collect();
        let mut ys: Vec<f64> = self.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).collect();
        ys.extend(self.series.iter().flat_map(|s| s.intervals.iter().flatten().flat_map(|&(lo, hi)| [lo, hi])));
        ys.retain(|&v| shown(v, self.y.log));
        let hint = if self.x.log || self.y.log { " (a log axis shows positive values only)" } else { "" };
        match (padded(&xs, self.x.log), padded(&ys, self.y.log)) {
            (Some(x), Some(y)) => Ok((x, y)),
            _ => Err(ReportError::Empty { title: self.title.clone(), hint }),
        }
    }

    /// Draws the chart, title strip included, filling `root`.
    pub(crate) fn render<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        x: Range<f64>,
        y: Range<f64>,
    ) -> Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        // The title and note get a strip of their own: plotters' caption is a single line.
        let (header, body) = root.split_vertically(if self.note.is_empty() { 36 } else { 58 });
        let centred = |size| TextStyle::from((font::FAMILY, size).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        let middle = root.dim_in_pixel().0 as i32 / 2;
        header.draw(&Text::new(self.title.as_str(), (middle, 8), centred(20))).map_err(|e| e.to_string())?;
        if !self.note.is_empty() {
            header.draw(&Text::new(self.note.as_str(), (middle, 34), centred(14))).map_err(|e| e.to_string())?;
        }
        // Log axes label the ticks log_ticks chooses: plotters' own labels only powers of ten, so an axis
        // inside one decade (a BC loss from 0.012 to 0.0013) would carry no number at all.
        let (x_ticks, y_ticks) = (log_ticks(&x), log_ticks(&y));
        match (self.x.log, self.y.log) {
            (false, false) => self.draw(&body, x, y),
            (true, false) => self.draw(&body, x.log_scale().with_key_points(x_ticks), y),
            (false, true) => self.draw(&body, x, y.log_scale().with_key_points(y_ticks)),
            (true, true) => {
                self.draw(&body, x.log_scale().with_key_points(x_ticks), y.log_scale().with_key_points(y_ticks))
            }
        }
        .map_err(|e| e.to_string())
    }

    /// Draws onto one coordinate system; generic because linear and log axes are different plotters types.
    fn draw<DB, X, Y>(
        &self,
        root: &DrawingArea<DB, Shift>,
        x: X,
        y: Y,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
    where
        DB: DrawingBackend,
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut chart =
            ChartBuilder::on(root).margin(12).x_label_area_size(48).y_label_area_size(72).build_cartesian_2d(x, y)?;
        let y_range = chart.y_range();
        chart
            .configure_mesh()
            .x_desc(&self.x.label)
            .y_desc(&self.y.label)
            // Few labels: on a log axis spanning less than a decade or two plotters would label every minor tick.
            .x_labels(6)
            .y_labels(8)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .label_style((font::FAMILY, 14))
            .axis_desc_style((font::FAMILY, 16))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        let (x_log, y_log) = (self.x.log, self.y.log);
        let drawable =
            |&(px, py): &(f64, f64)| px.is_finite() && py.is_finite() && (!x_log || px > 0.0) && (!y_log || py > 0.0);
        // Interval ends outside the axis (a negative lower end on a log axis) are clipped to its edge.
        let clip = |v: f64| v.clamp(y_range.start, y_range.end);
        for s in &self.series {
            let color = PALETTE[s.color % PALETTE.len()];
            let kept: Vec<usize> = (0..s.points.len()).filter(|&i| drawable(&s.points[i])).collect();
            let points: Vec<(f64, f64)> = kept.iter().map(|&i| s.points[i]).collect();
            let intervals: Option<Vec<(f64, f64)>> =
                s.intervals.as_ref().map(|iv| kept.iter().map(|&i| (clip(iv[i].0), clip(iv[i].1))).collect());
            if let (Some(iv), Style::Line | Style::Dashed) = (&intervals, s.style)
                && !points.is_empty()
            {
                let band: Vec<(f64, f64)> = points
                    .iter()
                    .zip(iv)
                    .map(|(p, b)| (p.0, b.1))
                    .chain(points.iter().zip(iv).rev().map(|(p, b)| (p.0, b.0)))
                    .collect();
                chart.draw_series(std::iter::once(Polygon::new(band, color.mix(0.18).filled())))?;
            }
            let stroke = color.stroke_width(2);
            let legend = match s.style {
                Style::Line => chart.draw_series(LineSeries::new(points.clone(), stroke))?,
                Style::Dashed => chart.draw_series(DashedLineSeries::new(points.clone(), 8, 5, stroke))?,
                Style::Markers => {
                    if let Some(iv) = &intervals {
                        chart.draw_series(
                            points.iter().zip(iv).map(|(p, b)| ErrorBar::new_vertical(p.0, b.0, p.1, b.1, stroke, 8)),
                        )?;
                    }
                    chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, color.filled())))?
                }
                Style::Dots => {
                    chart.draw_series(points.iter().map(|&p| Circle::new(p, 2, color.mix(0.55).filled())))?;
                    continue;
                }
            };
            if !s.name.is_empty() {
                let style = s.style;
                legend.label(&s.name).legend(move |(lx, ly)| match style {
                    Style::Markers => Circle::new((lx + 10, ly), 4, color.filled()).into_dyn(),
                    Style::Line | Style::Dashed | Style::Dots => {
                        PathElement::new(vec![(lx, ly), (lx + 20, ly)], stroke).into_dyn()
                    }
                });
            }
        }
        let position = match self.legend {
            Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
            Corner::UpperRight => SeriesLabelPosition::UpperRight,
            Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
            Corner::LowerRight => SeriesLabelPosition::LowerRight,
        };
        chart
            .configure_series_labels()
            .position(position)
            .label_font((font::FAMILY, 14))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
    }
}

/// A chart with its data ranges, worked out once for both files.
struct Framed<'a> {
    chart: &'a LineChart,
    x: Range<f64>,
    y: Range<f64>,
}

impl Figure for Framed<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        self.chart.render(root, self.x.clone(), self.y.clone())
    }
}

/// The range of `values` with a margin (multiplicative on a log axis); None if there is none.
pub(crate) fn padded(values: &[f64], log: bool) -> Option<Range<f64>> {
    let lo = values.iter().copied().reduce(f64::min)?;
    let hi = values.iter().copied().reduce(f64::max)?;
    Some(if log {
        let margin = (hi / lo).powf(0.04).max(1.1);
        lo / margin..hi * margin
    } else {
        let margin = if hi > lo { 0.05 * (hi - lo) } else { 0.5 * lo.abs().max(1.0) };
        lo - margin..hi + margin
    })
}

/// Ticks of a log axis over `range` (positive): the powers of ten inside it when there are two or more,
/// else 1, 2 and 5 times them, else (a range inside one such step) its ends and three points between.
pub(crate) fn log_ticks(range: &Range<f64>) -> Vec<f64> {
    let (lo, hi) = (range.start.min(range.end), range.start.max(range.end));
    if !(lo > 0.0 && hi.is_finite()) {
        return Vec::new();
    }
    let decades = (lo.log10().floor() as i32)..=(hi.log10().ceil() as i32);
    let inside = |v: &f64| (lo..=hi).contains(v);
    let powers: Vec<f64> = decades.clone().map(|k| 10f64.powi(k)).filter(inside).collect();
    if powers.len() >= 2 {
        return powers;
    }
    let steps: Vec<f64> = decades.flat_map(|k| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(k))).filter(inside).collect();
    if steps.len() >= 2 {
        return steps;
    }
    (0..5).map(|i| lo * (hi / lo).powf(i as f64 / 4.0)).collect()
}

/// Tick labels: plain decimals in a readable range, scientific notation beyond it.
pub(crate) fn tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_string()
    } else if (1e5..1e9).contains(&a) && v.fract() == 0.0 {
        // Whole numbers (update counts) in full: ticks 20 updates apart must not all read 1.5e5.
        format!("{v:.0}")
    } else if !(1e-3..1e5).contains(&a) {
        // Two decimals of mantissa at most, so that 1.5e5 does not round to 2e5.
        let s = format!("{v:.2e}");
        let (mantissa, exponent) = s.split_once('e').expect("scientific notation");
        format!("{}e{exponent}", mantissa.trim_end_matches('0').trim_end_matches('.'))
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(x: Axis, y: Axis) -> LineChart {
        let mut chart = LineChart::new("test", x, y);
        chart.note = "a note".to_string();
        let points: Vec<(f64, f64)> = (1..=5).map(|i| (i as f64, (i * i) as f64)).collect();
        let intervals = points.iter().map(|p| (p.1 - 3.0, p.1 + 3.0)).collect();
        chart.push(Series::new("band", points.clone(), Style::Line, 0).with_intervals(intervals));
        chart.push(Series::new("dashed", points.iter().map(|p| (p.0, p.1 + 1.0)).collect(), Style::Dashed, 1));
        let bars = points.iter().map(|p| (p.1 - 1.0, p.1 + 1.0)).collect();
        chart.push(Series::new("bars", points, Style::Markers, 2).with_intervals(bars));
        chart
    }

    #[test]
    fn writes_png_and_svg_with_linear_and_log_axes() {
        let dir = std::env::temp_dir().join(format!("butterfly-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (i, (x, y)) in
            [(Axis::linear("x"), Axis::linear("y")), (Axis::log("x"), Axis::log("y"))].into_iter().enumerate()
        {
            let [png, svg] = chart(x, y).save(&dir, &format!("chart{i}")).unwrap();
            assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
            let svg = std::fs::read_to_string(&svg).unwrap();
            assert!(svg.contains("<svg") && svg.contains("dashed") && svg.contains("bars"), "{svg}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_empty_charts_and_mismatched_intervals() {
        let dir = std::env::temp_dir();
        let mut empty = LineChart::new("empty", Axis::linear("x"), Axis::log("y"));
        empty.push(Series::new("negative", vec![(1.0, -1.0)], Style::Line, 0));
        assert!(matches!(empty.save(&dir, "never"), Err(ReportError::Empty { .. })));
        let mut bad = LineChart::new("bad", Axis::linear("x"), Axis::linear("y"));
        bad.push(Series::new("s", vec![(1.0, 1.0)], Style::Markers, 0).with_intervals(vec![]));
        assert!(matches!(bad.save(&dir, "never"), Err(ReportError::IntervalCount { .. })));
    }

    #[test]
    fn log_axes_get_numbers_whatever_their_span() {
        assert_eq!(log_ticks(&(0.5..2000.0)), [1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(log_ticks(&(0.0013..0.012)), [0.002, 0.005, 0.01]);
        let narrow = log_ticks(&(1.1..1.9));
        assert_eq!(narrow.len(), 5);
        assert!((narrow[0] - 1.1).abs() < 1e-12 && (narrow[4] - 1.9).abs() < 1e-12);
        assert!(log_ticks(&(0.0..1.0)).is_empty(), "a log axis shows positive values only");
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(100.0), "100");
        assert_eq!(tick(1e-4), "1e-4");
        assert_eq!(tick(150020.0), "150020");
        assert_eq!(tick(150000.5), "1.5e5");
        assert_eq!(tick(2e9), "2e9");
        assert_eq!(tick(-2.5e-5), "-2.5e-5");
        assert_eq!(tick(0.0), "0");
    }
}
