//! The landscapes' section of a BC run's `report.md` (what `butterfly demo` adds to the run's report).

use std::fmt::Write as _;
use std::path::Path;

use butterfly_imitate::Landscape;
use butterfly_store::write_atomic;

use crate::ReportError;
use crate::plot::landscape_heatmaps;

/// Saves each variant's heatmaps as `plots/landscape_<variant>.{png,svg}` next to `report` and appends to
/// `report` a table of the landscapes' roughness around `step` and the heatmaps. `expert_return` scales the
/// mean neighbour change, so that it compares across variants.
pub fn append_landscape_section(
    report: &Path,
    step: u64,
    landscapes: &[(String, Landscape)],
    expert_return: f64,
) -> Result<(), ReportError> {
    let plots = report.parent().unwrap_or(Path::new(".")).join("plots");
    for (name, land) in landscapes {
        landscape_heatmaps(land, &format!("{name} around step {step}")).save(&plots, &format!("landscape_{name}"))?;
    }
    let mut md = std::fs::read_to_string(report)
        .map_err(|e| ReportError::Run { path: report.to_path_buf(), what: e.to_string() })?;
    let _ = writeln!(
        md,
        "\n## Landscapes around step {step}\n\n| variant | roughness of J_H | roughness of the BC loss | mean neighbour change of J_H / J_expert |\n|---|---|---|---|"
    );
    for (name, land) in landscapes {
        let change = land.return_neighbour_change / expert_return.abs();
        let _ = writeln!(md, "| {name} | {:.3} | {:.3} | {change:.3} |", land.return_roughness, land.loss_roughness);
    }
    md.push_str(
        "\nRoughness: mean |difference| between grid neighbours divided by the surface's range (1: every neighbour differs \
         by the whole range; small: smooth). The last column is the same mean difference relative to the expert's return, \
         comparable across variants whatever their ranges.\n\n",
    );
    for (name, _) in landscapes {
        let _ = writeln!(md, "![landscape {name}](plots/landscape_{name}.png)\n");
    }
    write_atomic(report, md.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_a_row_and_an_image_per_variant() {
        let land = |change: f64| Landscape {
            coords: vec![-1.0, 1.0],
            returns: vec![0.0; 4],
            bc_loss: vec![0.0; 4],
            return_roughness: 0.5,
            loss_roughness: 0.125,
            return_neighbour_change: change,
            step_norms: [1.0, 1.0],
            lr: 1e-3,
        };
        let dir = std::env::temp_dir().join(format!("butterfly-landscape-section-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("plots")).unwrap();
        let report = dir.join("report.md");
        std::fs::write(&report, "# Run\n").unwrap();
        append_landscape_section(&report, 300, &[("raw".into(), land(50.0)), ("ema".into(), land(5.0))], -100.0)
            .unwrap();
        let md = std::fs::read_to_string(&report).unwrap();
        assert!(md.starts_with("# Run\n\n## Landscapes around step 300\n"), "{md}");
        assert!(md.contains("| raw | 0.500 | 0.125 | 0.500 |\n| ema | 0.500 | 0.125 | 0.050 |\n"), "{md}");
        assert!(
            md.ends_with("![landscape raw](plots/landscape_raw.png)\n\n![landscape ema](plots/landscape_ema.png)\n\n")
        );
        for file in ["landscape_raw.png", "landscape_raw.svg", "landscape_ema.png", "landscape_ema.svg"] {
            assert!(dir.join("plots").join(file).exists(), "{file}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
