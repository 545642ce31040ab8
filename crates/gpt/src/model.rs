//! The language model's forward and backward passes: token and position embeddings, the shared block
//! stack, and a head tied to the token embedding, over buffers sized once for (B, T).

use butterfly_nn::Float;

use crate::ops::dropout::Dropout;
use crate::ops::{cross_entropy, encoder, matmul};
use crate::trunk::{Trunk, TrunkParams, TrunkShape, sized};
use crate::{GptConfig, ParamTable};

/// The LM's buffers for B sequences of T tokens (N = B·T rows): the shared block stack, and the logits,
/// probabilities and losses of its tied head.
#[derive(Debug, Clone, Default)]
pub struct Activations<T> {
    pub batch: usize,
    pub seq: usize,
    trunk: Trunk<T>,
    pub logits: Vec<T>,
    probs: Vec<T>,
    losses: Vec<T>,
    d_logits: Vec<T>,
}

/// One worker's buffers: the activations of its share of the batch and the scratch of its backward.
#[derive(Debug, Clone, Default)]
pub struct Worker<T> {
    pub acts: Activations<T>,
}

impl GptConfig {
    /// The block stack's shape.
    pub fn trunk(&self) -> TrunkShape {
        TrunkShape { n_layer: self.n_layer, n_head: self.n_head, n_embd: self.n_embd }
    }
}

impl ParamTable {
    /// The block stack's offsets.
    pub fn trunk(&self) -> TrunkParams<'_> {
        TrunkParams { blocks: &self.blocks, lnf_w: self.lnf_w, lnf_b: self.lnf_b }
    }
}

impl<T: Float> Worker<T> {
    /// Sizes every buffer for `batch` sequences of `seq` tokens (allocates only when the shape changes).
    pub fn resize(&mut self, cfg: &GptConfig, batch: usize, seq: usize) {
        let a = &mut self.acts;
        if a.batch == batch && a.seq == seq {
            return;
        }
        (a.batch, a.seq) = (batch, seq);
        a.trunk.resize(cfg.trunk(), batch, seq);
        let (n, v) = (batch * seq, cfg.vocab_size);
        for (buf, len) in [(&mut a.logits, n * v), (&mut a.probs, n * v), (&mut a.losses, n), (&mut a.d_logits, n * v)]
        {
            sized(buf, len);
        }
    }

    /// The logits `[B,T,V]` of `tokens` `[B,T]`, and with `targets` the sum of the B·T cross-entropies;
    /// with `dropout` = (its settings, the index of this worker's first sequence in the whole batch),
    /// in training mode.
    pub fn forward(
        &mut self,
        cfg: &GptConfig,
        p: &ParamTable,
        theta: &[T],
        tokens: &[u32],
        targets: Option<&[u32]>,
        dropout: Option<(Dropout, usize)>,
    ) -> f64 {
        let a = &mut self.acts;
        let (t, c, v) = (a.seq, cfg.n_embd, cfg.vocab_size);
        let n = a.batch * t;
        let w = |offset: usize, len: usize| &theta[offset..offset + len];
        encoder::forward(&mut a.trunk.input, tokens, w(p.wte, v * c), w(p.wpe, cfg.context * c), t, c);
        a.trunk.forward(cfg.trunk(), p.trunk(), theta, dropout, None);
        // The head is tied to the token embedding.
        matmul::forward(&mut a.logits, &a.trunk.out, w(p.wte, v * c), None, n, c, v);
        match targets {
            Some(targets) => {
                cross_entropy::forward(&mut a.losses, &mut a.probs, &a.logits, targets, v);
                a.losses.iter().map(|l| l.to_f64()).sum()
            }
            None => 0.0,
        }
    }

    /// Adds the gradient of `dloss · Σ cross-entropies` (of the last forward, with targets and its
    /// dropout masks) into `grad`.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &mut self,
        cfg: &GptConfig,
        p: &ParamTable,
        theta: &[T],
        tokens: &[u32],
        targets: &[u32],
        dloss: T,
        grad: &mut [T],
    ) {
        let a = &mut self.acts;
        let (t, c, v) = (a.seq, cfg.n_embd, cfg.vocab_size);
        let n = a.batch * t;
        let w = |offset: usize, len: usize| &theta[offset..offset + len];
        a.d_logits.fill(T::ZERO);
        cross_entropy::backward(&mut a.d_logits, &a.probs, targets, dloss, v);
        let (out, d_out) = a.trunk.out_and_d_out();
        matmul::backward(d_out, &mut grad[p.wte..p.wte + v * c], None, &a.d_logits, out, w(p.wte, v * c), n, c, v);
        let d_input = a.trunk.backward(cfg.trunk(), p.trunk(), theta, grad);
        let (dwte, dwpe) = grad[p.wte..p.wpe + cfg.context * c].split_at_mut(p.wpe - p.wte);
        encoder::backward(dwte, dwpe, d_input, tokens, t, c);
    }
}
