//! Causal multi-head self-attention over the packed q, k, v of every position.

use butterfly_nn::{Float, Operand, gemm, gemm_strided};

use crate::ops::dropout;

/// `Σ aᵢbᵢ` in eight interleaved partial sums, which the compiler keeps in vector registers (a single
/// running sum is a chain of dependent adds).
fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    let mut lanes = [T::ZERO; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let mut tail = T::ZERO;
    for (&x, &y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    let [l0, l1, l2, l3, l4, l5, l6, l7] = lanes;
    ((l0 + l4) + (l1 + l5)) + ((l2 + l6) + (l3 + l7)) + tail
}

/// Sequences up to this long multiply their T×T blocks per head in plain loops: there a GEMM call per
/// sequence and head costs more than its product (and serializes on the BLAS library's buffer lock).
const SHORT: usize = 16;

/// `y += a·x` over equal-length slices.
fn axpy<T: Float>(y: &mut [T], a: T, x: &[T]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// Softmax of `scale · scores` in place over `row` `[P]`.
fn softmax_scaled<T: Float>(row: &mut [T], scale: T) {
    let mut max = T::from_f64(f64::NEG_INFINITY);
    for a in row.iter_mut() {
        *a *= scale;
        max = max.max(*a);
    }
    let mut sum = T::ZERO;
    for a in row.iter_mut() {
        *a = (*a - max).exp_fast();
        sum += *a;
    }
    let inv = T::ONE / sum;
    row.iter_mut().for_each(|a| *a *= inv);
}

/// One head of one position: `weights` `[P]` = softmax(q·kᵀ/√hs) over the positions 0..P and
/// `out` `[hs]` = Σ weights·v, where position t2's key and value start at `keys[t2·stride]` and
/// `values[t2·stride]`; q `[hs]`.
fn attend<T: Float>(out: &mut [T], weights: &mut [T], q: &[T], keys: &[T], values: &[T], stride: usize) {
    let hs = q.len();
    for (t2, a) in weights.iter_mut().enumerate() {
        *a = dot(q, &keys[t2 * stride..][..hs]);
    }
    softmax_scaled(weights, T::ONE / T::from_f64(hs as f64).sqrt());
    out.fill(T::ZERO);
    for (t2, &a) in weights.iter().enumerate() {
        axpy(out, a, &values[t2 * stride..][..hs]);
    }
}

/// The first channel of `part` (0 q, 1 k, 2 v) of head h in the first row of a sequence's qkv
/// `[T,3C]`; its rows are 3C apart.
fn head(part: usize, h: usize, c: usize, hs: usize) -> usize {
    part * c + h * hs
}

/// Head h's `[T,hs]` block of `part` in a sequence's qkv `[T,3C]`, as a GEMM operand.
fn head_operand<T>(seq: &[T], part: usize, h: usize, c: usize, hs: usize) -> Operand<'_, T> {
    Operand::plain(&seq[head(part, h, c, hs)..]).with_row_stride(3 * c)
}

/// out `[B,T,C]` and att `[B,NH,T,T]` (the softmax weights, zero above the diagonal) from qkv
/// `[B,T,3C]` (q, k, v one after the other in each row; head h reads channels h·hs..(h+1)·hs, hs = C/NH).
/// With `dropout` = (mask, dropped), both `[B,NH,T,T]`: the weights times the mask go to `dropped` and
/// weigh the values. Per sequence and head: S = Q·Kᵀ and out = A·V are GEMMs over the head's strided
/// channels (the scores above the diagonal are computed and then zeroed: cheaper than scalar loops
/// over a triangle).
#[allow(clippy::too_many_arguments)]
pub fn forward<T: Float>(
    out: &mut [T],
    att: &mut [T],
    mut dropout: Option<(&[T], &mut [T])>,
    qkv: &[T],
    b_len: usize,
    t_len: usize,
    c: usize,
    nh: usize,
) {
    let hs = c / nh;
    let scale = T::ONE / T::from_f64(hs as f64).sqrt();
    let tt = t_len * t_len;
    let short = t_len <= SHORT;
    for b in 0..b_len {
        let seq = &qkv[b * t_len * 3 * c..][..t_len * 3 * c];
        for h in 0..nh {
            let block = (b * nh + h) * tt;
            let a = &mut att[block..][..tt];
            if short {
                let rows = |part: usize, t: usize| &seq[t * 3 * c + head(part, h, c, hs)..][..hs];
                for (t, row) in a.chunks_exact_mut(t_len).enumerate() {
                    for (t2, s) in row[..=t].iter_mut().enumerate() {
                        *s = dot(rows(0, t), rows(1, t2));
                    }
                }
            } else {
                let keys = Operand::transposed(&seq[head(1, h, c, hs)..]).with_row_stride(3 * c);
                gemm(t_len, t_len, hs, head_operand(seq, 0, h, c, hs), keys, a, false);
            }
            for (t, row) in a.chunks_exact_mut(t_len).enumerate() {
                let (live, masked) = row.split_at_mut(t + 1);
                softmax_scaled(live, scale);
                masked.fill(T::ZERO);
            }
            let weights: &[T] = match &mut dropout {
                Some((mask, dropped)) => {
                    let d = &mut dropped[block..][..tt];
                    d.copy_from_slice(a);
                    dropout::forward(d, &mask[block..][..tt]);
                    d
                }
                None => a,
            };
            let o = &mut out[b * t_len * c + h * hs..];
            if short {
                for (t, w) in weights.chunks_exact(t_len).enumerate() {
                    let o = &mut o[t * c..][..hs];
                    o.fill(T::ZERO);
                    for (t2, &w) in w[..=t].iter().enumerate() {
                        axpy(o, w, &seq[t2 * 3 * c + head(2, h, c, hs)..][..hs]);
                    }
                }
            } else {
                gemm_strided(t_len, hs, t_len, Operand::plain(weights), head_operand(seq, 2, h, c, hs), o, c, false);
            }
        }
    }
}

/// One new position's attention over the cached keys and values of positions 0..P (its own included):
/// out `[C]`, q `[C]`, keys and values `[P,C]`, `scores` scratch `[≥ P]`; the arithmetic of [`forward`]
/// for that row up to rounding, so a cached generation gives the logits of a full forward.
pub fn forward_one<T: Float>(out: &mut [T], scores: &mut [T], q: &[T], keys: &[T], values: &[T], c: usize, nh: usize) {
    forward_one_strided(out, scores, q, keys, values, keys.len() / c, c, nh, c);
}

/// [`forward_one`] over `p` positions whose keys and values are `stride` apart (rows of a packed qkv
/// `[T,3C]`: stride 3C).
#[allow(clippy::too_many_arguments)]
pub fn forward_one_strided<T: Float>(
    out: &mut [T],
    scores: &mut [T],
    q: &[T],
    keys: &[T],
    values: &[T],
    p: usize,
    c: usize,
    nh: usize,
    stride: usize,
) {
    let hs = c / nh;
    for h in 0..nh {
        let o = &mut out[h * hs..][..hs];
        attend(o, &mut scores[..p], &q[h * hs..][..hs], &keys[h * hs..], &values[h * hs..], stride);
    }
}

/// Adds the gradient w.r.t. qkv `[B,T,3C]` from dout `[B,T,C]`, given the forward's att (and its
/// dropout's mask and dropped weights); `scratch` holds T×T. Per sequence and head, four GEMMs: dA =
/// dO·Vᵀ (times the mask), dV += Aᵀ·dO (the dropped A), then through the softmax dS = A ⊙ (dA − Σ A·dA)/√hs
/// row by row, dQ += dS·K and dK += dSᵀ·Q.
#[allow(clippy::too_many_arguments)]
pub fn backward<T: Float>(
    dqkv: &mut [T],
    scratch: &mut [T],
    dout: &[T],
    qkv: &[T],
    att: &[T],
    dropout: Option<(&[T], &[T])>,
    b_len: usize,
    t_len: usize,
    c: usize,
    nh: usize,
) {
    let hs = c / nh;
    let scale = T::ONE / T::from_f64(hs as f64).sqrt();
    let tt = t_len * t_len;
    let ds = &mut scratch[..tt];
    for b in 0..b_len {
        let (seq, dseq) = (&qkv[b * t_len * 3 * c..][..t_len * 3 * c], &mut dqkv[b * t_len * 3 * c..][..t_len * 3 * c]);
        let dout = &dout[b * t_len * c..][..t_len * c];
        for h in 0..nh {
            let block = (b * nh + h) * tt;
            let a = &att[block..][..tt];
            let weights = dropout.map_or(a, |(_, dropped)| &dropped[block..][..tt]);
            let g = Operand::plain(&dout[h * hs..]).with_row_stride(c);
            if t_len <= SHORT {
                let g_row = |t: usize| &dout[t * c + h * hs..][..hs];
                for (t, row) in ds.chunks_exact_mut(t_len).enumerate() {
                    row.fill(T::ZERO);
                    for (t2, d) in row[..=t].iter_mut().enumerate() {
                        *d = dot(g_row(t), &seq[t2 * 3 * c + head(2, h, c, hs)..][..hs]);
                    }
                }
                for (t, w) in weights.chunks_exact(t_len).enumerate() {
                    for (t2, &w) in w[..=t].iter().enumerate() {
                        axpy(&mut dseq[t2 * 3 * c + head(2, h, c, hs)..][..hs], w, g_row(t));
                    }
                }
            } else {
                let values = Operand::transposed(&seq[head(2, h, c, hs)..]).with_row_stride(3 * c);
                gemm(t_len, t_len, hs, g, values, ds, false);
                let dv = &mut dseq[head(2, h, c, hs)..];
                gemm_strided(t_len, hs, t_len, Operand::transposed(weights), g, dv, 3 * c, true);
            }
            if let Some((mask, _)) = dropout {
                dropout::forward(ds, &mask[block..][..tt]);
            }
            // Zero weights above the diagonal make those entries of dS zero.
            for (d, w) in ds.chunks_exact_mut(t_len).zip(a.chunks_exact(t_len)) {
                let weighted = dot(w, d);
                d.iter_mut().zip(w).for_each(|(d, &w)| *d = w * (*d - weighted) * scale);
            }
            let ds = &*ds;
            if t_len <= SHORT {
                for (t, row) in ds.chunks_exact(t_len).enumerate() {
                    for (t2, &d) in row[..=t].iter().enumerate() {
                        let (q, k) = (t * 3 * c + head(0, h, c, hs), t2 * 3 * c + head(1, h, c, hs));
                        axpy(&mut dseq[q..][..hs], d, &seq[k..][..hs]);
                        axpy(&mut dseq[k..][..hs], d, &seq[q..][..hs]);
                    }
                }
            } else {
                let dq = &mut dseq[head(0, h, c, hs)..];
                gemm_strided(t_len, hs, t_len, Operand::plain(ds), head_operand(seq, 1, h, c, hs), dq, 3 * c, true);
                let dk = &mut dseq[head(1, h, c, hs)..];
                gemm_strided(
                    t_len,
                    hs,
                    t_len,
                    Operand::transposed(ds),
                    head_operand(seq, 0, h, c, hs),
                    dk,
                    3 * c,
                    true,
                );
            }
        }
    }
}

/// The same attention from whole score matrices: softmax(QKᵀ/√hs + mask)·V per batch and head.
#[cfg(test)]
pub fn naive_forward(out: &mut [f64], qkv: &[f64], b_len: usize, t_len: usize, c: usize, nh: usize) {
    let hs = c / nh;
    let at = |b: usize, t: usize, part: usize, h: usize, i: usize| qkv[(b * t_len + t) * 3 * c + part * c + h * hs + i];
    for b in 0..b_len {
        for h in 0..nh {
            for t in 0..t_len {
                let scores: Vec<f64> = (0..t_len)
                    .map(|t2| {
                        if t2 > t {
                            f64::NEG_INFINITY
                        } else {
                            (0..hs).map(|i| at(b, t, 0, h, i) * at(b, t2, 1, h, i)).sum::<f64>() / (hs as f64).sqrt()
                        }
                    })
                    .collect();
                let z: f64 = scores.iter().map(|s| s.exp()).sum();
                for i in 0..hs {
                    out[(b * t_len + t) * c + h * hs + i] =
                        (0..t_len).map(|t2| scores[t2].exp() / z * at(b, t2, 2, h, i)).sum();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::check::{Rand, grad_check, max_rel_diff};
    use rand::SeedableRng;

    #[test]
    fn matches_the_matrix_form_and_finite_differences() {
        // Short sequences take the loops, longer ones the GEMMs.
        check(4);
        check(SHORT + 3);
    }

    fn check(t: usize) {
        let (b, c, nh) = (2, 6, 2);
        let mut r = Rand::new(5);
        let (qkv, dout) = (r.vec(b * t * 3 * c), r.vec(b * t * c));
        let (mut out, mut att, mut slow) = (vec![0.0; b * t * c], vec![0.0; b * nh * t * t], vec![0.0; b * t * c]);
        forward(&mut out, &mut att, None, &qkv, b, t, c, nh);
        naive_forward(&mut slow, &qkv, b, t, c, nh);
        assert!(max_rel_diff(&out, &slow) < 1e-12);
        let f = |qkv: &[f64]| {
            let mut out = vec![0.0; b * t * c];
            naive_forward(&mut out, qkv, b, t, c, nh);
            out.iter().zip(&dout).map(|(o, d)| o * d).sum::<f64>()
        };
        let (mut dqkv, mut scratch) = (vec![0.0; qkv.len()], vec![0.0; t * t]);
        backward(&mut dqkv, &mut scratch, &dout, &qkv, &att, None, b, t, c, nh);
        grad_check(&qkv, &dqkv, f);
        // With dropout on the weights (a fixed mask), against differences of the forward itself.
        let n_att = b * nh * t * t;
        let mut mask = vec![0.0; n_att];
        dropout::draw_mask(&mut mask, 0.3, &mut rand_chacha::ChaCha8Rng::seed_from_u64(2));
        let f = |qkv: &[f64]| {
            let (mut out, mut att, mut dropped) = (vec![0.0; b * t * c], vec![0.0; n_att], vec![0.0; n_att]);
            forward(&mut out, &mut att, Some((&mask, &mut dropped)), qkv, b, t, c, nh);
            out.iter().zip(&dout).map(|(o, d)| o * d).sum::<f64>()
        };
        let mut dropped = vec![0.0; n_att];
        forward(&mut out, &mut att, Some((&mask, &mut dropped)), &qkv, b, t, c, nh);
        dqkv.fill(0.0);
        backward(&mut dqkv, &mut scratch, &dout, &qkv, &att, Some((&mask, &dropped)), b, t, c, nh);
        grad_check(&qkv, &dqkv, f);
    }
}
