//! Gymnasium Box spaces as minari serializes them: a JSON string in metadata.json whose bounds may be
//! `Infinity`, `-Infinity` or `NaN` (Python's json writes them; strict JSON has no such literals).

/// A Box space: element type, shape, and the bounds of every element (row-major).
#[derive(Debug, Clone, PartialEq)]
pub struct BoxSpace {
    pub dtype: String,
    pub shape: Vec<usize>,
    pub low: Vec<f64>,
    pub high: Vec<f64>,
}

impl BoxSpace {
    /// Elements per row (the product of the shape).
    pub fn size(&self) -> usize {
        self.shape.iter().product()
    }

    /// A serialized space: `Ok(Ok(box))`, or `Ok(Err(kind))` for a space of another kind (Dict, Tuple, …).
    pub(crate) fn parse(text: &str) -> Result<Result<BoxSpace, String>, String> {
        // Python's literals as strings, which Rust parses back: no string of a Box space holds them.
        let strict = text.replace("-Infinity", "\"-inf\"").replace("Infinity", "\"inf\"").replace("NaN", "\"nan\"");
        let value: serde_json::Value = serde_json::from_str(&strict).map_err(|e| format!("unreadable space: {e}"))?;
        let kind = value.get("type").and_then(|t| t.as_str()).ok_or("a space without a type")?;
        if kind != "Box" {
            return Ok(Err(kind.to_string()));
        }
        let dtype = value.get("dtype").and_then(|d| d.as_str()).ok_or("a Box space without a dtype")?.to_string();
        let shape = value
            .get("shape")
            .and_then(|s| s.as_array())
            .and_then(|s| s.iter().map(|n| n.as_u64().map(|n| n as usize)).collect::<Option<Vec<_>>>())
            .ok_or("a Box space without a shape of whole numbers")?;
        let bound = |key: &str| {
            let mut out = Vec::new();
            value
                .get(key)
                .is_some_and(|v| flatten(v, &mut out))
                .then_some(out)
                .ok_or(format!("a Box space without {key}"))
        };
        Ok(Ok(BoxSpace { dtype, shape, low: bound("low")?, high: bound("high")? }))
    }

    /// The space as minari's `serialize_space` writes it.
    pub(crate) fn to_json(&self) -> String {
        let list = |xs: &[f64]| xs.iter().map(|&x| number(x)).collect::<Vec<_>>().join(", ");
        let shape = self.shape.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
        format!(
            "{{\"type\": \"Box\", \"dtype\": \"{}\", \"shape\": [{shape}], \"low\": [{}], \"high\": [{}]}}",
            self.dtype,
            list(&self.low),
            list(&self.high)
        )
    }
}

/// The numbers of nested lists, row-major (false on anything else).
fn flatten(value: &serde_json::Value, out: &mut Vec<f64>) -> bool {
    match value {
        serde_json::Value::Array(items) => items.iter().all(|v| flatten(v, out)),
        serde_json::Value::Number(n) => n.as_f64().map(|x| out.push(x)).is_some(),
        serde_json::Value::String(s) => s.parse::<f64>().map(|x| out.push(x)).is_ok(),
        _ => false,
    }
}

/// A bound as Python's json writes it.
fn number(x: f64) -> String {
    match x {
        f64::INFINITY => "Infinity".into(),
        f64::NEG_INFINITY => "-Infinity".into(),
        x if x.is_nan() => "NaN".into(),
        x => serde_json::Number::from_f64(x).map(|n| n.to_string()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_spaces_round_trip_with_infinite_bounds_and_other_kinds_are_named() {
        let space = BoxSpace {
            dtype: "float32".into(),
            shape: vec![3],
            low: vec![f64::NEG_INFINITY, -1.0, 0.5],
            high: vec![f64::INFINITY, 1.0, 2.0],
        };
        let text = space.to_json();
        assert!(text.contains("\"low\": [-Infinity, -1.0, 0.5]"), "{text}");
        assert_eq!(BoxSpace::parse(&text), Ok(Ok(space)));
        let dict = r#"{"type": "Dict", "subspaces": {"a": {"type": "Box", "dtype": "float64", "shape": [2]}}}"#;
        assert_eq!(BoxSpace::parse(dict), Ok(Err("Dict".to_string())));
        assert!(BoxSpace::parse("{\"dtype\": 1}").is_err());
    }
}
