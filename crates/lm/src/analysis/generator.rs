//! A model's next-token logits after a growing sequence (what sampling and greedy generation draw from),
//! and their argmax.

use butterfly_gpt::{Decoder, Gpt, GptConfig};

use crate::LmError;

/// The logits of the token after a growing sequence: from the key/value cache while the sequence fits
/// the context, then from the last `context` tokens recomputed (the window slides).
pub struct Generator {
    decoder: Decoder,
    gpt: Gpt,
    logits: Vec<f32>,
}

impl Generator {
    pub fn new(config: GptConfig) -> Result<Self, LmError> {
        Ok(Self { decoder: Decoder::new(config)?, gpt: Gpt::new(config)?, logits: Vec::new() })
    }

    /// `tokens` must extend the sequence of the previous call (or start a new one).
    pub fn logits(&mut self, theta: &[f32], tokens: &[u32]) -> Result<&[f32], LmError> {
        let (context, v) = (self.gpt.config.context, self.gpt.config.vocab_size);
        if tokens.len() < self.decoder.len() {
            self.decoder.reset();
        }
        if tokens.len() <= context {
            for &t in &tokens[self.decoder.len()..] {
                let row = self.decoder.push(theta, t)?;
                self.logits.clear();
                self.logits.extend_from_slice(row);
            }
        } else {
            let window = &tokens[tokens.len() - context..];
            let all = self.gpt.logits(theta, window)?;
            self.logits.clear();
            self.logits.extend_from_slice(&all[(context - 1) * v..]);
        }
        Ok(&self.logits)
    }
}

/// The most likely token (ties to the lowest id).
pub(crate) fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (k, &x) in logits.iter().enumerate() {
        if x > logits[best] {
            best = k;
        }
    }
    best as u32
}
