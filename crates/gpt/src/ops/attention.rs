//! Causal multi-head self-attention over the packed q, k, v of every position.

use butterfly_nn::Float;

/// One head of one position: `weights` `[P]` = softmax(q·kᵀ/√hs) over the positions 0..P and
/// `out` `[hs]` = Σ weights·v, where position t2's key and value start at `keys[t2·stride]` and
/// `values[t2·stride]`; q `[hs]`.
fn attend<T: Float>(out: &mut [T], weights: &mut [T], q: &[T], keys: &[T], values: &[T], stride: usize) {
    let hs = q.len();
    let scale = T::ONE / T::from_f64(hs as f64).sqrt();
    let mut max = T::from_f64(f64::NEG_INFINITY);
    for (t2, a) in weights.iter_mut().enumerate() {
        let mut dot = T::ZERO;
        for (&x, &y) in q.iter().zip(&keys[t2 * stride..][..hs]) {
            dot += x * y;
        }
        *a = dot * scale;
        max = max.max(*a);
    }
    let mut sum = T::ZERO;
    for a in weights.iter_mut() {
        *a = (*a - max).exp();
        sum += *a;
    }
    let inv = T::ONE / sum;
    weights.iter_mut().for_each(|a| *a *= inv);
    out.fill(T::ZERO);
    for (t2, &a) in weights.iter().enumerate() {
        for (y, &x) in out.iter_mut().zip(&values[t2 * stride..][..hs]) {
            *y += a * x;
        }
    }
}

/// out `[B,T,C]` and att `[B,NH,T,T]` (the softmax weights, zero above the diagonal) from qkv
/// `[B,T,3C]` (q, k, v one after the other in each row; head h reads channels h·hs..(h+1)·hs, hs = C/NH).
pub fn forward<T: Float>(out: &mut [T], att: &mut [T], qkv: &[T], b_len: usize, t_len: usize, c: usize, nh: usize) {
    let hs = c / nh;
    for b in 0..b_len {
        let seq = &qkv[b * t_len * 3 * c..][..t_len * 3 * c];
        for h in 0..nh {
            for t in 0..t_len {
                let row = &mut att[((b * nh + h) * t_len + t) * t_len..][..t_len];
                let q = &seq[t * 3 * c + h * hs..][..hs];
                let o = &mut out[(b * t_len + t) * c + h * hs..][..hs];
                attend(o, &mut row[..=t], q, &seq[c + h * hs..], &seq[2 * c + h * hs..], 3 * c);
                row[t + 1..].fill(T::ZERO);
            }
        }
    }
}

/// One new position's attention over the cached keys and values of positions 0..P (its own included):
/// out `[C]`, q `[C]`, keys and values `[P,C]`, `scores` scratch `[≥ P]`; the arithmetic of [`forward`]
/// for that row, so a cached generation gives the logits of a full forward.
pub fn forward_one<T: Float>(out: &mut [T], scores: &mut [T], q: &[T], keys: &[T], values: &[T], c: usize, nh: usize) {
    let (hs, p) = (c / nh, keys.len() / c);
    for h in 0..nh {
        let o = &mut out[h * hs..][..hs];
        attend(o, &mut scores[..p], &q[h * hs..][..hs], &keys[h * hs..], &values[h * hs..], c);
    }
}

/// Adds the gradient w.r.t. qkv `[B,T,3C]` from dout `[B,T,C]`, given the forward's att; `scratch`
/// holds one row of T.
#[allow(clippy::too_many_arguments)]
pub fn backward<T: Float>(
    dqkv: &mut [T],
    scratch: &mut [T],
    dout: &[T],
    qkv: &[T],
    att: &[T],
    b_len: usize,
    t_len: usize,
    c: usize,
    nh: usize,
) {
    let hs = c / nh;
    let scale = T::ONE / T::from_f64(hs as f64).sqrt();
    let datt = &mut scratch[..t_len];
    for b in 0..b_len {
        for h in 0..nh {
            for t in 0..t_len {
                let row = &att[((b * nh + h) * t_len + t) * t_len..][..t_len];
                let g = &dout[(b * t_len + t) * c + h * hs..][..hs];
                // out = Σ att·v: gradients of the weights and of the values.
                let mut weighted = T::ZERO;
                for t2 in 0..=t {
                    let base = (b * t_len + t2) * 3 * c + 2 * c + h * hs;
                    let mut d = T::ZERO;
                    for (i, &gi) in g.iter().enumerate() {
                        d += qkv[base + i] * gi;
                        dqkv[base + i] += row[t2] * gi;
                    }
                    datt[t2] = d;
                    weighted += row[t2] * d;
                }
                // Softmax: d(pre)_j = att_j (datt_j − Σ att·datt); then pre = q·k · scale.
                let q_base = (b * t_len + t) * 3 * c + h * hs;
                for t2 in 0..=t {
                    let dpre = row[t2] * (datt[t2] - weighted) * scale;
                    let k_base = (b * t_len + t2) * 3 * c + c + h * hs;
                    for i in 0..hs {
                        dqkv[q_base + i] += qkv[k_base + i] * dpre;
                        dqkv[k_base + i] += qkv[q_base + i] * dpre;
                    }
                }
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

    #[test]
    fn matches_the_matrix_form_and_finite_differences() {
        let (b, t, c, nh) = (2, 4, 6, 2);
        let mut r = Rand::new(5);
        let (qkv, dout) = (r.vec(b * t * 3 * c), r.vec(b * t * c));
        let (mut out, mut att, mut slow) = (vec![0.0; b * t * c], vec![0.0; b * nh * t * t], vec![0.0; b * t * c]);
        forward(&mut out, &mut att, &qkv, b, t, c, nh);
        naive_forward(&mut slow, &qkv, b, t, c, nh);
        assert!(max_rel_diff(&out, &slow) < 1e-12);
        let f = |qkv: &[f64]| {
            let mut out = vec![0.0; b * t * c];
            naive_forward(&mut out, qkv, b, t, c, nh);
            out.iter().zip(&dout).map(|(o, d)| o * d).sum::<f64>()
        };
        let (mut dqkv, mut scratch) = (vec![0.0; qkv.len()], vec![0.0; t]);
        backward(&mut dqkv, &mut scratch, &dout, &qkv, &att, b, t, c, nh);
        grad_check(&qkv, &dqkv, f);
    }
}
