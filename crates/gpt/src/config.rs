//! The shape of a GPT.

use crate::GptError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct GptConfig {
    pub vocab_size: usize,
    /// The longest context (nanoGPT's `block_size`): rows of the position embedding.
    pub context: usize,
    pub n_layer: usize,
    pub n_head: usize,
    /// Channels C (nanoGPT's `n_embd`); a multiple of `n_head`.
    pub n_embd: usize,
}

impl GptConfig {
    pub fn validate(&self) -> Result<(), GptError> {
        let bad = |m: String| Err(GptError::Config(m));
        if self.vocab_size == 0 || self.context == 0 || self.n_layer == 0 || self.n_head == 0 || self.n_embd == 0 {
            return bad("vocab_size, context, n_layer, n_head and n_embd must all be ≥ 1".into());
        }
        if !self.n_embd.is_multiple_of(self.n_head) {
            return bad(format!("n_embd = {} must be a multiple of n_head = {}", self.n_embd, self.n_head));
        }
        if self.vocab_size > u32::MAX as usize {
            return bad(format!("vocab_size = {} exceeds the token type", self.vocab_size));
        }
        Ok(())
    }
}
