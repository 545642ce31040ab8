//! Writing a figure twice, as PNG (for the README) and SVG (to scale), from one drawing routine.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::ReportError;
use crate::plot::font;

/// Something that draws itself onto a whole drawing area of any backend. A trait, not a closure: the bitmap
/// and SVG backends are different types, and a closure cannot be generic over the backend.
pub(crate) trait Figure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Writes `<dir>/<stem>.png` and `<dir>/<stem>.svg` of `size` pixels and returns their paths.
pub(crate) fn save(
    figure: &impl Figure,
    dir: &Path,
    stem: &str,
    size: (u32, u32),
) -> Result<[PathBuf; 2], ReportError> {
    if !font::registered() {
        return Err(ReportError::Font);
    }
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |message: String| ReportError::Draw { path, message }
    };
    render(figure, &BitMapBackend::new(&png, size).into_drawing_area()).map_err(fail(&png))?;
    render(figure, &SVGBackend::new(&svg, size).into_drawing_area()).map_err(fail(&svg))?;
    Ok([png, svg])
}

/// Draws and flushes; the backend writes its file on `present`.
fn render<DB: DrawingBackend>(figure: &impl Figure, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
    figure.draw(root)?;
    root.present().map_err(|e| e.to_string())
}
