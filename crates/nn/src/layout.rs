//! Where each tensor of an MLP lives inside the flat parameter vector θ, with PyTorch's names.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::error::{NnError, Result, check_len};
use crate::float::Float;

/// What an MLP looks like: `input → hidden[0] → … → hidden[n-1] → output`.
///
/// Each hidden layer is `Linear → LayerNorm (if on) → activation → Dropout (if p > 0)`; the output
/// layer is a plain Linear. Serialized as part of experiment configs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpSpec {
    pub input: usize,
    pub hidden: Vec<usize>,
    pub output: usize,
    pub activation: Activation,
    #[serde(default)]
    pub layer_norm: bool,
    /// Dropout probability after each hidden activation (train mode only).
    #[serde(default)]
    pub dropout: f64,
}

/// One Linear layer's slice of θ: weight `[out, in]` row-major at `weight`, bias `[out]` at `bias`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinearSlot {
    pub in_dim: usize,
    pub out_dim: usize,
    pub weight: usize,
    pub bias: usize,
}

/// One LayerNorm's slice of θ: gain `[dim]` at `weight`, shift `[dim]` at `bias`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormSlot {
    pub dim: usize,
    pub weight: usize,
    pub bias: usize,
}

/// A named view of one tensor inside θ, ready for safetensors export.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor<'a, T> {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: &'a [T],
}

/// The offsets of every tensor in θ.
///
/// Order is PyTorch's `named_parameters()` order for a module holding `layers` (a ModuleList of
/// Linear) then `norms` (a ModuleList of LayerNorm): `layers.0.weight, layers.0.bias, …,
/// norms.0.weight, norms.0.bias, …`, so θ equals `parameters_to_vector(module.parameters())`.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    spec: MlpSpec,
    linears: Vec<LinearSlot>,
    norms: Vec<NormSlot>,
    num_params: usize,
}

impl Layout {
    pub fn new(spec: MlpSpec) -> Result<Self> {
        let dims: Vec<usize> =
            std::iter::once(spec.input).chain(spec.hidden.iter().copied()).chain([spec.output]).collect();
        if dims.contains(&0) {
            return Err(NnError::InvalidSpec(format!("every layer size must be at least 1, got {dims:?}")));
        }
        if !(0.0..1.0).contains(&spec.dropout) {
            return Err(NnError::InvalidSpec(format!("dropout must be in [0, 1), got {}", spec.dropout)));
        }
        let mut offset = 0;
        let mut take = |n: usize| {
            offset += n;
            offset - n
        };
        let linears: Vec<LinearSlot> = dims
            .windows(2)
            .map(|w| LinearSlot { in_dim: w[0], out_dim: w[1], weight: take(w[0] * w[1]), bias: take(w[1]) })
            .collect();
        let norms = if spec.layer_norm {
            spec.hidden.iter().map(|&d| NormSlot { dim: d, weight: take(d), bias: take(d) }).collect()
        } else {
            Vec::new()
        };
        Ok(Layout { spec, linears, norms, num_params: offset })
    }

    pub fn spec(&self) -> &MlpSpec {
        &self.spec
    }

    pub fn num_params(&self) -> usize {
        self.num_params
    }

    /// The Linear layers in order (the last one is the output layer).
    pub fn linears(&self) -> &[LinearSlot] {
        &self.linears
    }

    /// One LayerNorm per hidden layer when layer norm is on, none otherwise.
    pub fn norms(&self) -> &[NormSlot] {
        &self.norms
    }

    /// Widest layer (input, hidden or output): sizes the backward scratch rows.
    pub(crate) fn max_width(&self) -> usize {
        self.linears.iter().map(|l| l.in_dim.max(l.out_dim)).max().unwrap_or(0)
    }

    /// Every tensor of θ with its PyTorch name and shape, in θ order.
    pub fn named_tensors<'a, T>(&self, theta: &'a [T]) -> Result<Vec<NamedTensor<'a, T>>> {
        check_len("parameters", self.num_params, theta.len())?;
        let mut out = Vec::with_capacity(2 * (self.linears.len() + self.norms.len()));
        let mut push = |name: String, shape: Vec<usize>, at: usize| {
            let n: usize = shape.iter().product();
            out.push(NamedTensor { name, shape, data: &theta[at..at + n] });
        };
        for (i, l) in self.linears.iter().enumerate() {
            push(format!("layers.{i}.weight"), vec![l.out_dim, l.in_dim], l.weight);
            push(format!("layers.{i}.bias"), vec![l.out_dim], l.bias);
        }
        for (i, n) in self.norms.iter().enumerate() {
            push(format!("norms.{i}.weight"), vec![n.dim], n.weight);
            push(format!("norms.{i}.bias"), vec![n.dim], n.bias);
        }
        Ok(out)
    }

    /// A fresh θ with PyTorch's default initialization: Linear weights and biases
    /// U(−1/√in, 1/√in) (kaiming-uniform with a = √5), LayerNorm gain 1 and shift 0.
    pub fn init_params<T: Float, R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<T> {
        let mut theta = vec![T::ZERO; self.num_params];
        for l in &self.linears {
            let bound = 1.0 / (l.in_dim as f64).sqrt();
            for v in &mut theta[l.weight..l.bias + l.out_dim] {
                *v = T::from_f64(rng.random_range(-bound..bound));
            }
        }
        for n in &self.norms {
            theta[n.weight..n.weight + n.dim].fill(T::ONE);
        }
        theta
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn spec(layer_norm: bool) -> MlpSpec {
        MlpSpec { input: 3, hidden: vec![4, 5], output: 2, activation: Activation::Relu, layer_norm, dropout: 0.0 }
    }

    #[test]
    fn names_shapes_and_offsets_follow_pytorch_order() {
        let layout = Layout::new(spec(true)).unwrap();
        // 3*4+4 + 4*5+5 + 5*2+2 + (4+4) + (5+5)
        assert_eq!(layout.num_params(), 16 + 25 + 12 + 8 + 10);
        let theta: Vec<f32> = (0..layout.num_params()).map(|i| i as f32).collect();
        let t = layout.named_tensors(&theta).unwrap();
        let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "layers.0.weight",
                "layers.0.bias",
                "layers.1.weight",
                "layers.1.bias",
                "layers.2.weight",
                "layers.2.bias",
                "norms.0.weight",
                "norms.0.bias",
                "norms.1.weight",
                "norms.1.bias"
            ]
        );
        assert_eq!(t[0].shape, [4, 3]);
        assert_eq!(t[4].shape, [2, 5]);
        // Tensors tile θ contiguously, in order.
        let mut next = 0.0;
        for tensor in &t {
            assert_eq!(tensor.data[0], next);
            next += tensor.data.len() as f32;
        }
        assert_eq!(next as usize, layout.num_params());
        assert!(layout.named_tensors(&theta[1..]).is_err());
    }

    #[test]
    fn init_follows_pytorch_defaults() {
        let layout = Layout::new(spec(true)).unwrap();
        let theta: Vec<f64> = layout.init_params(&mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        for l in layout.linears() {
            let bound = 1.0 / (l.in_dim as f64).sqrt();
            assert!(theta[l.weight..l.bias + l.out_dim].iter().all(|v| v.abs() < bound));
        }
        for n in layout.norms() {
            assert!(theta[n.weight..n.weight + n.dim].iter().all(|&v| v == 1.0));
            assert!(theta[n.bias..n.bias + n.dim].iter().all(|&v| v == 0.0));
        }
    }

    #[test]
    fn rejects_bad_specs() {
        assert!(Layout::new(MlpSpec { hidden: vec![4, 0], ..spec(false) }).is_err());
        assert!(Layout::new(MlpSpec { dropout: 1.0, ..spec(false) }).is_err());
    }
}
