//! The imitator frozen for rollouts: θ's linear layers packed once for the engine's small-batch kernel
//! (no BLAS call, so rollouts on many threads never share a BLAS pool), attention and norms row by row.
//! Every row's arithmetic is independent of the other windows in the call, so acting for many episodes
//! in one call gives each exactly what it gets alone; against the training forward the sums run in
//! another order, so the two agree up to rounding.

use butterfly_nn::PackedLinear;
use butterfly_nn::layer_norm::forward_row;

use crate::GptError;
use crate::imitator::{ImitatorShape, ImitatorTable};
use crate::ops::{attention, gelu, position, squash};

#[derive(Debug, Clone)]
struct PackedBlock {
    ln1: (Vec<f32>, Vec<f32>),
    qkv: PackedLinear,
    proj: PackedLinear,
    ln2: (Vec<f32>, Vec<f32>),
    fc: PackedLinear,
    fcproj: PackedLinear,
}

/// Buffers of one call, `[N, …]` for N = B·T rows.
#[derive(Debug, Clone, Default)]
struct Buffers {
    x: Vec<f32>,
    ln: Vec<f32>,
    qkv: Vec<f32>,
    att: Vec<f32>,
    branch: Vec<f32>,
    fch: Vec<f32>,
    fch_gelu: Vec<f32>,
    last: Vec<f32>,
    y: Vec<f32>,
    actions: Vec<f32>,
    scores: Vec<f32>,
    padded: Vec<f32>,
    xhat: Vec<f32>,
}

#[derive(Debug, Clone)]
pub struct PackedImitator {
    shape: ImitatorShape,
    embed: PackedLinear,
    wpe: Vec<f32>,
    blocks: Vec<PackedBlock>,
    lnf: (Vec<f32>, Vec<f32>),
    head: PackedLinear,
    low: Vec<f32>,
    high: Vec<f32>,
    buf: Buffers,
}

/// Each row of `x` `[N,C]` layer-normalized into `out`; `xhat` is one row of scratch.
fn norm_rows(out: &mut Vec<f32>, xhat: &mut Vec<f32>, x: &[f32], (gain, shift): &(Vec<f32>, Vec<f32>), c: usize) {
    out.clear();
    out.resize(x.len(), 0.0);
    xhat.resize(c, 0.0);
    for (o, row) in out.chunks_exact_mut(c).zip(x.chunks_exact(c)) {
        xhat.copy_from_slice(row);
        forward_row(xhat, gain, shift, o);
    }
}

impl PackedImitator {
    /// Packs `theta` of the network `shape` acting in the box `low`..`high`.
    pub fn new(shape: ImitatorShape, theta: &[f32], low: Vec<f32>, high: Vec<f32>) -> Result<Self, GptError> {
        shape.validate()?;
        let p = ImitatorTable::new(&shape);
        if theta.len() != p.total || low.len() != shape.output || high.len() != shape.output {
            return Err(GptError::Input {
                what: format!(
                    "{} parameters and {} bounds for a network of {} and {} actions",
                    theta.len(),
                    low.len(),
                    p.total,
                    shape.output
                ),
            });
        }
        let (c, d, a) = (shape.n_embd, shape.input, shape.output);
        let w = |offset: usize, len: usize| &theta[offset..offset + len];
        let pair = |wo: usize, bo: usize| (w(wo, c).to_vec(), w(bo, c).to_vec());
        let blocks = p
            .blocks
            .iter()
            .map(|o| PackedBlock {
                ln1: pair(o.ln1_w, o.ln1_b),
                qkv: PackedLinear::new(w(o.qkv_w, 3 * c * c), w(o.qkv_b, 3 * c), c),
                proj: PackedLinear::new(w(o.proj_w, c * c), w(o.proj_b, c), c),
                ln2: pair(o.ln2_w, o.ln2_b),
                fc: PackedLinear::new(w(o.fc_w, 4 * c * c), w(o.fc_b, 4 * c), c),
                fcproj: PackedLinear::new(w(o.fcproj_w, 4 * c * c), w(o.fcproj_b, c), 4 * c),
            })
            .collect();
        Ok(Self {
            shape,
            embed: PackedLinear::new(w(p.embed_w, c * d), w(p.embed_b, c), d),
            wpe: w(p.wpe, shape.window * c).to_vec(),
            blocks,
            lnf: pair(p.lnf_w, p.lnf_b),
            head: PackedLinear::new(w(p.head_w, a * c), w(p.head_b, a), c),
            low,
            high,
            buf: Buffers::default(),
        })
    }

    pub fn shape(&self) -> &ImitatorShape {
        &self.shape
    }

    /// The actions `[B,A]` read at the last row of each of the `batch` windows of `x` `[B,seq,D]`.
    pub fn actions(&mut self, x: &[f32], batch: usize, seq: usize) -> Result<&[f32], GptError> {
        let (c, nh, d) = (self.shape.n_embd, self.shape.n_head, self.shape.input);
        if batch == 0 || seq == 0 || seq > self.shape.window || x.len() != batch * seq * d {
            return Err(GptError::Input {
                what: format!(
                    "{} inputs are not {batch} windows of {seq} ≤ {} rows of {d}",
                    x.len(),
                    self.shape.window
                ),
            });
        }
        let n = batch * seq;
        let b = &mut self.buf;
        self.embed.forward(x, n, &mut b.x, &mut b.padded);
        position::forward(&mut b.x, &self.wpe, seq, c);
        b.scores.resize(seq, 0.0);
        let last_block = self.blocks.len() - 1;
        for (l, blk) in self.blocks.iter().enumerate() {
            norm_rows(&mut b.ln, &mut b.xhat, &b.x, &blk.ln1, c);
            blk.qkv.forward(&b.ln, n, &mut b.qkv, &mut b.padded);
            // The last block's output is read at each window's last row only: the rows before it
            // matter there as keys and values, which the qkv above already holds.
            let rows_from = if l == last_block { seq - 1 } else { 0 };
            let rows = batch * (seq - rows_from);
            b.att.resize(rows * c, 0.0);
            let mut out = b.att.chunks_exact_mut(c);
            for qkv in b.qkv.chunks_exact(seq * 3 * c) {
                for t in rows_from..seq {
                    let (o, q) = (out.next().expect("sized above"), &qkv[t * 3 * c..][..c]);
                    attention::forward_one_strided(o, &mut b.scores, q, &qkv[c..], &qkv[2 * c..], t + 1, c, nh, 3 * c);
                }
            }
            if rows_from > 0 {
                b.last.clear();
                for window in b.x.chunks_exact(seq * c) {
                    b.last.extend_from_slice(&window[rows_from * c..]);
                }
                std::mem::swap(&mut b.x, &mut b.last);
            }
            blk.proj.forward(&b.att, rows, &mut b.branch, &mut b.padded);
            b.x.iter_mut().zip(&b.branch).for_each(|(x, p)| *x += p);
            norm_rows(&mut b.ln, &mut b.xhat, &b.x, &blk.ln2, c);
            blk.fc.forward(&b.ln, rows, &mut b.fch, &mut b.padded);
            b.fch_gelu.resize(b.fch.len(), 0.0);
            gelu::forward(&mut b.fch_gelu, &b.fch);
            blk.fcproj.forward(&b.fch_gelu, rows, &mut b.branch, &mut b.padded);
            b.x.iter_mut().zip(&b.branch).for_each(|(x, p)| *x += p);
        }
        norm_rows(&mut b.ln, &mut b.xhat, &b.x, &self.lnf, c);
        self.head.forward(&b.ln, batch, &mut b.y, &mut b.padded);
        b.actions.resize(b.y.len(), 0.0);
        squash::forward(&mut b.actions, &b.y, &self.low, &self.high);
        Ok(&b.actions)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::TransformerNet;
    use crate::ops::check::Rand;

    #[test]
    fn packed_actions_match_the_training_forward_and_do_not_depend_on_the_batch() {
        let shape = ImitatorShape { input: 7, output: 3, window: 5, n_layer: 2, n_head: 2, n_embd: 16 };
        let (low, high) = (vec![-1.0, -2.0, 0.0], vec![1.0, 2.0, 0.5]);
        let mut net = TransformerNet::new(shape, low.clone(), high.clone()).unwrap();
        let mut theta = net.table.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(8));
        // Larger weights than at initialization, so that every layer shapes the action.
        let noise = Rand::new(1).vec(theta.len());
        theta.iter_mut().zip(noise).for_each(|(t, r)| *t += 0.2 * r as f32);
        let mut packed = PackedImitator::new(shape, &theta, low, high).unwrap();
        let x: Vec<f32> = Rand::new(2).vec(6 * 5 * 7).iter().map(|&v| v as f32).collect();
        for seq in [1, 3, 5] {
            let windows: Vec<f32> = x.chunks_exact(5 * 7).flat_map(|w| w[..seq * 7].to_vec()).collect();
            let batched = packed.actions(&windows, 6, seq).unwrap().to_vec();
            let reference = net.actions(&theta, &windows, &[seq - 1; 6], seq).unwrap().to_vec();
            for (a, r) in batched.iter().zip(&reference) {
                assert!((a - r).abs() < 1e-5, "seq {seq}: {a} vs {r}");
            }
            for (i, w) in windows.chunks_exact(seq * 7).enumerate() {
                assert_eq!(
                    packed.actions(w, 1, seq).unwrap(),
                    &batched[i * 3..(i + 1) * 3],
                    "window {i} alone, seq {seq}"
                );
            }
        }
        assert!(batched_variance(packed.actions(&x, 6, 5).unwrap()) > 1e-4, "actions depend on the input");
        assert!(packed.actions(&x, 6, 6).is_err() && packed.actions(&x[1..], 6, 5).is_err());
    }

    fn batched_variance(a: &[f32]) -> f32 {
        let mean = a.iter().sum::<f32>() / a.len() as f32;
        a.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / a.len() as f32
    }
}
