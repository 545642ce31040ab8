//! A sweep (paper Figures 2 and 3): one base BC config, named variants that override some of its keys,
//! and seeds. Every (variant, seed) pair is one run directory, `<out>/<variant>/seed<seed>`.
//!
//! ```toml
//! base = "walker2d-bc.toml"          # relative to this file
//! seeds = [0, 1, 2]
//! set = { steps = 50000 }            # overrides for every run
//! [[variants]]
//! name = "baseline"
//! [[variants]]
//! name = "batch-1024"
//! set = { batch_size = 1024 }
//! [[variants]]
//! name = "cosine"
//! set = { schedule.decay = { kind = "cosine", steps = 50000, final_lr = 0.0 } }
//! [[variants]]
//! name = "reference"
//! seeds = [0, 1, 2, 3, 4, 5]         # this variant's own seeds (e.g. a better-known baseline)
//! ```
//! `set` tables merge into the base key by key; a table with a `kind` key (an optimizer, a decay, a
//! stabilizer) replaces the base's instead, and so does any array (`stabilizers = [...]`).

use std::path::{Path, PathBuf};

use butterfly_train::{merge, toml_error};
use serde::Deserialize;

use crate::{BcConfig, ImitateError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    base: PathBuf,
    #[serde(default = "seed_zero")]
    seeds: Vec<u64>,
    #[serde(default)]
    set: toml::Table,
    variants: Vec<VariantFile>,
}

fn seed_zero() -> Vec<u64> {
    vec![0]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantFile {
    name: String,
    #[serde(default)]
    set: toml::Table,
    /// Replaces the sweep's seeds for this variant.
    seeds: Option<Vec<u64>>,
}

/// One run of a sweep: its resolved config and its directory relative to the sweep's output.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRun {
    pub variant: String,
    pub seed: u64,
    pub config: BcConfig,
}

impl SweepRun {
    /// `<variant>/seed<seed>`: the run directory under the sweep's output, and the run's `--only` name.
    pub fn id(&self) -> String {
        format!("{}/seed{}", self.variant, self.seed)
    }

    pub fn dir(&self, out: &Path) -> PathBuf {
        out.join(&self.variant).join(format!("seed{}", self.seed))
    }

    /// Whether the run under `out` has evaluated its last step (its `eval.csv` says so).
    pub fn finished(&self, out: &Path) -> bool {
        butterfly_store::read_log::<crate::run_dir::RolloutRow>(&self.dir(out))
            .is_ok_and(|rows| rows.last().is_some_and(|r| r.step >= self.config.steps))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// Variant names in file order.
    pub variants: Vec<String>,
    pub seeds: Vec<u64>,
    /// Variant-major: every seed of the first variant, then the next.
    pub runs: Vec<SweepRun>,
}

impl Sweep {
    /// Reads a sweep file and resolves every run's config (each checked like `bc train` checks one);
    /// `overrides` (`key.path=value`, as `bc train --set`) apply to every run after the sweep's own `set`;
    /// `seeds`, when given, replace the file's (not those a variant lists itself).
    pub fn load(path: &Path, overrides: &[String], seeds: Option<&[u64]>) -> Result<Self, ImitateError> {
        let text = std::fs::read_to_string(path).map_err(|e| bad(path, e.to_string()))?;
        let file: SweepFile = toml::from_str(&text).map_err(|e| bad(path, toml_error(&e, &text)))?;
        let base_path = path.parent().unwrap_or(Path::new(".")).join(&file.base);
        let base_text = std::fs::read_to_string(&base_path).map_err(|e| bad(&base_path, e.to_string()))?;
        Self::resolve(file, (&base_text, &base_path), path, overrides, seeds)
    }

    /// A sweep from its text and its base config's text (both built into the binary, as `reproduce`'s are);
    /// `name` stands for the sweep file in messages.
    pub fn from_texts(
        name: &Path,
        text: &str,
        base_text: &str,
        overrides: &[String],
        seeds: Option<&[u64]>,
    ) -> Result<Self, ImitateError> {
        let file: SweepFile = toml::from_str(text).map_err(|e| bad(name, toml_error(&e, text)))?;
        let base_path = name.parent().unwrap_or(Path::new(".")).join(&file.base);
        Self::resolve(file, (base_text, &base_path), name, overrides, seeds)
    }

    fn resolve(
        file: SweepFile,
        (base_text, base_path): (&str, &Path),
        path: &Path,
        overrides: &[String],
        seeds: Option<&[u64]>,
    ) -> Result<Self, ImitateError> {
        let mut base: toml::Table = toml::from_str(base_text).map_err(|e| bad(base_path, toml_error(&e, base_text)))?;
        merge(&mut base, &file.set);
        for o in overrides {
            merge(&mut base, &butterfly_train::parse_override(o).map_err(|e| bad(path, e.to_string()))?);
        }
        let seeds = seeds.map_or(file.seeds, <[u64]>::to_vec);
        Self::expand(base, seeds, file.variants).map_err(|what| bad(path, what))
    }

    fn expand(base: toml::Table, seeds: Vec<u64>, variants: Vec<VariantFile>) -> Result<Self, String> {
        if variants.is_empty() || seeds.is_empty() {
            return Err("needs at least one [[variants]] entry and one seed".into());
        }
        let mut names: Vec<String> = Vec::new();
        for v in &variants {
            let safe = v.name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
            if v.name.is_empty() || !safe || v.name.starts_with('.') {
                return Err(format!("variant name '{}' must be letters, digits, '.', '_' or '-'", v.name));
            }
            if names.contains(&v.name) {
                return Err(format!("variant '{}' appears twice", v.name));
            }
            names.push(v.name.clone());
        }
        let mut runs = Vec::new();
        for v in &variants {
            let own = v.seeds.as_ref().unwrap_or(&seeds);
            let mut seen = own.clone();
            seen.sort_unstable();
            seen.dedup();
            if seen.len() != own.len() || own.is_empty() {
                return Err(format!("variant '{}': seeds repeat or are empty", v.name));
            }
            for &seed in own {
                let mut table = base.clone();
                merge(&mut table, &v.set);
                table.insert("seed".into(), toml::Value::Integer(seed as i64));
                let text = toml::to_string(&table).map_err(|e| format!("variant '{}': {e}", v.name))?;
                let config = BcConfig::from_toml(&text).map_err(|e| format!("variant '{}': {e}", v.name))?;
                runs.push(SweepRun { variant: v.name.clone(), seed, config });
            }
        }
        Ok(Self { variants: names, seeds, runs })
    }

    /// The runs named by `only` (`variant` or `variant/seed<k>`); all of them for `None`.
    pub fn select(&self, only: Option<&str>) -> Result<Vec<&SweepRun>, ImitateError> {
        let chosen: Vec<&SweepRun> =
            self.runs.iter().filter(|r| only.is_none_or(|o| o == r.variant || o == r.id())).collect();
        if chosen.is_empty() {
            let names: Vec<String> = self.runs.iter().map(SweepRun::id).collect();
            return Err(ImitateError::Config(format!(
                "no run is named '{}' (runs: {})",
                only.unwrap_or_default(),
                names.join(", ")
            )));
        }
        Ok(chosen)
    }
}

fn bad(path: &Path, what: String) -> ImitateError {
    ImitateError::Config(format!("{}: {what}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
env = "LinearSystem"
expert = "linear"
steps = 100
[network]
hidden = [8, 8]
[schedule]
lr = 1e-3
decay = { kind = "linear", steps = 100, final_lr = 0.0 }
[[stabilizers]]
kind = "ema"
alpha = 0.5
"#;

    fn sweep(file: &str) -> Result<Sweep, ImitateError> {
        let dir = std::env::temp_dir().join(format!("butterfly-sweep-{}-{}", std::process::id(), file.len()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("base.toml"), BASE).unwrap();
        std::fs::write(dir.join("sweep.toml"), file).unwrap();
        let result = Sweep::load(&dir.join("sweep.toml"), &[], None);
        std::fs::remove_dir_all(&dir).unwrap();
        result
    }

    #[test]
    fn variants_override_the_base_and_seeds_multiply() {
        let s = sweep(
            r#"
base = "base.toml"
seeds = [3, 4]
set = { steps = 50 }
[[variants]]
name = "baseline"
[[variants]]
name = "wide"
set = { network.hidden = [32, 32], schedule.decay = { kind = "constant" }, stabilizers = [] }
"#,
        )
        .unwrap();
        assert_eq!(s.variants, ["baseline", "wide"]);
        let ids: Vec<String> = s.runs.iter().map(SweepRun::id).collect();
        assert_eq!(ids, ["baseline/seed3", "baseline/seed4", "wide/seed3", "wide/seed4"]);
        let (base, wide) = (&s.runs[0].config, &s.runs[3].config);
        assert_eq!((base.steps, base.seed, wide.steps, wide.seed), (50, 3, 50, 4));
        assert_eq!((base.network.hidden.clone(), wide.network.hidden.clone()), (vec![8, 8], vec![32, 32]));
        // The decay table was replaced (a merge would have kept `steps` and been rejected), lr kept.
        assert_eq!(wide.schedule, butterfly_nn::Schedule::constant(1e-3));
        assert_eq!((base.stabilizers.len(), wide.stabilizers.len()), (1, 0));
        assert_eq!(s.runs[3].dir(Path::new("out")), Path::new("out/wide/seed4"));
        assert_eq!(s.select(Some("wide")).unwrap().len(), 2);
        assert_eq!(s.select(Some("wide/seed3")).unwrap()[0].seed, 3);
        assert!(s.select(Some("narrow")).unwrap_err().to_string().contains("baseline/seed3"));
    }

    #[test]
    fn a_variant_may_list_its_own_seeds() {
        let file = "base = \"base.toml\"\nseeds = [0, 1]\n[[variants]]\nname = \"ref\"\nseeds = [0, 1, 2, 3]\n\
                    [[variants]]\nname = \"b\"\n";
        let ids = |s: Sweep| s.runs.iter().map(SweepRun::id).collect::<Vec<_>>();
        assert_eq!(
            ids(sweep(file).unwrap()),
            ["ref/seed0", "ref/seed1", "ref/seed2", "ref/seed3", "b/seed0", "b/seed1"]
        );
        assert!(
            sweep(&file.replace("[0, 1, 2, 3]", "[2, 2]")).unwrap_err().to_string().contains("'ref': seeds repeat")
        );
    }

    #[test]
    fn bad_sweeps_are_one_clear_error() {
        let err = |file: &str| sweep(file).unwrap_err().to_string();
        assert!(err("base = \"missing.toml\"\n[[variants]]\nname = \"a\"").contains("missing.toml"));
        assert!(err("base = \"base.toml\"\n[[variants]]\nname = \"a\"\nset = { netwrk = 1 }").contains("netwrk"));
        assert!(err("base = \"base.toml\"\n[[variants]]\nname = \"a/b\"").contains("a/b"));
        assert!(err("base = \"base.toml\"\n[[variants]]\nname = \"a\"\n[[variants]]\nname = \"a\"").contains("twice"));
        assert!(err("base = \"base.toml\"\nvariants = []").contains("at least one"));
        assert!(err("base = \"base.toml\"\nseed = [1]\n[[variants]]\nname = \"a\"").contains("seed"));
    }

    #[test]
    fn every_shipped_config_and_sweep_resolves() {
        let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
        for entry in std::fs::read_dir(&configs).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                BcConfig::from_toml(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
        let mut sweeps = 0;
        for entry in std::fs::read_dir(configs.join("sweeps")).unwrap() {
            let s = Sweep::load(&entry.unwrap().path(), &[], None).unwrap();
            assert!(s.runs.len() >= s.variants.len() * s.seeds.len());
            sweeps += 1;
        }
        assert!(sweeps >= 3);
    }
}
