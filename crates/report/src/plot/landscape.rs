//! A reward landscape's files (paper Figure 1, right): its grid as CSV and J_H next to the BC loss as heatmaps.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use butterfly_imitate::Landscape;
use butterfly_store::write_atomic;

use crate::ReportError;
use crate::plot::heatmap::{Heatmaps, Surface};

/// J_H and the BC loss side by side, titled with `what` and their roughness.
pub fn landscape_heatmaps(land: &Landscape, what: &str) -> Heatmaps {
    Heatmaps {
        title: format!("{what}: roughness J_H {:.3}, BC loss {:.3}", land.return_roughness, land.loss_roughness),
        x_label: "s (SGD steps along d₁)".into(),
        y_label: "t (SGD steps along d₂)".into(),
        panels: vec![
            Surface { title: "rollout reward J_H".into(), coords: land.coords.clone(), values: land.returns.clone() },
            Surface { title: "held-out BC loss".into(), coords: land.coords.clone(), values: land.bc_loss.clone() },
        ],
    }
}

/// Where [`write_landscape`] put the grid and the heatmaps (PNG, SVG).
#[derive(Clone, Debug, PartialEq)]
pub struct LandscapeFiles {
    pub csv: PathBuf,
    pub plots: [PathBuf; 2],
}

/// Writes `<dir>/<stem>.csv` (`s,t,return,bc_loss`, one row per grid point, floats in shortest round-trip
/// form) and the heatmaps `<dir>/<stem>.{png,svg}` titled with `what`; creates `dir` if missing.
pub fn write_landscape(land: &Landscape, dir: &Path, stem: &str, what: &str) -> Result<LandscapeFiles, ReportError> {
    std::fs::create_dir_all(dir).map_err(|e| ReportError::Write { path: dir.to_path_buf(), message: e.to_string() })?;
    let n = land.coords.len();
    let mut text = String::from("s,t,return,bc_loss\n");
    for i in 0..n {
        for j in 0..n {
            let k = i * n + j;
            let _ =
                writeln!(text, "{:?},{:?},{:?},{:?}", land.coords[i], land.coords[j], land.returns[k], land.bc_loss[k]);
        }
    }
    let csv = dir.join(format!("{stem}.csv"));
    write_atomic(&csv, text.as_bytes())?;
    let plots = landscape_heatmaps(land, what).save(dir, stem)?;
    Ok(LandscapeFiles { csv, plots })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_one_csv_row_per_grid_point_and_both_heatmaps() {
        let land = Landscape {
            coords: vec![-1.0, 0.0, 1.0],
            returns: (0..9).map(|k| k as f64).collect(),
            bc_loss: (0..9).map(|k| 0.1 * k as f64).collect(),
            return_roughness: 0.25,
            loss_roughness: 0.25,
            return_neighbour_change: 2.0,
            step_norms: [1.0, 1.0],
            lr: 1e-3,
        };
        let dir = std::env::temp_dir().join(format!("butterfly-landscape-{}", std::process::id()));
        let files = write_landscape(&land, &dir, "step_5_raw", "raw around step 5").unwrap();
        let csv = std::fs::read_to_string(&files.csv).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + 9, "{csv}");
        assert_eq!((lines[0], lines[2], lines[9]), ("s,t,return,bc_loss", "-1.0,0.0,1.0,0.1", "1.0,1.0,8.0,0.8"));
        let svg = std::fs::read_to_string(&files.plots[1]).unwrap();
        assert!(svg.contains("raw around step 5: roughness J_H 0.250"), "{svg}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
