//! The GPT's forward and backward passes as lists of op calls per block, over one activation struct
//! sized once for (B, T).

use butterfly_nn::Float;
use rand::SeedableRng;

use crate::ops::{attention, cross_entropy, dropout, encoder, gelu, layer_norm, matmul, residual};
use crate::{GptConfig, ParamTable};

/// Dropout in training: probability `p` at nanoGPT's four places (the embeddings' sum, the attention
/// weights, and the outputs of the attention and MLP projections), masks drawn from `seed`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dropout {
    pub p: f64,
    pub seed: u64,
}

/// The dropout masks of one forward (empty without dropout), each laid out as the activation it masks.
#[derive(Debug, Clone, Default)]
struct Masks<T> {
    on: bool,
    emb: Vec<T>,
    /// `[L,B,NH,T,T]`, and the weights after it.
    att: Vec<T>,
    att_dropped: Vec<T>,
    attproj: Vec<T>,
    fcproj: Vec<T>,
}

/// Every activation the backward pass reads, for B sequences of T tokens (N = B·T rows).
#[derive(Debug, Clone, Default)]
pub struct Activations<T> {
    pub batch: usize,
    pub seq: usize,
    encoded: Vec<T>,
    /// Per block, each `[L, …]`.
    ln1: Vec<T>,
    ln1_xhat: Vec<T>,
    ln1_rstd: Vec<T>,
    qkv: Vec<T>,
    atty: Vec<T>,
    att: Vec<T>,
    attproj: Vec<T>,
    residual2: Vec<T>,
    ln2: Vec<T>,
    ln2_xhat: Vec<T>,
    ln2_rstd: Vec<T>,
    fch: Vec<T>,
    fch_gelu: Vec<T>,
    fcproj: Vec<T>,
    residual3: Vec<T>,
    lnf: Vec<T>,
    lnf_xhat: Vec<T>,
    lnf_rstd: Vec<T>,
    pub logits: Vec<T>,
    probs: Vec<T>,
    losses: Vec<T>,
    masks: Masks<T>,
}

/// Gradients of the activations, reused block after block.
#[derive(Debug, Clone, Default)]
struct Scratch<T> {
    d_residual: Vec<T>,
    d_ln: Vec<T>,
    d_qkv: Vec<T>,
    d_atty: Vec<T>,
    d_fch: Vec<T>,
    d_fch_gelu: Vec<T>,
    d_logits: Vec<T>,
    /// d(residual) through a dropout mask, into one branch.
    d_branch: Vec<T>,
    row: Vec<T>,
}

/// One worker's buffers: the activations of its share of the batch and the scratch of its backward.
#[derive(Debug, Clone, Default)]
pub struct Worker<T> {
    pub acts: Activations<T>,
    scratch: Scratch<T>,
}

/// The gradient into a residual branch: `d_residual` itself, or through the branch's dropout mask
/// (written to `buf`).
fn branch<'a, T: Float>(buf: &'a mut [T], d_residual: &'a [T], mask: Option<&[T]>) -> &'a [T] {
    match mask {
        Some(mask) => {
            dropout::backward(buf, d_residual, mask);
            buf
        }
        None => d_residual,
    }
}

fn sized<T: Float>(v: &mut Vec<T>, n: usize) {
    v.clear();
    v.resize(n, T::ZERO);
}

impl<T: Float> Worker<T> {
    /// Sizes every buffer for `batch` sequences of `seq` tokens (allocates only when the shape changes).
    pub fn resize(&mut self, cfg: &GptConfig, batch: usize, seq: usize) {
        if self.acts.batch == batch && self.acts.seq == seq {
            return;
        }
        self.acts.masks = Masks::default();
        let (l, c, v, nh) = (cfg.n_layer, cfg.n_embd, cfg.vocab_size, cfg.n_head);
        let n = batch * seq;
        let a = &mut self.acts;
        (a.batch, a.seq) = (batch, seq);
        for (buf, len) in [
            (&mut a.encoded, n * c),
            (&mut a.ln1, l * n * c),
            (&mut a.ln1_xhat, l * n * c),
            (&mut a.ln1_rstd, l * n),
            (&mut a.qkv, l * n * 3 * c),
            (&mut a.atty, l * n * c),
            (&mut a.att, l * batch * nh * seq * seq),
            (&mut a.attproj, l * n * c),
            (&mut a.residual2, l * n * c),
            (&mut a.ln2, l * n * c),
            (&mut a.ln2_xhat, l * n * c),
            (&mut a.ln2_rstd, l * n),
            (&mut a.fch, l * n * 4 * c),
            (&mut a.fch_gelu, l * n * 4 * c),
            (&mut a.fcproj, l * n * c),
            (&mut a.residual3, l * n * c),
            (&mut a.lnf, n * c),
            (&mut a.lnf_xhat, n * c),
            (&mut a.lnf_rstd, n),
            (&mut a.logits, n * v),
            (&mut a.probs, n * v),
            (&mut a.losses, n),
        ] {
            sized(buf, len);
        }
        let s = &mut self.scratch;
        for (buf, len) in [
            (&mut s.d_residual, n * c),
            (&mut s.d_ln, n * c),
            (&mut s.d_qkv, n * 3 * c),
            (&mut s.d_atty, n * c),
            (&mut s.d_fch, n * 4 * c),
            (&mut s.d_fch_gelu, n * 4 * c),
            (&mut s.d_logits, n * v),
            (&mut s.d_branch, n * c),
            (&mut s.row, c.max(seq * seq)),
        ] {
            sized(buf, len);
        }
    }

    /// Draws the masks of `dropout` for this worker's sequences, whose first is sequence `first` of the
    /// whole batch: each sequence's masks come from its own stream of the seed, so that they do not
    /// depend on how the batch is split between threads.
    fn draw_masks(&mut self, cfg: &GptConfig, d: Dropout, first: usize) {
        let a = &mut self.acts;
        let (b, t, c, nh, l) = (a.batch, a.seq, cfg.n_embd, cfg.n_head, cfg.n_layer);
        let (tc, tt) = (t * c, t * t);
        let m = &mut a.masks;
        if m.emb.len() != b * tc {
            for (buf, len) in [(&mut m.emb, b * tc), (&mut m.att, l * b * nh * tt), (&mut m.att_dropped, l * b * nh * tt), (&mut m.attproj, l * b * tc), (&mut m.fcproj, l * b * tc)] {
                sized(buf, len);
            }
        }
        m.on = true;
        for i in 0..b {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(d.seed);
            rng.set_stream((first + i) as u64);
            dropout::draw_mask(&mut m.emb[i * tc..][..tc], d.p, &mut rng);
            for layer in 0..l {
                dropout::draw_mask(&mut m.att[(layer * b + i) * nh * tt..][..nh * tt], d.p, &mut rng);
                dropout::draw_mask(&mut m.attproj[(layer * b + i) * tc..][..tc], d.p, &mut rng);
                dropout::draw_mask(&mut m.fcproj[(layer * b + i) * tc..][..tc], d.p, &mut rng);
            }
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
        self.acts.masks.on = false;
        if let Some((d, first)) = dropout.filter(|(d, _)| d.p > 0.0) {
            self.draw_masks(cfg, d, first);
        }
        let a = &mut self.acts;
        let (b, t, c, v, nh) = (a.batch, a.seq, cfg.n_embd, cfg.vocab_size, cfg.n_head);
        let n = b * t;
        let w = |offset: usize, len: usize| &theta[offset..offset + len];
        let m = &mut a.masks;
        encoder::forward(&mut a.encoded, tokens, w(p.wte, v * c), w(p.wpe, cfg.context * c), t, c);
        if m.on {
            dropout::forward(&mut a.encoded, &m.emb);
        }
        for (l, o) in p.blocks.iter().enumerate() {
            let (nc, n3c, n4c) = (n * c, n * 3 * c, n * 4 * c);
            let (done, rest) = a.residual3.split_at_mut(l * nc);
            let below: &[T] = if l == 0 { &a.encoded } else { &done[(l - 1) * nc..] };
            let ln1 = &mut a.ln1[l * nc..][..nc];
            layer_norm::forward(ln1, &mut a.ln1_xhat[l * nc..][..nc], &mut a.ln1_rstd[l * n..][..n], below, w(o.ln1_w, c), w(o.ln1_b, c), c);
            let qkv = &mut a.qkv[l * n3c..][..n3c];
            matmul::forward(qkv, ln1, w(o.qkv_w, 3 * c * c), Some(w(o.qkv_b, 3 * c)), n, c, 3 * c);
            let atty = &mut a.atty[l * nc..][..nc];
            let natt = b * nh * t * t;
            let att_dropout = m.on.then(|| (&m.att[l * natt..][..natt], &mut m.att_dropped[l * natt..][..natt]));
            attention::forward(atty, &mut a.att[l * natt..][..natt], att_dropout, qkv, b, t, c, nh);
            let attproj = &mut a.attproj[l * nc..][..nc];
            matmul::forward(attproj, atty, w(o.proj_w, c * c), Some(w(o.proj_b, c)), n, c, c);
            if m.on {
                dropout::forward(attproj, &m.attproj[l * nc..][..nc]);
            }
            let residual2 = &mut a.residual2[l * nc..][..nc];
            residual::forward(residual2, below, attproj);
            let ln2 = &mut a.ln2[l * nc..][..nc];
            layer_norm::forward(ln2, &mut a.ln2_xhat[l * nc..][..nc], &mut a.ln2_rstd[l * n..][..n], residual2, w(o.ln2_w, c), w(o.ln2_b, c), c);
            let fch = &mut a.fch[l * n4c..][..n4c];
            matmul::forward(fch, ln2, w(o.fc_w, 4 * c * c), Some(w(o.fc_b, 4 * c)), n, c, 4 * c);
            let fch_gelu = &mut a.fch_gelu[l * n4c..][..n4c];
            gelu::forward(fch_gelu, fch);
            let fcproj = &mut a.fcproj[l * nc..][..nc];
            matmul::forward(fcproj, fch_gelu, w(o.fcproj_w, 4 * c * c), Some(w(o.fcproj_b, c)), n, 4 * c, c);
            if m.on {
                dropout::forward(fcproj, &m.fcproj[l * nc..][..nc]);
            }
            residual::forward(&mut rest[..nc], residual2, fcproj);
        }
        let last = &a.residual3[(p.blocks.len() - 1) * n * c..][..n * c];
        layer_norm::forward(&mut a.lnf, &mut a.lnf_xhat, &mut a.lnf_rstd, last, w(p.lnf_w, c), w(p.lnf_b, c), c);
        // The head is tied to the token embedding.
        matmul::forward(&mut a.logits, &a.lnf, w(p.wte, v * c), None, n, c, v);
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
    pub fn backward(&mut self, cfg: &GptConfig, p: &ParamTable, theta: &[T], tokens: &[u32], targets: &[u32], dloss: T, grad: &mut [T]) {
        let (a, s) = (&self.acts, &mut self.scratch);
        let (b, t, c, v, nh) = (a.batch, a.seq, cfg.n_embd, cfg.vocab_size, cfg.n_head);
        let n = b * t;
        let (nc, n3c, n4c) = (n * c, n * 3 * c, n * 4 * c);
        let w = |offset: usize, len: usize| &theta[offset..offset + len];
        let m = &a.masks;
        s.d_logits.fill(T::ZERO);
        cross_entropy::backward(&mut s.d_logits, &a.probs, targets, dloss, v);
        s.d_ln.fill(T::ZERO);
        matmul::backward(&mut s.d_ln, &mut grad[p.wte..p.wte + v * c], None, &s.d_logits, &a.lnf, w(p.wte, v * c), n, c, v);
        s.d_residual.fill(T::ZERO);
        let (dw, db) = grad[p.lnf_w..p.lnf_b + c].split_at_mut(c);
        layer_norm::backward(&mut s.d_residual, dw, db, &mut s.row[..c], &s.d_ln, &a.lnf_xhat, &a.lnf_rstd, w(p.lnf_w, c), c);
        // One buffer carries d(residual) down the blocks: a residual connection passes it to both of
        // its inputs, so each branch's gradient is added to it in place.
        for (l, o) in p.blocks.iter().enumerate().rev() {
            // residual3 = residual2 + drop(fcproj): d_residual flows to both.
            s.d_fch_gelu.fill(T::ZERO);
            let fch_gelu = &a.fch_gelu[l * n4c..][..n4c];
            let d_out = branch(&mut s.d_branch, &s.d_residual, m.on.then(|| &m.fcproj[l * nc..][..nc]));
            let (dw, db) = grad[o.fcproj_w..o.fcproj_w + 4 * c * c + c].split_at_mut(4 * c * c);
            matmul::backward(&mut s.d_fch_gelu, dw, Some(db), d_out, fch_gelu, w(o.fcproj_w, 4 * c * c), n, 4 * c, c);
            s.d_fch.fill(T::ZERO);
            gelu::backward(&mut s.d_fch, &a.fch[l * n4c..][..n4c], &s.d_fch_gelu);
            s.d_ln.fill(T::ZERO);
            let ln2 = &a.ln2[l * nc..][..nc];
            let (dw, db) = grad[o.fc_w..o.fc_w + 4 * c * c + 4 * c].split_at_mut(4 * c * c);
            matmul::backward(&mut s.d_ln, dw, Some(db), &s.d_fch, ln2, w(o.fc_w, 4 * c * c), n, c, 4 * c);
            let (dw, db) = grad[o.ln2_w..o.ln2_b + c].split_at_mut(c);
            let (xhat, rstd) = (&a.ln2_xhat[l * nc..][..nc], &a.ln2_rstd[l * n..][..n]);
            layer_norm::backward(&mut s.d_residual, dw, db, &mut s.row[..c], &s.d_ln, xhat, rstd, w(o.ln2_w, c), c);
            // residual2 = below + drop(attproj): d_residual (now w.r.t. residual2) flows to both.
            s.d_atty.fill(T::ZERO);
            let atty = &a.atty[l * nc..][..nc];
            let d_out = branch(&mut s.d_branch, &s.d_residual, m.on.then(|| &m.attproj[l * nc..][..nc]));
            let (dw, db) = grad[o.proj_w..o.proj_w + c * c + c].split_at_mut(c * c);
            matmul::backward(&mut s.d_atty, dw, Some(db), d_out, atty, w(o.proj_w, c * c), n, c, c);
            s.d_qkv.fill(T::ZERO);
            let natt = b * nh * t * t;
            let (qkv, att) = (&a.qkv[l * n3c..][..n3c], &a.att[l * natt..][..natt]);
            let att_dropout = m.on.then(|| (&m.att[l * natt..][..natt], &m.att_dropped[l * natt..][..natt]));
            attention::backward(&mut s.d_qkv, &mut s.row, &s.d_atty, qkv, att, att_dropout, b, t, c, nh);
            s.d_ln.fill(T::ZERO);
            let ln1 = &a.ln1[l * nc..][..nc];
            let (dw, db) = grad[o.qkv_w..o.qkv_w + 3 * c * c + 3 * c].split_at_mut(3 * c * c);
            matmul::backward(&mut s.d_ln, dw, Some(db), &s.d_qkv, ln1, w(o.qkv_w, 3 * c * c), n, c, 3 * c);
            let (dw, db) = grad[o.ln1_w..o.ln1_b + c].split_at_mut(c);
            let (xhat, rstd) = (&a.ln1_xhat[l * nc..][..nc], &a.ln1_rstd[l * n..][..n]);
            layer_norm::backward(&mut s.d_residual, dw, db, &mut s.row[..c], &s.d_ln, xhat, rstd, w(o.ln1_w, c), c);
        }
        if m.on {
            dropout::forward(&mut s.d_residual, &m.emb);
        }
        let (dwte, dwpe) = grad[p.wte..p.wpe + cfg.context * c].split_at_mut(p.wpe - p.wte);
        encoder::backward(dwte, dwpe, &s.d_residual, tokens, t, c);
    }
}
