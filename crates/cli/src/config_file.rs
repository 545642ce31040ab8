//! Reading an experiment's TOML with the command line's `--set key.path=value` overrides merged in.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

#[derive(Args, Clone, Default)]
pub struct ConfigArgs {
    /// Override a key of the config, e.g. `--set steps=5000 --set schedule.lr=3e-4` (TOML values;
    /// tables merge key by key, a table with a `kind` replaces). The run stores the merged config.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Another seed: the same as `--set seed=N`.
    #[arg(long, value_name = "N", value_parser = config_seed())]
    pub seed: Option<u64>,
}

/// Seeds that go into a config: TOML integers are signed 64-bit, so at most 2^63 − 1.
pub fn config_seed() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(..=i64::MAX as u64)
}

impl ConfigArgs {
    /// Every override, `--seed` last.
    pub fn overrides(&self) -> Vec<String> {
        self.set.iter().cloned().chain(self.seed.map(|s| format!("seed={s}"))).collect()
    }
}

/// How a trainer is started: a config and a run directory, or a run to resume.
#[derive(Args)]
pub struct RunArgs {
    /// The experiment (TOML; unknown keys are rejected).
    #[arg(required_unless_present = "resume")]
    config: Option<PathBuf>,
    /// The run directory: a new or empty one, or one holding a run of the same config (continued).
    #[arg(long, value_name = "DIR", required_unless_present = "resume")]
    out: Option<PathBuf>,
    /// Continue the run in DIR from its last checkpoint (its CSVs are cut back to it first).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["config", "out"])]
    resume: Option<PathBuf>,
    /// Stop after this many updates (the run can be resumed later).
    #[arg(long, value_name = "STEP")]
    pub stop_at: Option<u64>,
    /// With --resume: the run's new length in updates, the one key a resume may change (its config.toml
    /// is rewritten; a run cannot be cut below its checkpoint).
    #[arg(long, value_name = "N", requires = "resume")]
    steps: Option<u64>,
    #[command(flatten)]
    overrides: ConfigArgs,
}

/// What [`RunArgs`] ask for.
pub enum RunStart {
    /// The run directory, and its new length if one was given.
    Resume { dir: PathBuf, steps: Option<u64> },
    /// The config file's text with the overrides merged in, the file (for messages) and the run directory.
    Create { text: String, config: PathBuf, out: PathBuf },
}

impl RunArgs {
    pub fn start(&self) -> anyhow::Result<RunStart> {
        match (&self.resume, &self.config, &self.out) {
            (Some(dir), _, _) => {
                refuse_on_resume(&self.overrides)?;
                Ok(RunStart::Resume { dir: dir.clone(), steps: self.steps })
            }
            (None, Some(config), Some(out)) => {
                let text = read_config(config, &self.overrides)?;
                Ok(RunStart::Create { text, config: config.clone(), out: out.clone() })
            }
            _ => unreachable!("clap requires CONFIG and --out, or --resume"),
        }
    }
}

/// The text of the config at `path` with `args`' overrides applied.
pub fn read_config(path: &Path, args: &ConfigArgs) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    butterfly_train::apply_overrides(&text, &args.overrides()).with_context(|| format!("{}", path.display()))
}

/// A resumed run keeps the config it was started with.
pub fn refuse_on_resume(args: &ConfigArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.overrides().is_empty(),
        "--set and --seed apply to a new run: a resumed run keeps the config in its directory"
    );
    Ok(())
}
