//! Hidden-layer activations, with the derivative each backward pass needs.

use serde::{Deserialize, Serialize};

use crate::float::Float;

/// Calls `$f(args…, g)` where `g` is the activation's `$method` (`apply` or `derivative`) as a
/// closure, so each caller's loop is compiled once per activation with no branch inside.
macro_rules! with_activation {
    ($act:expr, $method:ident, $f:ident($($arg:expr),*)) => {
        match $act {
            Activation::Relu => $f($($arg,)* |x| Activation::Relu.$method(x)),
            Activation::Tanh => $f($($arg,)* |x| Activation::Tanh.$method(x)),
            Activation::Gelu => $f($($arg,)* |x| Activation::Gelu.$method(x)),
            Activation::Elu => $f($($arg,)* |x| Activation::Elu.$method(x)),
        }
    };
}
pub(crate) use with_activation;

/// The activation after every hidden Linear (and layer norm, when on). Names match the policy
/// metadata (`relu`, `tanh`, `gelu`, `elu`) and PyTorch's defaults: exact (erf) GELU, ELU with α = 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Relu,
    Tanh,
    Gelu,
    Elu,
}

impl Activation {
    /// Lower-case name as written in configs and safetensors metadata.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::Gelu => "gelu",
            Activation::Elu => "elu",
        }
    }

    /// f(x).
    #[inline(always)]
    pub fn apply<T: Float>(self, x: T) -> T {
        match self {
            Activation::Relu => x.max(T::ZERO),
            Activation::Tanh => x.tanh(),
            Activation::Gelu => {
                T::from_f64(0.5) * x * (T::ONE + (x * T::from_f64(std::f64::consts::FRAC_1_SQRT_2)).erf())
            }
            Activation::Elu => {
                if x > T::ZERO {
                    x
                } else {
                    x.exp() - T::ONE
                }
            }
        }
    }

    /// f applied in place, with the match hoisted out of the loop.
    pub fn apply_slice<T: Float>(self, xs: &mut [T]) {
        fn each<T: Float>(xs: &mut [T], f: impl Fn(T) -> T) {
            xs.iter_mut().for_each(|x| *x = f(*x));
        }
        with_activation!(self, apply, each(xs));
    }

    /// f'(x), from the input x.
    #[inline(always)]
    pub fn derivative<T: Float>(self, x: T) -> T {
        match self {
            // PyTorch's convention: the subgradient at 0 is 0.
            Activation::Relu => {
                if x > T::ZERO {
                    T::ONE
                } else {
                    T::ZERO
                }
            }
            Activation::Tanh => {
                let t = x.tanh();
                T::ONE - t * t
            }
            Activation::Gelu => {
                // d/dx [x Φ(x)] = Φ(x) + x φ(x)
                let cdf = T::from_f64(0.5) * (T::ONE + (x * T::from_f64(std::f64::consts::FRAC_1_SQRT_2)).erf());
                let pdf = T::from_f64(0.5 * std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2)
                    * (T::from_f64(-0.5) * x * x).exp();
                cdf + x * pdf
            }
            Activation::Elu => {
                if x > T::ZERO {
                    T::ONE
                } else {
                    x.exp()
                }
            }
        }
    }
}

impl std::str::FromStr for Activation {
    type Err = crate::error::NnError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "relu" => Ok(Activation::Relu),
            "tanh" => Ok(Activation::Tanh),
            "gelu" => Ok(Activation::Gelu),
            "elu" => Ok(Activation::Elu),
            _ => Err(crate::error::NnError::InvalidSpec(format!(
                "unknown activation `{s}` (use relu, tanh, gelu or elu)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_central_differences() {
        let h = 1e-6;
        for act in [Activation::Relu, Activation::Tanh, Activation::Gelu, Activation::Elu] {
            for &x in &[-2.3f64, -0.7, -0.1, 0.3, 1.1, 2.9] {
                let fd = (act.apply(x + h) - act.apply(x - h)) / (2.0 * h);
                let d = act.derivative(x);
                assert!((fd - d).abs() < 1e-7, "{act:?} at {x}: fd {fd} vs {d}");
            }
        }
    }

    #[test]
    fn values_match_reference_points() {
        // GELU(1) = Φ(1) = 0.8413447460685429; ELU(-1) = e^-1 - 1.
        assert!((Activation::Gelu.apply(1.0f64) - 0.841_344_746_068_542_9).abs() < 1e-12);
        assert!((Activation::Elu.apply(-1.0f64) - ((-1.0f64).exp() - 1.0)).abs() < 1e-15);
        assert_eq!(Activation::Relu.apply(-3.0f32), 0.0);
        assert_eq!("gelu".parse::<Activation>().unwrap(), Activation::Gelu);
        assert!("sigmoid".parse::<Activation>().is_err());
    }
}
