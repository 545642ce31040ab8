//! The ops of the GPT, each a forward/backward pair over flat slices with its shapes in its doc comment
//! (N = B·T rows, C channels). Backward passes *add* into their gradient outputs, as the model's
//! backward accumulates over the layers. Each op keeps a naive reference beside it, tested against it.

pub mod attention;
pub mod cross_entropy;
pub mod dropout;
pub mod encoder;
pub mod gelu;
pub mod layer_norm;
pub mod matmul;
pub mod position;
pub mod residual;
pub mod squash;

#[cfg(test)]
pub(crate) mod check;
