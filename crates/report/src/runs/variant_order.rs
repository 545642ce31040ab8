//! The variants of a run's log rows, in the order the training loop logs them.

/// Variants in order of first appearance (raw first, as the loop logs them).
pub fn variant_order<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for n in names {
        if !order.iter().any(|o| o == n) {
            order.push(n.to_string());
        }
    }
    order
}
