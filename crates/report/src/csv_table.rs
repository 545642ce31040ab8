//! CSV tables as pandas and spreadsheets read them.

use crate::ReportError;

/// A header and rows of already formatted fields; an empty field reads as a missing value (NaN in pandas).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CsvTable {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl CsvTable {
    pub fn new(header: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self { header: header.into_iter().map(Into::into).collect(), rows: Vec::new() }
    }

    /// Appends a row, which must have one field per column.
    pub fn push(&mut self, row: Vec<String>) -> Result<(), ReportError> {
        if row.len() != self.header.len() {
            return Err(ReportError::RowWidth {
                row: self.rows.len() + 1,
                got: row.len(),
                expected: self.header.len(),
            });
        }
        self.rows.push(row);
        Ok(())
    }

    /// The table as CSV text (RFC 4180 quoting, `\n` line ends).
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        for line in std::iter::once(&self.header).chain(&self.rows) {
            let fields: Vec<String> = line.iter().map(|f| quote(f)).collect();
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out
    }
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it_and_checks_widths() {
        let mut table = CsvTable::new(["a", "b"]);
        table.push(vec!["1".into(), "x,\"y\"".into()]).unwrap();
        table.push(vec![String::new(), "2".into()]).unwrap();
        assert_eq!(table.to_csv(), "a,b\n1,\"x,\"\"y\"\"\"\n,2\n");
        assert!(matches!(table.push(vec!["1".into()]), Err(ReportError::RowWidth { row: 3, got: 1, expected: 2 })));
    }
}
