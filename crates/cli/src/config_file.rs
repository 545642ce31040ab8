//! Reading an experiment's TOML with the command line's `--set key.path=value` overrides merged in.

use std::path::Path;

use anyhow::Context;
use clap::Args;

#[derive(Args, Clone, Default)]
pub struct ConfigArgs {
    /// Override a key of the config, e.g. `--set steps=5000 --set schedule.lr=3e-4` (TOML values;
    /// tables merge key by key, a table with a `kind` replaces). The run stores the merged config.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// The text of the config at `path` with `args`' overrides applied.
pub fn read_config(path: &Path, args: &ConfigArgs) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    butterfly_train::apply_overrides(&text, &args.set).with_context(|| format!("{}", path.display()))
}

/// A resumed run keeps the config it was started with.
pub fn refuse_on_resume(args: &ConfigArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.set.is_empty(), "--set applies to a new run: a resumed run keeps the config in its directory");
    Ok(())
}
