//! Generation with a key/value cache: each new token runs the blocks on its own row, attending to the
//! cached keys and values of the tokens before it, instead of recomputing the whole window.

use crate::ops::{attention, encoder, gelu, layer_norm, matmul, residual};
use crate::{GptConfig, GptError, ParamTable};

/// The cache and the one-row buffers of a generation.
pub struct Decoder {
    config: GptConfig,
    table: ParamTable,
    /// Per block, the keys and values of the positions so far, `[context, C]` each.
    keys: Vec<Vec<f32>>,
    values: Vec<Vec<f32>>,
    len: usize,
    x: Vec<f32>,
    ln: Vec<f32>,
    xhat: Vec<f32>,
    qkv: Vec<f32>,
    att: Vec<f32>,
    proj: Vec<f32>,
    mid: Vec<f32>,
    fch: Vec<f32>,
    fch_gelu: Vec<f32>,
    scores: Vec<f32>,
    logits: Vec<f32>,
}

impl Decoder {
    pub fn new(config: GptConfig) -> Result<Self, GptError> {
        config.validate()?;
        let (c, t, l) = (config.n_embd, config.context, config.n_layer);
        Ok(Self {
            table: ParamTable::new(&config),
            keys: vec![vec![0.0; t * c]; l],
            values: vec![vec![0.0; t * c]; l],
            len: 0,
            x: vec![0.0; c],
            ln: vec![0.0; c],
            xhat: vec![0.0; c],
            qkv: vec![0.0; 3 * c],
            att: vec![0.0; c],
            proj: vec![0.0; c],
            mid: vec![0.0; c],
            fch: vec![0.0; 4 * c],
            fch_gelu: vec![0.0; 4 * c],
            scores: vec![0.0; t],
            logits: vec![0.0; config.vocab_size],
            config,
        })
    }

    /// Forgets the cached tokens.
    pub fn reset(&mut self) {
        self.len = 0;
    }

    /// Tokens in the cache.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `token` at the next position and returns the logits `[V]` of the token after it.
    pub fn push(&mut self, theta: &[f32], token: u32) -> Result<&[f32], GptError> {
        let cfg = self.config;
        let (c, v, nh) = (cfg.n_embd, cfg.vocab_size, cfg.n_head);
        if theta.len() != self.table.total || token as usize >= v || self.len >= cfg.context {
            return Err(GptError::Input {
                what: format!("token {token} at position {} (context {}, vocabulary {v})", self.len, cfg.context),
            });
        }
        let p = &self.table;
        let w = |offset: usize, len: usize| &theta[offset..offset + len];
        let pos = self.len;
        // The position embedding of `pos`: the encoder's row `pos` of a sequence of context length.
        encoder::forward(&mut self.x, &[token], w(p.wte, v * c), &w(p.wpe, cfg.context * c)[pos * c..], 1, c);
        let mut rstd = [0.0f32];
        for (l, o) in p.blocks.iter().enumerate() {
            layer_norm::forward(&mut self.ln, &mut self.xhat, &mut rstd, &self.x, w(o.ln1_w, c), w(o.ln1_b, c), c);
            matmul::forward(&mut self.qkv, &self.ln, w(o.qkv_w, 3 * c * c), Some(w(o.qkv_b, 3 * c)), 1, c, 3 * c);
            self.keys[l][pos * c..][..c].copy_from_slice(&self.qkv[c..2 * c]);
            self.values[l][pos * c..][..c].copy_from_slice(&self.qkv[2 * c..]);
            let (keys, values) = (&self.keys[l][..(pos + 1) * c], &self.values[l][..(pos + 1) * c]);
            attention::forward_one(&mut self.att, &mut self.scores, &self.qkv[..c], keys, values, c, nh);
            matmul::forward(&mut self.proj, &self.att, w(o.proj_w, c * c), Some(w(o.proj_b, c)), 1, c, c);
            residual::forward(&mut self.mid, &self.x, &self.proj);
            layer_norm::forward(&mut self.ln, &mut self.xhat, &mut rstd, &self.mid, w(o.ln2_w, c), w(o.ln2_b, c), c);
            matmul::forward(&mut self.fch, &self.ln, w(o.fc_w, 4 * c * c), Some(w(o.fc_b, 4 * c)), 1, c, 4 * c);
            gelu::forward(&mut self.fch_gelu, &self.fch);
            matmul::forward(
                &mut self.proj,
                &self.fch_gelu,
                w(o.fcproj_w, 4 * c * c),
                Some(w(o.fcproj_b, c)),
                1,
                4 * c,
                c,
            );
            residual::forward(&mut self.x, &self.mid, &self.proj);
        }
        layer_norm::forward(&mut self.ln, &mut self.xhat, &mut rstd, &self.x, w(p.lnf_w, c), w(p.lnf_b, c), c);
        matmul::forward(&mut self.logits, &self.ln, w(p.wte, v * c), None, 1, c, v);
        self.len += 1;
        Ok(&self.logits)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::Gpt;

    #[test]
    fn cached_logits_match_the_full_forward_at_every_position() {
        let cfg = GptConfig { vocab_size: 11, context: 6, n_layer: 2, n_head: 2, n_embd: 8 };
        let mut gpt = Gpt::new(cfg).unwrap();
        let theta = gpt.table.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(3));
        let tokens = [3u32, 1, 4, 1, 5, 9];
        let full = gpt.logits(&theta, &tokens).unwrap().to_vec();
        let mut dec = Decoder::new(cfg).unwrap();
        for (t, &tok) in tokens.iter().enumerate() {
            let row = dec.push(&theta, tok).unwrap();
            for (a, b) in row.iter().zip(&full[t * 11..(t + 1) * 11]) {
                assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "position {t}: {a} vs {b}");
            }
        }
        assert!(dec.push(&theta, 1).is_err(), "the cache holds one context");
        dec.reset();
        assert!(dec.push(&theta, 11).is_err(), "outside the vocabulary");
    }
}
