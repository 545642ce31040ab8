//! An arm of the selection: the parameters a run kept at one evaluation step for one variant.

use std::fmt;

use crate::error::SelectError;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Arm {
    pub step: u64,
    pub variant: String,
}

impl fmt::Display for Arm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at step {}", self.variant, self.step)
    }
}

/// Which arms take part: those the user named (each must exist), or all of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArmFilter {
    pub variants: Option<Vec<String>>,
    pub steps: Option<Vec<u64>>,
}

impl ArmFilter {
    /// Every (step, variant) of `steps` × `variants` the filter keeps, by step then variant (in the order
    /// given); a name or step that does not exist is an error naming what does.
    pub fn arms(&self, steps: &[u64], variants: &[String]) -> Result<Vec<Arm>, SelectError> {
        let variants = match &self.variants {
            None => variants.to_vec(),
            Some(wanted) => {
                if let Some(v) = wanted.iter().find(|v| !variants.contains(v)) {
                    return Err(SelectError::Spec(format!("no variant '{v}' (have: {})", variants.join(", "))));
                }
                wanted.clone()
            }
        };
        let steps = match &self.steps {
            None => steps.to_vec(),
            Some(wanted) => {
                if let Some(s) = wanted.iter().find(|s| !steps.contains(s)) {
                    let have: Vec<String> = steps.iter().map(u64::to_string).collect();
                    return Err(SelectError::Spec(format!("no step {s} (have: {})", have.join(", "))));
                }
                wanted.clone()
            }
        };
        let arms: Vec<Arm> =
            steps.iter().flat_map(|&step| variants.iter().map(move |v| Arm { step, variant: v.clone() })).collect();
        if arms.is_empty() {
            return Err(SelectError::Spec("nothing to select from: no step or no variant".into()));
        }
        Ok(arms)
    }
}
