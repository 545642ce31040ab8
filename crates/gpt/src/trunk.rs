//! The block stack every GPT shares: dropout on the embedded input, pre-LayerNorm blocks of causal
//! multi-head self-attention and a 4× GELU MLP, and a final LayerNorm. What feeds it (token or linear
//! embeddings) and what reads it (a tied vocabulary head, an action head) live with each model.

use butterfly_nn::Float;
use rand::SeedableRng;

use crate::BlockOffsets;
use crate::ops::dropout::{self, Dropout};
use crate::ops::{attention, gelu, layer_norm, matmul, residual};

/// The stack's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrunkShape {
    pub n_layer: usize,
    pub n_head: usize,
    pub n_embd: usize,
}

/// Offsets into θ of the stack's tensors.
#[derive(Debug, Clone, Copy)]
pub struct TrunkParams<'a> {
    pub blocks: &'a [BlockOffsets],
    pub lnf_w: usize,
    pub lnf_b: usize,
}

/// The dropout masks of one forward (empty without dropout), each laid out as the activation it masks.
#[derive(Debug, Clone, Default)]
struct Masks<T> {
    on: bool,
    input: Vec<T>,
    /// `[L,B,NH,T,T]`, and the weights after it.
    att: Vec<T>,
    att_dropped: Vec<T>,
    attproj: Vec<T>,
    fcproj: Vec<T>,
}

/// Gradients of the activations, reused block after block.
#[derive(Debug, Clone, Default)]
struct Scratch<T> {
    /// d(residual stream); after the backward pass, d(input).
    d_residual: Vec<T>,
    /// d(LayerNorm output); before the backward pass, d(out) from the head.
    d_ln: Vec<T>,
    d_qkv: Vec<T>,
    d_atty: Vec<T>,
    d_fch: Vec<T>,
    d_fch_gelu: Vec<T>,
    /// d(residual) through a dropout mask, into one branch.
    d_branch: Vec<T>,
    row: Vec<T>,
}

/// Every activation of the stack for B sequences of T rows (N = B·T), and its backward's scratch.
#[derive(Debug, Clone, Default)]
pub struct Trunk<T> {
    pub batch: usize,
    pub seq: usize,
    /// The embedded input `[N,C]`, written by the model before [`Trunk::forward`].
    pub input: Vec<T>,
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
    /// The final LayerNorm's output `[N,C]`: what a head reads.
    pub out: Vec<T>,
    out_xhat: Vec<T>,
    out_rstd: Vec<T>,
    /// The rows of `out` (all N, or those read).
    rows_out: usize,
    /// The rows read from the last block (empty: all).
    read: Vec<usize>,
    /// The read rows of the last block's input.
    gathered: Vec<T>,
    masks: Masks<T>,
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

/// Moves rows `read` (ascending) of `x` `[N,C]` to its first rows, in order.
fn compact<T: Float>(x: &mut [T], read: &[usize], c: usize) {
    for (i, &r) in read.iter().enumerate() {
        x.copy_within(r * c..(r + 1) * c, i * c);
    }
}

/// The inverse of [`compact`]: the first rows of `x` back to rows `read`, every other row zero
/// (`tmp` is scratch).
fn scatter<T: Float>(x: &mut [T], tmp: &mut Vec<T>, read: &[usize], c: usize) {
    tmp.clear();
    tmp.extend_from_slice(&x[..read.len() * c]);
    x.fill(T::ZERO);
    for (row, &r) in tmp.chunks_exact(c).zip(read) {
        x[r * c..(r + 1) * c].copy_from_slice(row);
    }
}

pub(crate) fn sized<T: Float>(v: &mut Vec<T>, n: usize) {
    v.clear();
    v.resize(n, T::ZERO);
}

impl<T: Float> Trunk<T> {
    /// Sizes every buffer for `batch` sequences of `seq` rows (allocates only when the shape changes).
    pub fn resize(&mut self, shape: TrunkShape, batch: usize, seq: usize) {
        if self.batch == batch && self.seq == seq {
            return;
        }
        self.masks = Masks::default();
        let (l, c, nh) = (shape.n_layer, shape.n_embd, shape.n_head);
        let n = batch * seq;
        (self.batch, self.seq) = (batch, seq);
        for (buf, len) in [
            (&mut self.input, n * c),
            (&mut self.ln1, l * n * c),
            (&mut self.ln1_xhat, l * n * c),
            (&mut self.ln1_rstd, l * n),
            (&mut self.qkv, l * n * 3 * c),
            (&mut self.atty, l * n * c),
            (&mut self.att, l * batch * nh * seq * seq),
            (&mut self.attproj, l * n * c),
            (&mut self.residual2, l * n * c),
            (&mut self.ln2, l * n * c),
            (&mut self.ln2_xhat, l * n * c),
            (&mut self.ln2_rstd, l * n),
            (&mut self.fch, l * n * 4 * c),
            (&mut self.fch_gelu, l * n * 4 * c),
            (&mut self.fcproj, l * n * c),
            (&mut self.residual3, l * n * c),
            (&mut self.out, n * c),
            (&mut self.out_xhat, n * c),
            (&mut self.out_rstd, n),
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
            (&mut s.d_branch, n * c),
            (&mut s.row, c.max(seq * seq)),
        ] {
            sized(buf, len);
        }
    }

    /// Draws the masks of `d` for this trunk's sequences, whose first is sequence `first` of the whole
    /// batch: each sequence's masks come from its own stream of the seed, so that they do not depend
    /// on how the batch is split between threads.
    fn draw_masks(&mut self, shape: TrunkShape, d: Dropout, first: usize) {
        let (b, t, c, nh, l) = (self.batch, self.seq, shape.n_embd, shape.n_head, shape.n_layer);
        let (tc, tt) = (t * c, t * t);
        let m = &mut self.masks;
        if m.input.len() != b * tc {
            for (buf, len) in [
                (&mut m.input, b * tc),
                (&mut m.att, l * b * nh * tt),
                (&mut m.att_dropped, l * b * nh * tt),
                (&mut m.attproj, l * b * tc),
                (&mut m.fcproj, l * b * tc),
            ] {
                sized(buf, len);
            }
        }
        m.on = true;
        for i in 0..b {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(d.seed);
            rng.set_stream((first + i) as u64);
            dropout::draw_mask(&mut m.input[i * tc..][..tc], d.p, &mut rng);
            for layer in 0..l {
                dropout::draw_mask(&mut m.att[(layer * b + i) * nh * tt..][..nh * tt], d.p, &mut rng);
                dropout::draw_mask(&mut m.attproj[(layer * b + i) * tc..][..tc], d.p, &mut rng);
                dropout::draw_mask(&mut m.fcproj[(layer * b + i) * tc..][..tc], d.p, &mut rng);
            }
        }
    }

    /// `out` from `input`; with `dropout` = (its settings, the index of this trunk's first sequence in
    /// the whole batch), in training mode. With `read` (ascending row indices), `out` holds only those
    /// rows, in that order: the last block's projection and MLP then run on them alone (the other rows
    /// still serve as its keys and values).
    pub fn forward(
        &mut self,
        shape: TrunkShape,
        p: TrunkParams<'_>,
        theta: &[T],
        dropout: Option<(Dropout, usize)>,
        read: Option<&[usize]>,
    ) {
        self.masks.on = false;
        if let Some((d, first)) = dropout.filter(|(d, _)| d.p > 0.0) {
            self.draw_masks(shape, d, first);
        }
        let (b, t, c, nh) = (self.batch, self.seq, shape.n_embd, shape.n_head);
        let n = b * t;
        self.read.clear();
        if let Some(read) = read {
            assert!(read.iter().enumerate().all(|(i, &r)| r < n && (i == 0 || read[i - 1] < r)), "read rows ascend");
            self.read.extend_from_slice(read);
        }
        let w = |offset: usize, len: usize| &theta[offset..offset + len];
        let m = &mut self.masks;
        if m.on {
            dropout::forward(&mut self.input, &m.input);
        }
        let last_block = p.blocks.len() - 1;
        let mut rows = n;
        for (l, o) in p.blocks.iter().enumerate() {
            let (nc, n3c, n4c) = (n * c, n * 3 * c, n * 4 * c);
            let (done, rest) = self.residual3.split_at_mut(l * nc);
            let below: &[T] = if l == 0 { &self.input } else { &done[(l - 1) * nc..] };
            let ln1 = &mut self.ln1[l * nc..][..nc];
            let (xhat, rstd) = (&mut self.ln1_xhat[l * nc..][..nc], &mut self.ln1_rstd[l * n..][..n]);
            layer_norm::forward(ln1, xhat, rstd, below, w(o.ln1_w, c), w(o.ln1_b, c), c);
            let qkv = &mut self.qkv[l * n3c..][..n3c];
            matmul::forward(qkv, ln1, w(o.qkv_w, 3 * c * c), Some(w(o.qkv_b, 3 * c)), n, c, 3 * c);
            let atty = &mut self.atty[l * nc..][..nc];
            let natt = b * nh * t * t;
            let att_dropout = m.on.then(|| (&m.att[l * natt..][..natt], &mut m.att_dropped[l * natt..][..natt]));
            attention::forward(atty, &mut self.att[l * natt..][..natt], att_dropout, qkv, b, t, c, nh);
            let mut below = below;
            if l == last_block && !self.read.is_empty() {
                // From here on the block works on the read rows, packed to the front of its buffers.
                rows = self.read.len();
                compact(atty, &self.read, c);
                if m.on {
                    compact(&mut m.attproj[l * nc..][..nc], &self.read, c);
                    compact(&mut m.fcproj[l * nc..][..nc], &self.read, c);
                }
                self.gathered.clear();
                for &r in &self.read {
                    self.gathered.extend_from_slice(&below[r * c..][..c]);
                }
                below = &self.gathered;
            }
            let (rc, r4c) = (rows * c, rows * 4 * c);
            let attproj = &mut self.attproj[l * nc..][..rc];
            matmul::forward(attproj, &atty[..rc], w(o.proj_w, c * c), Some(w(o.proj_b, c)), rows, c, c);
            if m.on {
                dropout::forward(attproj, &m.attproj[l * nc..][..rc]);
            }
            let residual2 = &mut self.residual2[l * nc..][..rc];
            residual::forward(residual2, &below[..rc], attproj);
            let ln2 = &mut self.ln2[l * nc..][..rc];
            let (xhat, rstd) = (&mut self.ln2_xhat[l * nc..][..rc], &mut self.ln2_rstd[l * n..][..rows]);
            layer_norm::forward(ln2, xhat, rstd, residual2, w(o.ln2_w, c), w(o.ln2_b, c), c);
            let fch = &mut self.fch[l * n4c..][..r4c];
            matmul::forward(fch, ln2, w(o.fc_w, 4 * c * c), Some(w(o.fc_b, 4 * c)), rows, c, 4 * c);
            let fch_gelu = &mut self.fch_gelu[l * n4c..][..r4c];
            gelu::forward(fch_gelu, fch);
            let fcproj = &mut self.fcproj[l * nc..][..rc];
            matmul::forward(fcproj, fch_gelu, w(o.fcproj_w, 4 * c * c), Some(w(o.fcproj_b, c)), rows, 4 * c, c);
            if m.on {
                dropout::forward(fcproj, &m.fcproj[l * nc..][..rc]);
            }
            residual::forward(&mut rest[..rc], residual2, fcproj);
        }
        let rc = rows * c;
        let last = &self.residual3[last_block * n * c..][..rc];
        let (out, xhat, rstd) = (&mut self.out[..rc], &mut self.out_xhat[..rc], &mut self.out_rstd[..rows]);
        layer_norm::forward(out, xhat, rstd, last, w(p.lnf_w, c), w(p.lnf_b, c), c);
        self.rows_out = rows;
    }

    /// `out`, and the buffer a head adds d(out) `[N,C]` into before [`Trunk::backward`] (zeroed).
    pub fn out_and_d_out(&mut self) -> (&[T], &mut [T]) {
        let rc = self.rows_out * self.out.len() / (self.batch * self.seq).max(1);
        self.scratch.d_ln.fill(T::ZERO);
        (&self.out[..rc], &mut self.scratch.d_ln[..rc])
    }

    /// Adds the stack's parameter gradients (of the last forward, through its dropout masks) into
    /// `grad`, from d(out) in [`Trunk::out_and_d_out`]; returns d(input) `[N,C]`.
    pub fn backward(&mut self, shape: TrunkShape, p: TrunkParams<'_>, theta: &[T], grad: &mut [T]) -> &[T] {
        let s = &mut self.scratch;
        let (b, t, c, nh) = (self.batch, self.seq, shape.n_embd, shape.n_head);
        let n = b * t;
        let (nc, n3c, n4c) = (n * c, n * 3 * c, n * 4 * c);
        let w = |offset: usize, len: usize| &theta[offset..offset + len];
        let m = &self.masks;
        let last_block = p.blocks.len() - 1;
        let mut rows = self.rows_out;
        s.d_residual.fill(T::ZERO);
        let (dw, db) = grad[p.lnf_w..p.lnf_b + c].split_at_mut(c);
        let (xhat, rstd) = (&self.out_xhat[..rows * c], &self.out_rstd[..rows]);
        let d_res = &mut s.d_residual[..rows * c];
        layer_norm::backward(d_res, dw, db, &mut s.row[..c], &s.d_ln[..rows * c], xhat, rstd, w(p.lnf_w, c), c);
        // One buffer carries d(residual) down the blocks: a residual connection passes it to both of
        // its inputs, so each branch's gradient is added to it in place.
        for (l, o) in p.blocks.iter().enumerate().rev() {
            let (rc, r4c) = (rows * c, rows * 4 * c);
            // residual3 = residual2 + drop(fcproj): d_residual flows to both.
            let d_fch_gelu = &mut s.d_fch_gelu[..r4c];
            d_fch_gelu.fill(T::ZERO);
            let fch_gelu = &self.fch_gelu[l * n4c..][..r4c];
            let d_res = &s.d_residual[..rc];
            let d_out = branch(&mut s.d_branch[..rc], d_res, m.on.then(|| &m.fcproj[l * nc..][..rc]));
            let (dw, db) = grad[o.fcproj_w..o.fcproj_w + 4 * c * c + c].split_at_mut(4 * c * c);
            matmul::backward(d_fch_gelu, dw, Some(db), d_out, fch_gelu, w(o.fcproj_w, 4 * c * c), rows, 4 * c, c);
            let d_fch = &mut s.d_fch[..r4c];
            d_fch.fill(T::ZERO);
            gelu::backward(d_fch, &self.fch[l * n4c..][..r4c], d_fch_gelu);
            let d_ln = &mut s.d_ln[..rc];
            d_ln.fill(T::ZERO);
            let ln2 = &self.ln2[l * nc..][..rc];
            let (dw, db) = grad[o.fc_w..o.fc_w + 4 * c * c + 4 * c].split_at_mut(4 * c * c);
            matmul::backward(d_ln, dw, Some(db), d_fch, ln2, w(o.fc_w, 4 * c * c), rows, c, 4 * c);
            let (dw, db) = grad[o.ln2_w..o.ln2_b + c].split_at_mut(c);
            let (xhat, rstd) = (&self.ln2_xhat[l * nc..][..rc], &self.ln2_rstd[l * n..][..rows]);
            let d_res = &mut s.d_residual[..rc];
            layer_norm::backward(d_res, dw, db, &mut s.row[..c], d_ln, xhat, rstd, w(o.ln2_w, c), c);
            // residual2 = below + drop(attproj): d_residual (now w.r.t. residual2) flows to both.
            s.d_atty.fill(T::ZERO);
            let atty = &self.atty[l * nc..][..rc];
            let d_out = branch(&mut s.d_branch[..rc], &s.d_residual[..rc], m.on.then(|| &m.attproj[l * nc..][..rc]));
            let (dw, db) = grad[o.proj_w..o.proj_w + c * c + c].split_at_mut(c * c);
            matmul::backward(&mut s.d_atty[..rc], dw, Some(db), d_out, atty, w(o.proj_w, c * c), rows, c, c);
            if l == last_block && rows < n {
                // Back to every row: the read rows' gradients where they came from, zero elsewhere.
                scatter(&mut s.d_atty, &mut self.gathered, &self.read, c);
                scatter(&mut s.d_residual, &mut self.gathered, &self.read, c);
                rows = n;
            }
            s.d_qkv.fill(T::ZERO);
            let natt = b * nh * t * t;
            let (qkv, att) = (&self.qkv[l * n3c..][..n3c], &self.att[l * natt..][..natt]);
            let att_dropout = m.on.then(|| (&m.att[l * natt..][..natt], &m.att_dropped[l * natt..][..natt]));
            attention::backward(&mut s.d_qkv, &mut s.row, &s.d_atty, qkv, att, att_dropout, b, t, c, nh);
            s.d_ln.fill(T::ZERO);
            let ln1 = &self.ln1[l * nc..][..nc];
            let (dw, db) = grad[o.qkv_w..o.qkv_w + 3 * c * c + 3 * c].split_at_mut(3 * c * c);
            matmul::backward(&mut s.d_ln, dw, Some(db), &s.d_qkv, ln1, w(o.qkv_w, 3 * c * c), n, c, 3 * c);
            let (dw, db) = grad[o.ln1_w..o.ln1_b + c].split_at_mut(c);
            let (xhat, rstd) = (&self.ln1_xhat[l * nc..][..nc], &self.ln1_rstd[l * n..][..n]);
            layer_norm::backward(&mut s.d_residual, dw, db, &mut s.row[..c], &s.d_ln, xhat, rstd, w(o.ln1_w, c), c);
        }
        if m.on {
            dropout::forward(&mut s.d_residual, &m.input);
        }
        &s.d_residual
    }
}
