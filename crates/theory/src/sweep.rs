//! Running a sweep's configurations: every one validated up front, then each evaluated in order.

use crate::TheoryError;

/// Checks every configuration with `validate` before evaluating any, so that a bad value fails before time
/// is spent on the good ones; then evaluates them in order, and `on_row` sees each row when it is done (for
/// progress).
pub(crate) fn evaluate_all<C, R>(
    configs: Vec<C>,
    validate: impl Fn(&C) -> Result<(), TheoryError>,
    evaluate: impl Fn(C) -> Result<R, TheoryError>,
    mut on_row: impl FnMut(&R),
) -> Result<Vec<R>, TheoryError> {
    for config in &configs {
        validate(config)?;
    }
    configs
        .into_iter()
        .map(|config| {
            let row = evaluate(config)?;
            on_row(&row);
            Ok(row)
        })
        .collect()
}
