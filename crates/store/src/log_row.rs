//! One definition per CSV row: [`log_row!`] declares the struct and derives its header, its line and its
//! parser from the same field list, so that they cannot drift apart.

/// How one field is written and read back (reals in shortest round-trip form, and never NaN or
/// infinite: no run logs those).
pub trait CsvField: Sized {
    fn write(&self) -> String;
    fn read(text: &str, name: &str) -> Result<Self, String>;
}

/// A field's value, naming the field when it does not parse.
pub(crate) fn parsed<T: std::str::FromStr>(text: &str, name: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("{name} '{text}' is not valid"))
}

impl CsvField for u64 {
    fn write(&self) -> String {
        self.to_string()
    }
    fn read(text: &str, name: &str) -> Result<Self, String> {
        parsed(text, name)
    }
}

impl CsvField for usize {
    fn write(&self) -> String {
        self.to_string()
    }
    fn read(text: &str, name: &str) -> Result<Self, String> {
        parsed(text, name)
    }
}

impl CsvField for String {
    fn write(&self) -> String {
        self.clone()
    }
    fn read(text: &str, _: &str) -> Result<Self, String> {
        Ok(text.to_string())
    }
}

impl CsvField for f64 {
    fn write(&self) -> String {
        format!("{self:?}")
    }
    fn read(text: &str, name: &str) -> Result<Self, String> {
        let x: f64 = parsed(text, name)?;
        if x.is_finite() { Ok(x) } else { Err(format!("{name} is {x}, which no run logs")) }
    }
}

/// A row of one CSV log.
pub trait LogRow: Sized {
    /// The file name inside the run directory.
    const FILE: &'static str;
    const HEADER: &'static str;
    /// Logs whose bytes differ between identical runs (wall-clock figures) are checkpointed by row
    /// count, so that checkpoints of identical runs are identical.
    const BY_ROWS: bool = false;
    /// The line, without its newline.
    fn line(&self) -> String;
    /// Parses the fields of one line; the reason names what is wrong.
    fn parse(fields: &[&str]) -> Result<Self, String>;
    /// The step the row belongs to (rows never go back in steps) and what makes it unique within it.
    fn key(&self) -> (u64, String);
}

/// Parses a field, naming it when it does not parse.
pub fn field<T: std::str::FromStr>(fields: &[&str], k: usize, name: &str) -> Result<T, String> {
    parsed(fields[k], name)
}

/// A real field that must be finite (a return, a loss: no NaN or infinity can be logged there).
pub fn finite(fields: &[&str], k: usize, name: &str) -> Result<f64, String> {
    <f64 as CsvField>::read(fields[k], name)
}

/// Declares a CSV row type and its [`LogRow`](crate::LogRow) impl from one list of fields:
///
/// ```ignore
/// log_row! {
///     /// Training loss (`metrics.csv`).
///     pub struct MetricsRow in "metrics.csv" {
///         step: u64 => "step",
///         lr: f64 => "lr",
///     }
///     key(row) = (row.step, String::new());
/// }
/// ```
/// A field may give its own format (`elapsed_s: f64 => "elapsed_s" as "{:.3}"`, read back as any
/// number), and `by_rows` after the file name marks a log whose bytes differ between identical runs.
#[macro_export]
macro_rules! log_row {
    (
        $(#[$meta:meta])*
        pub struct $name:ident in $file:literal $(, $by_rows:ident)? {
            $(#[$m0:meta])* $f0:ident : $t0:ty => $h0:literal $(as $fmt0:literal)?
            $(, $(#[$m:meta])* $f:ident : $t:ty => $h:literal $(as $fmt:literal)?)* $(,)?
        }
        key($row:ident) = $key:expr;
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $(#[$m0])* pub $f0: $t0,
            $($(#[$m])* pub $f: $t,)*
        }

        impl $crate::LogRow for $name {
            const FILE: &'static str = $file;
            const HEADER: &'static str = concat!($h0 $(, ",", $h)*);
            $(const BY_ROWS: bool = $crate::log_row!(@by_rows $by_rows);)?
            fn line(&self) -> String {
                let fields: Vec<String> =
                    vec![$crate::log_row!(@write self.$f0 $(, $fmt0)?) $(, $crate::log_row!(@write self.$f $(, $fmt)?))*];
                fields.join(",")
            }
            fn parse(fields: &[&str]) -> Result<Self, String> {
                let mut column = fields.iter();
                let mut next = || column.next().copied().unwrap_or_default();
                Ok(Self {
                    $f0: $crate::log_row!(@read $t0, next(), $h0 $(, $fmt0)?),
                    $($f: $crate::log_row!(@read $t, next(), $h $(, $fmt)?),)*
                })
            }
            fn key(&self) -> (u64, String) {
                let $row = self;
                $key
            }
        }
    };
    (@by_rows by_rows) => { true };
    (@write $e:expr) => { $crate::CsvField::write(&$e) };
    (@write $e:expr, $fmt:literal) => { format!($fmt, $e) };
    (@read $t:ty, $text:expr, $h:literal) => { <$t as $crate::CsvField>::read($text, $h)? };
    (@read $t:ty, $text:expr, $h:literal, $fmt:literal) => {
        $crate::field::<$t>(&[$text], 0, $h)?
    };
}
