//! Config overrides: `set` tables of a sweep, and `--set key.path=value` on the command line, merged
//! into a config's TOML the same way for every trainer.

use crate::TrainError;

/// Merges `set` into `table`: nested tables key by key, except tables with a `kind` (a different
/// optimizer, decay or stabilizer has other keys), which replace, like every other value.
pub fn merge(table: &mut toml::Table, set: &toml::Table) {
    for (key, value) in set {
        match (table.get_mut(key), value) {
            (Some(toml::Value::Table(old)), toml::Value::Table(new)) if !new.contains_key("kind") => merge(old, new),
            _ => {
                table.insert(key.clone(), value.clone());
            }
        }
    }
}

/// `key.path=value` (the value in TOML syntax, e.g. `steps=5000`, `schedule.lr=3e-4`,
/// `network.hidden=[64, 64]`; a bare word that is not TOML is a string) as a table to merge.
pub fn parse_override(text: &str) -> Result<toml::Table, TrainError> {
    let bad = |what: &str| TrainError::Config(format!("--set {text}: {what}"));
    let (key, value) = text.split_once('=').ok_or_else(|| bad("expected KEY=VALUE"))?;
    let (key, value) = (key.trim(), value.trim());
    if key.is_empty()
        || key
            .split('.')
            .any(|part| part.is_empty() || !part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    {
        return Err(bad("the key must be dotted names, e.g. schedule.lr"));
    }
    let parsed = toml::from_str::<toml::Table>(&format!("{key} = {value}"))
        .or_else(|_| toml::from_str::<toml::Table>(&format!("{key} = {}", toml::Value::String(value.into()))))
        .map_err(|e| bad(e.message()))?;
    Ok(parsed)
}

/// A config's text with `overrides` (each `key.path=value`) merged in, in order.
pub fn apply_overrides(text: &str, overrides: &[String]) -> Result<String, TrainError> {
    if overrides.is_empty() {
        return Ok(text.to_string());
    }
    let mut table: toml::Table = toml::from_str(text).map_err(|e| TrainError::Config(e.message().to_string()))?;
    for o in overrides {
        merge(&mut table, &parse_override(o)?);
    }
    Ok(toml::to_string(&table).expect("a TOML table serializes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "steps = 10\nname = \"a\"\n[schedule]\nlr = 1e-3\ndecay = { kind = \"cosine\", steps = 10 }\n";

    #[test]
    fn overrides_merge_nested_keys_and_replace_kinded_tables() {
        let text = apply_overrides(
            BASE,
            &[
                "steps=20".into(),
                "schedule.lr = 3e-4".into(),
                "name=b".into(),
                "schedule.decay={ kind = \"constant\" }".into(),
            ],
        )
        .unwrap();
        let t: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(t["steps"].as_integer(), Some(20));
        assert_eq!(t["name"].as_str(), Some("b"), "a bare word is a string");
        assert_eq!(t["schedule"]["lr"].as_float(), Some(3e-4));
        let decay = t["schedule"]["decay"].as_table().unwrap();
        assert_eq!((decay.len(), decay["kind"].as_str()), (1, Some("constant")), "a table with a kind replaces");
        assert_eq!(apply_overrides(BASE, &[]).unwrap(), BASE);
    }

    #[test]
    fn malformed_overrides_are_one_clear_error() {
        for bad in ["steps", "=3", "a..b=1", "sch edule=1"] {
            let e = apply_overrides(BASE, &[bad.into()]).unwrap_err().to_string();
            assert!(e.contains(&format!("--set {bad}")), "{e}");
        }
    }
}
