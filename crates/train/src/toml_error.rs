//! A config's TOML error as one line: the message and where it points, without the multi-line drawing
//! the toml crate prints (errors are one line everywhere in Butterfly).

/// "line L, `SNIPPET`: MESSAGE", the snippet being the offending line of `text` (cut to 60 characters).
pub fn toml_error(e: &toml::de::Error, text: &str) -> String {
    let message = e.message().trim().replace('\n', " ");
    let Some(span) = e.span() else { return message };
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let snippet: String = text[line_start..line_end].trim().chars().take(60).collect();
    let line = text[..start].matches('\n').count() + 1;
    format!("line {line}, `{snippet}`: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Config {
        steps: u64,
    }

    #[test]
    fn points_at_the_offending_line_in_one_line() {
        let text = "steps = 10\n[train]\nlr = 1\n";
        let e = toml::from_str::<Config>(text).unwrap_err();
        let line = toml_error(&e, text);
        assert!(line.starts_with("line 2, `[train]`: unknown field `train`"), "{line}");
        assert!(!line.contains('\n'));
        let e = toml::from_str::<Config>("steps = \"ten\"").unwrap_err();
        assert!(toml_error(&e, "steps = \"ten\"").starts_with("line 1, `steps = \"ten\"`: invalid type"), "{e}");
    }
}
